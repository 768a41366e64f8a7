"""Contextual matching of ad-group hints against a conversation. Pure: no Django.

A hint is a phrase ("marathon training"); it matches a message that contains its words in order,
case-insensitively, at word boundaries ("Marathon  training!" matches, "marathons" does not).
Hints live in a word trie, so matching costs one walk per word of the conversation, however many
ad groups there are; only the groups of phrases that actually matched are touched afterwards.

Relevance of a group = the heaviest message any of its hints matched. The latest user message
weighs 1.0; every other message weighs less, user messages more than assistant ones, older ones
less than newer ones. A group without hints has relevance 0 (the lowest).
"""

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

_WORD = re.compile(r"\w+")
_END = ""  # trie key marking the end of a phrase; never a word (\w+ is non-empty)

K = TypeVar("K", bound=Hashable)

MAX_PHRASE_WORDS = 8
MAX_MESSAGES = 20  # only the most recent messages are read
MAX_CHARS_PER_MESSAGE = 8000

LATEST_USER_WEIGHT = 1.0
USER_WEIGHT = 0.6
ASSISTANT_WEIGHT = 0.4
DECAY = 0.8  # per message further from the latest user message


@dataclass(frozen=True, slots=True)
class Message:
    role: str  # "user" or "assistant"
    content: str


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def phrase_words(hint: str) -> tuple[str, ...]:
    """The words of a hint, as matched; empty when the hint has no word characters."""
    return tuple(words(hint)[:MAX_PHRASE_WORDS])


def message_weights(messages: Sequence[Message]) -> list[tuple[float, Message]]:
    """(weight, message) for the most recent messages; the latest user message weighs most."""
    recent = list(messages[-MAX_MESSAGES:])
    latest_user = max((i for i, m in enumerate(recent) if m.role == "user"), default=None)
    weighted = []
    for i, message in enumerate(recent):
        if i == latest_user:
            weight = LATEST_USER_WEIGHT
        else:
            base = USER_WEIGHT if message.role == "user" else ASSISTANT_WEIGHT
            distance = abs(i - latest_user) if latest_user is not None else len(recent) - i
            weight = base * DECAY ** max(distance - 1, 0)
        weighted.append((weight, message))
    return weighted


class PhraseMatcher(Generic[K]):
    """Hint phrases of many groups in a word trie; `relevance()` scores groups against a chat."""

    def __init__(self, hints_by_group: Mapping[K, Iterable[str]]) -> None:
        self._root: dict = {}
        groups_of: dict[tuple[str, ...], list[K]] = {}
        for group, hints in hints_by_group.items():
            for hint in hints:
                key = phrase_words(hint)
                if key and group not in groups_of.setdefault(key, []):
                    groups_of[key].append(group)
        self._groups: list[tuple[K, ...]] = []
        for key, groups in groups_of.items():
            node = self._root
            for word in key:
                node = node.setdefault(word, {})
            node[_END] = len(self._groups)
            self._groups.append(tuple(groups))

    @property
    def phrase_count(self) -> int:
        return len(self._groups)

    def phrases_in(self, text: str) -> set[int]:
        """Ids of the phrases that occur in `text`."""
        tokens = words(text[:MAX_CHARS_PER_MESSAGE])
        found: set[int] = set()
        root = self._root
        for start in range(len(tokens)):
            node = root.get(tokens[start])
            position = start + 1
            while node is not None:
                phrase = node.get(_END)
                if phrase is not None:
                    found.add(phrase)
                if position >= len(tokens):
                    break
                node = node.get(tokens[position])
                position += 1
        return found

    def groups_of(self, phrase: int) -> tuple[K, ...]:
        """The groups that have phrase `phrase` (an id `phrase_weights` returns) among their hints."""
        return self._groups[phrase]

    def phrase_weights(self, messages: Sequence[Message]) -> dict[int, float]:
        """Phrase id → the heaviest message it occurs in, for the phrases found in the conversation."""
        best_weight: dict[int, float] = {}
        for weight, message in message_weights(messages):
            for phrase in self.phrases_in(message.content):
                if weight > best_weight.get(phrase, 0.0):
                    best_weight[phrase] = weight
        return best_weight

    def relevance(self, messages: Sequence[Message]) -> dict[K, float]:
        """Group → relevance (its heaviest matched phrase), for the groups with at least one hint
        found in the conversation. A bid ranks from `phrase_weights` instead (bids.auction.rank)."""
        scores: dict[K, float] = {}
        for phrase, weight in self.phrase_weights(messages).items():
            for group in self._groups[phrase]:
                if weight > scores.get(group, 0.0):
                    scores[group] = weight
        return scores
