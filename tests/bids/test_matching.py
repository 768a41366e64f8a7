"""Contextual matching: phrase hints against a conversation, the latest user message weighing most."""

from bids.matching import LATEST_USER_WEIGHT, Message, PhraseMatcher, message_weights, phrase_words


def chat(*turns: str) -> list[Message]:
    return [Message(role=("user", "assistant")[i % 2], content=text) for i, text in enumerate(turns)]


def test_a_hint_matches_its_words_in_order_whatever_the_case_and_punctuation():
    matcher = PhraseMatcher({1: ["Marathon Training"]})
    assert matcher.relevance(chat("Any MARATHON,  training tips?", "Sure.")) == {1: LATEST_USER_WEIGHT}


def test_a_hint_does_not_match_part_of_a_word_or_words_out_of_order():
    matcher = PhraseMatcher({1: ["marathon training"], 2: ["run"]})
    assert matcher.relevance(chat("training for a marathon while running", "ok")) == {}


def test_groups_whose_hints_match_nothing_are_absent_from_the_scores():
    matcher = PhraseMatcher({1: ["trail shoes"], 2: ["mortgage rates"]})
    assert set(matcher.relevance(chat("I need new trail shoes", "Here are some."))) == {1}


def test_the_latest_user_message_weighs_more_than_any_other_message():
    matcher = PhraseMatcher({"old": ["tennis"], "assistant": ["golf"], "latest": ["cycling"]})
    scores = matcher.relevance(chat("I love tennis", "Golf is nice too", "What about cycling?", "Golf again"))
    assert scores["latest"] > scores["old"] and scores["latest"] > scores["assistant"]


def test_older_messages_weigh_less_than_newer_ones_and_users_more_than_the_assistant():
    weights = [w for w, _ in message_weights(chat("u1", "a1", "u2", "a2", "u3", "a3"))]
    assert weights[4] == max(weights)
    assert weights[2] > weights[0]  # newer user message beats older one
    assert weights[2] > weights[3] or weights[2] > weights[1]  # a user message beats an assistant one as far away


def test_a_group_scores_its_best_matching_hint():
    matcher = PhraseMatcher({1: ["tennis", "cycling"]})
    assert matcher.relevance(chat("I love tennis", "ok", "cycling too", "ok")) == {1: LATEST_USER_WEIGHT}


def test_phrases_shared_by_many_groups_and_nested_phrases_all_match():
    matcher = PhraseMatcher({1: ["running"], 2: ["running shoes"], 3: ["running shoes for women"], 4: ["running"]})
    scores = matcher.relevance(chat("best running shoes for women?", "Here."))
    assert set(scores) == {1, 2, 3, 4}


def test_hints_without_word_characters_are_ignored():
    assert phrase_words("  !!  ") == ()
    assert PhraseMatcher({1: ["!!", ""]}).phrase_count == 0


def test_non_latin_words_match_case_insensitively():
    matcher = PhraseMatcher({1: ["Laufschuhe für Damen"], 2: ["ÉTÉ"]})
    assert set(matcher.relevance(chat("laufschuhe FÜR damen für den été", "ok"))) == {1, 2}
