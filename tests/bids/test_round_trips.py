"""The bid path keeps its latency: pacing and frequency caps cost at most one extra round trip
per bid, to the shared counters (a database query in the embedded default, one Redis pipeline
with REDIS_URL), and nothing for bids without such a candidate."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.bids.conftest import bid, render

pytestmark = pytest.mark.usefixtures("committing_db")


def queries_of_a_warm_bid(ssp) -> int:
    assert bid(ssp).status_code == 200  # builds the serving index if its version moved
    with CaptureQueriesContext(connection) as captured:
        assert bid(ssp).status_code == 200
    return len(captured)


def test_caps_and_pacing_add_at_most_one_round_trip_per_bid(ssp):
    ad = factories.servable_ad(hints=["marathon training"])
    off = queries_of_a_warm_bid(ssp)
    factories.save(ad.ad_group.campaign, daily_spend_limit_micros=50_000_000, pacing="even")
    factories.save(ad.ad_group, frequency_cap_max_impressions=50, frequency_cap_window="day")
    factories.servable_ad(  # a second constrained candidate shares the same read
        hints=["marathon training"],
        campaign_fields={"daily_spend_limit_micros": 50_000_000},
        group_fields={"frequency_cap_max_impressions": 5, "frequency_cap_window": "hour"},
    )
    on = queries_of_a_warm_bid(ssp)
    assert on == off + (0 if settings.REDIS_URL else 1)


def test_a_render_of_a_constrained_bid_adds_one_counter_write(ssp):
    plain = factories.servable_ad(hints=["marathon training"])
    off_bid = bid(ssp).json()["data"]["bidId"]
    with CaptureQueriesContext(connection) as off:
        render(ssp, off_bid, 7.5)
    factories.save(plain.ad_group, frequency_cap_max_impressions=50, frequency_cap_window="day")
    on_bid = bid(ssp).json()["data"]["bidId"]
    with CaptureQueriesContext(connection) as on:
        render(ssp, on_bid, 7.5)
    counted = [q["sql"] for q in on.captured_queries if "frequencyimpression" in q["sql"]]
    if settings.REDIS_URL:
        assert len(on) == len(off) and not counted  # the count goes to Redis (one script call)
    elif connection.vendor == "postgresql":  # without Redis: one transaction, advisory lock then insert
        assert len(on) <= len(off) + 4 and len(counted) == 1
    else:
        assert len(on) == len(off) + 1 and len(counted) == 1  # one conditional INSERT
