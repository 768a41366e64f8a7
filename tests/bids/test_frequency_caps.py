"""Frequency caps: a group does not bid for a user who saw `max_impressions` of its ads (production
renders) in the rolling window, so another ad wins; the count is exact under concurrency."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from bids.counters import counters, user_key
from bids.models import Bid
from bids.pacing import Cap
from tests import factories
from tests.bids.conftest import END_USER, bid, render

pytestmark = pytest.mark.usefixtures("committing_db")


def capped_ad(max_impressions: int = 2, window: str = "hour", **kw):
    fields = {"frequency_cap_max_impressions": max_impressions, "frequency_cap_window": window}
    return factories.servable_ad(hints=["marathon training"], max_bid_micros=9_000_000, group_fields=fields, **kw)


def winner_of(response) -> int | None:
    if response.status_code == 204:
        return None
    return Bid.objects.get(pk=response.json()["data"]["bidId"]).ad_id


def shown(ad, user: str = "anon-42", window: int = 3600) -> int:
    cap = Cap(ad.ad_group_id, 100, window)
    readings = counters().read(
        day=timezone.now().date(), campaign_ids=[], user=user_key(user), caps=[cap], now=time.time()
    )
    return readings.shown[ad.ad_group_id]


def show(ssp, user: str = "anon-42", production: bool = True) -> int | None:
    response = bid(ssp, userId=user)
    if response.status_code == 200:
        assert render(ssp, response.json()["data"]["bidId"], 5.0, production=production).status_code == 200
    return winner_of(response)


def test_a_capped_group_stops_bidding_for_that_user_and_another_ad_wins(ssp):
    capped = capped_ad(max_impressions=2)
    other = factories.servable_ad(hints=["marathon training"], max_bid_micros=5_000_000)
    assert [show(ssp), show(ssp)] == [capped.pk, capped.pk]
    assert show(ssp) == other.pk  # the capped group holds back; the cheaper ad wins
    assert show(ssp, user="anon-7") == capped.pk  # another user is not capped
    assert shown(capped) == 2


def test_the_window_rolls(ssp, time_machine):
    capped = capped_ad(max_impressions=2, window="hour")
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    show(ssp)
    time_machine.move_to(start + timedelta(minutes=30), tick=False)
    show(ssp)
    time_machine.move_to(start + timedelta(minutes=59), tick=False)
    assert bid(ssp).status_code == 204
    time_machine.move_to(start + timedelta(minutes=61), tick=False)  # the first impression left the window
    assert show(ssp) == capped.pk
    assert bid(ssp).status_code == 204


@pytest.mark.parametrize(("window", "still_capped", "free_again"), [("day", 23, 25), ("week", 24 * 7 - 1, 24 * 7 + 1)])
def test_day_and_week_windows(ssp, time_machine, window, still_capped, free_again):
    capped = capped_ad(max_impressions=1, window=window)
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    show(ssp)
    time_machine.move_to(start + timedelta(hours=still_capped), tick=False)
    assert bid(ssp).status_code == 204
    time_machine.move_to(start + timedelta(hours=free_again), tick=False)
    assert show(ssp) == capped.pk


def test_only_production_renders_count(ssp):
    capped = capped_ad(max_impressions=1)
    for _ in range(3):
        bid(ssp)  # lost auctions: bids never rendered
        show(ssp, production=False)
    assert shown(capped) == 0
    assert show(ssp) == capped.pk
    assert bid(ssp).status_code == 204


def test_two_renders_racing_for_the_last_allowed_impression_leave_the_count_at_the_cap(ssp):
    capped = capped_ad(max_impressions=3)
    show(ssp), show(ssp)
    racing = [bid(ssp).json()["data"]["bidId"] for _ in range(2)]  # both placed with one impression left
    barrier, statuses = threading.Barrier(len(racing)), []

    def render_one(bid_id: str) -> None:
        try:
            client = APIClient()
            client.credentials(**END_USER)
            barrier.wait(timeout=30)
            statuses.append(render(client, bid_id, 5.0).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=render_one, args=(bid_id,)) for bid_id in racing]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200, 200]  # both won auctions are served (and charged)...
    assert shown(capped) == 3  # ...but the count stops at the cap
    assert bid(ssp).status_code == 204


def test_removing_the_cap_lets_the_group_bid_again(ssp):
    capped = capped_ad(max_impressions=1)
    show(ssp)
    assert bid(ssp).status_code == 204
    factories.save(capped.ad_group, frequency_cap_max_impressions=None, frequency_cap_window=None)
    assert winner_of(bid(ssp)) == capped.pk


def test_a_capped_bid_the_cache_lost_still_counts_toward_the_cap_when_rendered_from_its_row(ssp):
    from django.core.cache import cache

    capped = capped_ad(max_impressions=1)
    response = bid(ssp)
    bid_id = response.json()["data"]["bidId"]
    cache.delete(f"dsp:bid:{bid_id}")  # a Redis restart between bid and render
    assert render(ssp, bid_id, 5.0).status_code == 200
    assert shown(capped) == 1
    assert bid(ssp).status_code == 204  # the cap holds: its limits were in the row too
