"""Budgets: a campaign whose spend reaches its lifetime limit (or today's spend its daily limit)
stops bidding. Bids answered before that may still be rendered and charged, so spend can pass the
limit by at most the prices / 1000 of the bids outstanding just before the render that reached
it, that render included (docs/dsp.md, "Budgets and the overshoot bound")."""

import logging
import re
import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bids.models import Bid
from creatives.models import Campaign
from tests import factories
from tests.bids.conftest import END_USER, bid, render

pytestmark = pytest.mark.usefixtures("committing_db")

COST = 100_000  # one impression at a $100 CPM
LIMIT = 1_005_000  # reached by the 11th impression
LIMITS = {
    "lifetime": {"lifetime_spend_limit_micros": LIMIT},
    "daily": {"daily_spend_limit_micros": LIMIT, "pacing": "asap"},
}


def test_a_campaign_stops_bidding_once_its_spend_reaches_the_limit(ssp):
    ad = factories.servable_ad(max_bid_micros=10_000_000, campaign_fields={"lifetime_spend_limit_micros": 20_000})
    other = factories.servable_ad(max_bid_micros=5_000_000)
    for _ in range(2):  # 2 impressions at $10 CPM = 20,000 micros
        response = bid(ssp)
        assert Bid.objects.get(pk=response.json()["data"]["bidId"]).ad_id == ad.pk
        render(ssp, response.json()["data"]["bidId"], 10.0)
    assert Campaign.objects.get(pk=ad.ad_group.campaign_id).spend_micros == 20_000
    response = bid(ssp)
    assert Bid.objects.get(pk=response.json()["data"]["bidId"]).ad_id == other.pk


@pytest.mark.parametrize("kind", LIMITS)
def test_the_render_that_reaches_the_limit_counts_in_the_overshoot(ssp, kind):
    ad = factories.servable_ad(max_bid_micros=100_000_000, campaign_fields=LIMITS[kind])
    outstanding = [bid(ssp).json()["data"]["bidId"] for _ in range(12)]  # all placed under the limit
    for bid_id in outstanding:
        assert render(ssp, bid_id, 100.0).status_code == 200
    campaign = Campaign.objects.get(pk=ad.ad_group.campaign_id)
    spend = campaign.spend_micros if kind == "lifetime" else campaign.day_spend_micros
    assert spend == 12 * COST  # every outstanding bid was charged
    # The 11th render reached the limit with one bid still outstanding: the old statement (bids
    # outstanding when the limit was reached) allows 1 × COST and is short by the 11th's excess.
    assert spend - LIMIT > 1 * COST
    # The bound that holds counts the bids outstanding just before that render, itself included.
    assert spend - LIMIT < 2 * COST
    assert bid(ssp).status_code == 204  # and no new bid is placed


@dataclass
class Trip:
    bid_id: str
    bid_start: float
    render_start: float = 0.0
    render_end: float = 0.0


def _client_loop(trips: list[Trip], barrier: threading.Barrier, secret_headers: dict[str, str]) -> None:
    """One SSP connection: bid, render what it won at the bid's price, until no bid comes back."""
    try:
        client = APIClient()
        client.credentials(**secret_headers)
        barrier.wait(timeout=30)
        while True:
            start = time.monotonic()
            response = bid(client)
            if response.status_code == 204:
                return
            trip = Trip(response.json()["data"]["bidId"], start)
            trip.render_start = time.monotonic()
            assert render(client, trip.bid_id, response.json()["data"]["bid"]).status_code == 200
            trip.render_end = time.monotonic()
            trips.append(trip)
    finally:
        connection.close()


@pytest.mark.parametrize("kind", LIMITS)
def test_with_16_concurrent_clients_spend_stays_within_the_stated_bound(ssp, caplog, kind):
    ad = factories.servable_ad(max_bid_micros=100_000_000, campaign_fields=LIMITS[kind])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {factories.partner('SSP 2')[1]}", **END_USER}
    trips: list[Trip] = []
    barrier = threading.Barrier(16)
    with caplog.at_level(logging.INFO, logger="bids.dsp"):
        threads = [threading.Thread(target=_client_loop, args=(trips, barrier, headers)) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
    reached = [m for r in caplog.records if (m := re.search(rf"limit={kind} bid_id=(\S+)", r.getMessage()))]
    assert len(reached) == 1  # exactly one render reached the limit
    crossing = next(t for t in trips if t.bid_id == reached[0].group(1))
    # Outstanding just before it: placed before its answer (the version bump precedes it) and not
    # rendered before it started; the crossing render itself among them.
    outstanding = [t for t in trips if t.bid_start < crossing.render_end and t.render_end > crossing.render_start]
    campaign = Campaign.objects.get(pk=ad.ad_group.campaign_id)
    spend = campaign.spend_micros if kind == "lifetime" else campaign.day_spend_micros
    assert spend == len(trips) * COST
    assert spend - LIMIT <= len(outstanding) * COST, (spend, len(outstanding))
    print(f"{kind}: {len(trips)} renders, overshoot {spend - LIMIT}, {len(outstanding)} outstanding")
