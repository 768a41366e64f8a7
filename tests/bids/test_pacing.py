"""Daily budgets and pacing: a campaign at its daily limit waits for the next UTC day; with even
pacing a simulated day of steady traffic spends about one 24th of the limit each hour."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bids.auction import GroupEntry
from bids.models import AdStatsHourly, Bid
from bids.pacing import Readings, even_allowance, held_back
from creatives.models import Campaign
from tests import factories
from tests.bids.conftest import bid, render

pytestmark = pytest.mark.usefixtures("committing_db")

DAY = datetime(2026, 6, 2, tzinfo=UTC)  # a UTC midnight
CPM = 20.0  # each impression costs 20,000 micros


def test_the_even_allowance_starts_with_one_hours_share_and_ends_at_the_limit():
    start = DAY.timestamp()
    assert even_allowance(2_400_000, start) == 100_000
    assert even_allowance(2_400_000, start + 12 * 3600) == pytest.approx(1_200_000 + 50_000)
    assert even_allowance(2_400_000, start + 86_399.999) == pytest.approx(2_400_000, abs=1)
    for hour in range(24):  # never above the contract's share so far plus one hour's share
        assert even_allowance(2_400_000, start + hour * 3600) <= 100_000 * hour + 100_000


def campaign_ad(daily: int, pacing: str | None = None, *, hints: list[str] | None = None):
    fields = {"daily_spend_limit_micros": daily, "pacing": pacing, "start_time": DAY - timedelta(days=1)}
    return factories.servable_ad(
        hints=hints or ["marathon training"], max_bid_micros=20_000_000, campaign_fields=fields
    )


def serve(ssp) -> bool:
    """One auction of steady traffic: bid, and render the bid if we won it."""
    response = bid(ssp)
    if response.status_code == 204:
        return False
    assert render(ssp, response.json()["data"]["bidId"], CPM).status_code == 200
    return True


def hourly_spend(ad) -> list[int]:
    rows = dict(AdStatsHourly.objects.filter(ad=ad).values_list("hour", "spend_micros"))
    return [rows.get(DAY + timedelta(hours=h), 0) for h in range(24)]


def test_a_simulated_day_of_steady_traffic_is_spent_evenly_and_within_the_daily_limit(ssp, time_machine):
    daily = 4_800_000  # 240 impressions: 10 an hour
    time_machine.move_to(DAY, tick=False)
    ad = campaign_ad(daily)  # pacing defaults to even with a daily limit
    for minute in range(0, 24 * 60, 3):  # an auction every 3 minutes: twice what even pacing spends
        time_machine.move_to(DAY + timedelta(minutes=minute, seconds=30), tick=False)
        serve(ssp)
    spend = hourly_spend(ad)
    share = daily / 24
    assert spend[0] <= 2 * share  # the first hour may use the slack
    for hour in range(1, 24):
        assert 0.8 * share <= spend[hour] <= 1.2 * share, (hour, spend[hour])
    assert 0.95 * daily <= sum(spend) <= daily
    assert Campaign.objects.get(pk=ad.ad_group.campaign_id).day_spend_micros == sum(spend)


def test_asap_spends_as_fast_as_traffic_allows_then_waits_for_the_next_utc_day(ssp, time_machine):
    time_machine.move_to(DAY + timedelta(hours=23, minutes=50), tick=False)
    ad = campaign_ad(1_000_000, "asap")  # 50 impressions a day
    other = factories.servable_ad(hints=["marathon training"], max_bid_micros=5_000_000)
    wins = [Bid.objects.get(pk=bid_id).ad_id for bid_id in _rendered(ssp, 60)]
    assert wins.count(ad.pk) == 50 and set(wins[50:]) == {other.pk}  # at its limit: the other ad wins
    time_machine.move_to(DAY + timedelta(days=1, seconds=1), tick=False)  # the next UTC day
    assert Bid.objects.get(pk=_rendered(ssp, 1)[0]).ad_id == ad.pk
    campaign = Campaign.objects.get(pk=ad.ad_group.campaign_id)
    assert (campaign.spend_micros, campaign.day_spend_micros, campaign.spend_day) == (
        1_020_000,
        20_000,
        (DAY + timedelta(days=1)).date(),
    )


def _rendered(ssp, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        data = bid(ssp).json()["data"]
        assert render(ssp, data["bidId"], data["bid"]).status_code == 200
        ids.append(data["bidId"])
    return ids


def test_raising_the_daily_limit_lets_the_campaign_bid_again_today(ssp, time_machine):
    time_machine.move_to(DAY + timedelta(hours=3), tick=False)
    ad = campaign_ad(1_000_000, "asap")
    _rendered(ssp, 50)
    assert bid(ssp).status_code == 204
    factories.save(ad.ad_group.campaign, daily_spend_limit_micros=2_000_000)
    assert bid(ssp).status_code == 200


def test_without_a_daily_limit_nothing_is_paced(ssp, time_machine):
    time_machine.move_to(DAY + timedelta(minutes=1), tick=False)
    factories.servable_ad(hints=["marathon training"], max_bid_micros=20_000_000)
    assert len(_rendered(ssp, 100)) == 100  # 2,000,000 micros in a minute


def _paced_group(snapshot: tuple[int, int] = (0, 0), cap: tuple[int, int] | None = None):
    return GroupEntry(
        ad_group_id=1,
        campaign_id=7,
        max_bid_micros=5_000_000,
        price=Decimal("5.00"),
        starts_at=0.0,
        ends_at=None,
        countries=frozenset(),
        has_hints=False,
        ads=(),
        daily_limit_micros=2_400_000,
        even_pacing=True,
        spend_snapshot=snapshot,
        cap=cap,
    )


def test_a_paced_group_is_held_back_when_ahead_of_its_allowance_by_either_figure():
    noon = DAY.timestamp() + 12 * 3600  # allowance 1,250,000
    today = DAY.date().toordinal()
    group = _paced_group()
    assert held_back([(0.0, group)], Readings({7: 1_250_000}, {}), now=noon) == set()
    assert held_back([(0.0, group)], Readings({7: 1_250_001}, {}), now=noon) == {1}
    lost_counter = _paced_group(snapshot=(today, 1_300_000))  # the index saw more than the counter says
    assert held_back([(0.0, lost_counter)], Readings({7: 0}, {}), now=noon) == {1}
    yesterday = _paced_group(snapshot=(today - 1, 2_400_000))  # a snapshot of another day counts nothing
    assert held_back([(0.0, yesterday)], Readings({}, {}), now=noon) == set()
    capped = _paced_group(cap=(2, 3600))
    assert held_back([(0.0, capped)], Readings({7: 0}, {1: 2}), now=noon) == {1}
