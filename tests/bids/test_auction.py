"""Pricing (half to even from micros), eligibility and ranking of candidate ad groups."""

import random
from collections import Counter
from decimal import Decimal

import pytest

from bids.auction import AdEntry, GroupEntry, candidates, cpm_price, impression_cost_micros, pick, rank

NOW = 1_780_000_000.0


@pytest.mark.parametrize(
    ("micros", "price"),
    [
        (7_125_000, "7.12"),
        (7_135_000, "7.14"),
        (7_500_000, "7.50"),
        (4_005_000, "4.00"),
        (4_015_000, "4.02"),
        (1, "0.00"),
        (100_000_000, "100.00"),
        (7_125_001, "7.13"),
    ],
)
def test_the_wire_price_is_cpm_dollars_rounded_half_to_even(micros, price):
    assert cpm_price(micros) == Decimal(price)


@pytest.mark.parametrize(
    ("cpm", "micros"), [("7.5", 7500), ("0", 0), ("0.0005", 0), ("0.0015", 2), ("7.1234567", 7123)]
)
def test_an_impression_costs_a_thousandth_of_the_cpm_in_whole_micros(cpm, micros):
    assert impression_cost_micros(Decimal(cpm)) == micros


def ad(ad_id: int, group_id: int) -> AdEntry:
    return AdEntry(ad_id, group_id, 1, 1, "Nike", "nike.com", "T", "B", "Go", None, None)


def group(
    group_id: int, max_bid: int = 7_500_000, *, ads: int = 1, countries=(), start=NOW - 10, end=None, **extra
) -> GroupEntry:
    return GroupEntry(
        ad_group_id=group_id,
        campaign_id=1,
        max_bid_micros=max_bid,
        price=cpm_price(max_bid),
        starts_at=start,
        ends_at=end,
        countries=frozenset(countries),
        has_hints=True,
        ads=tuple(ad(group_id * 100 + i, group_id) for i in range(ads)),
        **extra,
    )


def choose(groups: dict[int, GroupEntry], scores: dict[int, float], **kw) -> AdEntry | None:
    """The pick when group n matched with relevance scores[n] (each group its own phrase)."""
    args = {"now": NOW, "country": "US", "floor": Decimal("4.00"), **kw}
    return pick(rank(scores, {n: (g,) for n, g in groups.items()}), **args)


def test_the_most_relevant_group_wins_even_against_a_higher_bid():
    groups = {1: group(1, 5_000_000), 2: group(2, 50_000_000)}
    assert choose(groups, {1: 1.0, 2: 0.5}).ad_group_id == 1


def test_at_equal_relevance_the_higher_max_bid_wins():
    groups = {1: group(1, 5_000_000), 2: group(2, 9_000_000)}
    assert choose(groups, {1: 1.0, 2: 1.0}).ad_group_id == 2


def test_every_matched_group_comes_out_once_best_first_at_its_heaviest_phrase():
    rng = random.Random(7)
    groups = [group(n, rng.choice([5_000_000, 7_500_000, 9_000_000])) for n in range(300)]
    phrases = {p: rng.sample(groups, rng.randint(1, 40)) for p in range(60)}  # a group in several phrases
    phrase_groups = {p: tuple(sorted(members, key=lambda g: -g.max_bid_micros)) for p, members in phrases.items()}
    weights = {p: rng.choice([0.4, 0.6, 1.0]) for p in rng.sample(range(60), 25)}  # the matched phrases
    relevance: dict[int, float] = {}
    for p, weight in weights.items():
        for g in phrases[p]:
            relevance[g.ad_group_id] = max(weight, relevance.get(g.ad_group_id, 0.0))
    ranked = [(score, g.ad_group_id, g.max_bid_micros) for score, g in rank(weights, phrase_groups)]
    assert sorted(g for _, g, _ in ranked) == sorted(relevance)  # every matched group, once
    assert all(score == relevance[g] for score, g, _ in ranked)
    keys = [(-score, -bid) for score, _, bid in ranked]
    assert keys == sorted(keys)  # highest relevance, then highest max bid


def test_ties_are_broken_at_random_over_every_tied_ad():
    groups = {1: group(1, ads=1), 2: group(2, ads=2)}
    rng = random.Random(7)
    seen = Counter(choose(groups, {1: 1.0, 2: 1.0}, rng=rng).ad_id for _ in range(600))
    assert set(seen) == {100, 200, 201}
    assert all(150 < n < 250 for n in seen.values())


def test_an_ineligible_better_candidate_is_skipped_for_the_next_one():
    groups = {1: group(1, 9_000_000, countries=["FR"]), 2: group(2, 5_000_000)}
    assert choose(groups, {1: 1.0, 2: 1.0}).ad_group_id == 2


@pytest.mark.parametrize(
    ("entry", "eligible"),
    [
        (group(1), True),
        (group(1, start=NOW + 1), False),
        (group(1, end=NOW), False),
        (group(1, end=NOW + 1), True),
        (group(1, countries=["US", "CA"]), True),
        (group(1, countries=["FR"]), False),
        (group(1, max_bid=3_985_000), False),  # 3.985 rounds to 3.98 < floor 4.00
        (group(1, max_bid=3_995_000), True),  # 3.995 rounds to 4.00
        (group(1, max_bid=4_000_000), True),
    ],
)
def test_eligibility_checks_schedule_country_and_floor(entry, eligible):
    assert entry.eligible(now=NOW, country="US", floor=Decimal("4.00")) is eligible


def test_nothing_eligible_means_no_winner():
    assert choose({1: group(1, countries=["FR"])}, {1: 1.0}) is None
    assert choose({}, {}) is None


def capped(group_id: int, max_bid: int = 7_500_000) -> GroupEntry:
    return group(group_id, max_bid, cap=(3, 3600))


def found(groups: list[GroupEntry], **kw) -> list[int]:
    ranked = [(1.0, g) for g in sorted(groups, key=lambda g: -g.max_bid_micros)]
    args = {"now": NOW, "country": "US", "floor": Decimal("4.00"), **kw}
    return [g.ad_group_id for _, g in candidates(ranked, **args)]


def test_candidates_stop_after_the_first_group_that_needs_no_counter_and_its_ties():
    groups = [capped(1, 9_000_000), group(2, 8_000_000), capped(3, 8_000_000), group(4, 5_000_000)]
    assert found(groups) == [1, 2, 3]


def test_candidates_hold_at_most_max_constrained_groups_that_need_counters():
    groups = [capped(i, 20_000_000 - i) for i in range(1, 20)] + [group(99, 5_000_000)]
    assert found(groups, max_constrained=8) == list(range(1, 9))


def test_candidates_skip_ineligible_groups():
    assert found([capped(1, 9_000_000), group(2, 8_000_000, countries=["FR"]), group(3, 5_000_000)]) == [1, 3]


def test_a_held_back_group_lets_the_next_one_win():
    groups = {1: capped(1, 9_000_000), 2: group(2, 5_000_000)}
    assert choose(groups, {1: 1.0, 2: 1.0}).ad_group_id == 1
    assert choose(groups, {1: 1.0, 2: 1.0}, blocked={1}).ad_group_id == 2


def test_a_campaign_at_its_daily_limit_is_ineligible_until_the_next_utc_day():
    paused = group(1, paused_until=NOW + 60)
    assert not paused.eligible(now=NOW, country="US", floor=Decimal("4.00"))
    assert paused.eligible(now=NOW + 60, country="US", floor=Decimal("4.00"))
