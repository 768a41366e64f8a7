"""Eligibility, ranking and pricing of the ads that may answer a bid request. Pure: no Django.

Money: `max_bid_micros` is a CPM in micros; the wire price is CPM dollars with 2 decimals,
rounded half to even from the integer micros with `Decimal` (7.125 → 7.12, 7.135 → 7.14).
"""

import heapq
import random
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import NamedTuple

MICROS = Decimal(1_000_000)
MAX_CONSTRAINED = 8  # candidates needing the shared counters that one bid considers, at most
CENT = Decimal("0.01")
_RNG = random.Random()


def cpm_price(max_bid_micros: int) -> Decimal:
    """The bid on the wire: CPM dollars, 2 decimals, half to even."""
    return (Decimal(max_bid_micros) / MICROS).quantize(CENT, rounding=ROUND_HALF_EVEN)


def price_micros(price: Decimal) -> int:
    """A CPM in dollars as whole micros (half to even)."""
    return int((price * MICROS).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def impression_cost_micros(realized_cpm: Decimal) -> int:
    """What one impression at this CPM (dollars) costs, in whole micros (half to even)."""
    return int((realized_cpm * MICROS / 1000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


class AdIds(NamedTuple):
    """The ids an ad's counters are kept under."""

    ad_id: int
    ad_group_id: int
    campaign_id: int
    organization_id: int


@dataclass(frozen=True, slots=True)
class AdEntry:
    """A servable ad and the parts of its creative that render needs."""

    ad_id: int
    ad_group_id: int
    campaign_id: int
    organization_id: int
    advertiser: str
    domain: str
    title: str
    body: str
    cta_text: str
    image_url: str | None
    logo_url: str | None

    @property
    def ids(self) -> AdIds:
        return AdIds(self.ad_id, self.ad_group_id, self.campaign_id, self.organization_id)


@dataclass(frozen=True, slots=True)
class GroupEntry:
    """An ad group that may bid: its price, schedule, targeting and active ads."""

    ad_group_id: int
    campaign_id: int
    max_bid_micros: int
    price: Decimal
    starts_at: float  # Unix seconds
    ends_at: float | None
    countries: frozenset[str]  # empty = everywhere
    has_hints: bool
    ads: tuple[AdEntry, ...]
    daily_limit_micros: int | None = None
    even_pacing: bool = False
    paused_until: float = 0.0  # the daily limit was reached: the next UTC midnight (Unix s)
    spend_snapshot: tuple[int, int] = (0, 0)  # (UTC day ordinal, micros spent that day) at index build
    cap: tuple[int, int] | None = None  # frequency cap: (max impressions, window seconds)

    @property
    def constrained(self) -> bool:
        """Whether bidding needs the shared counters: even pacing or a frequency cap."""
        return self.even_pacing or self.cap is not None

    def eligible(self, *, now: float, country: str, floor: Decimal) -> bool:
        """Within its schedule and today's budget, targeting this country (or everywhere), and
        clearing the floor."""
        if now < self.starts_at or (self.ends_at is not None and now >= self.ends_at) or now < self.paused_until:
            return False
        if self.countries and country not in self.countries:
            return False
        return self.price >= floor


def rank(
    weights: Mapping[int, float], phrase_groups: Mapping[int, Sequence[GroupEntry]]
) -> Iterator[tuple[float, GroupEntry]]:
    """Candidates best first: highest relevance, then highest max bid (ties in no set order:
    `pick` breaks them at random). `weights` gives each matched phrase its weight, and a group's
    relevance is its heaviest matched phrase's; `phrase_groups[p]` are phrase p's groups,
    highest max bid first (the serving index keeps them so).

    Lazily, level by level of weight: the groups of the heaviest phrases are merged by bid as
    they are read, and a group already given out at a higher level is skipped. A bid reads the
    first few of the hundreds of groups a conversation matches, so the rest are never touched.
    """
    seen: set[int] = set()
    for level in sorted(set(weights.values()), reverse=True):
        lists = [phrase_groups[phrase] for phrase, weight in weights.items() if weight == level]
        merged = lists[0] if len(lists) == 1 else heapq.merge(*lists, key=_by_bid)
        for group in merged:
            if group.ad_group_id not in seen:
                seen.add(group.ad_group_id)
                yield level, group


def _by_bid(group: GroupEntry) -> int:
    return -group.max_bid_micros


def candidates(
    ranked: Iterable[tuple[float, GroupEntry]],
    *,
    now: float,
    country: str,
    floor: Decimal,
    max_constrained: int = MAX_CONSTRAINED,
) -> list[tuple[float, GroupEntry]]:
    """The eligible candidates a pick may need, best first: up to the first one that needs no
    shared counter (and its ties), and at most `max_constrained` that do. Their counters are
    then read in one round trip; a bid never reads more."""
    found: list[tuple[float, GroupEntry]] = []
    stop: tuple[float, int] | None = None
    constrained = 0
    for score, group in ranked:
        if stop is not None and (score, group.max_bid_micros) != stop:
            break
        if not group.eligible(now=now, country=country, floor=floor):
            continue
        found.append((score, group))
        if not group.constrained:
            stop = stop or (score, group.max_bid_micros)
        elif (constrained := constrained + 1) >= max_constrained and stop is None:
            break
    return found


def pick(
    ranked: Iterable[tuple[float, GroupEntry]],
    *,
    now: float,
    country: str,
    floor: Decimal,
    rng: random.Random | None = None,
    blocked: Collection[int] = (),
) -> AdEntry | None:
    """The winning ad: the first eligible candidate not in `blocked` (ad group ids held back by
    pacing or a frequency cap), ties (same relevance and bid) at random.

    `ranked` must be sorted best first; the walk stops at the first candidate worse than the
    winner, so its cost is the number of ineligible candidates ranked above the winner.
    """
    tied: list[GroupEntry] = []
    best: tuple[float, int] | None = None
    for score, group in ranked:
        if best is not None and (score, group.max_bid_micros) != best:
            break
        if group.ad_group_id not in blocked and group.eligible(now=now, country=country, floor=floor):
            best = (score, group.max_bid_micros)
            tied.append(group)
    if not tied:
        return None
    return _random_ad(tied, rng or _RNG)


def _random_ad(groups: Sequence[GroupEntry], rng: random.Random) -> AdEntry:
    """Each ad of the tied groups equally likely."""
    group = rng.choices(groups, weights=[len(g.ads) for g in groups])[0] if len(groups) > 1 else groups[0]
    return rng.choice(group.ads)
