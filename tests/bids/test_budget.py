"""Budgets: a campaign whose spend reaches its lifetime limit stops bidding; outstanding bids may
still be charged, so spend passes the limit by at most their prices / 1000."""

import pytest

from bids.models import Bid
from creatives.models import Campaign
from tests import factories
from tests.bids.conftest import bid, render

pytestmark = pytest.mark.usefixtures("committing_db")


def test_a_campaign_stops_bidding_once_its_spend_reaches_the_limit(ssp):
    ad = factories.servable_ad(
        max_bid_micros=10_000_000, campaign_fields={"lifetime_spend_limit_micros": 20_000}
    )
    other = factories.servable_ad(max_bid_micros=5_000_000)
    for _ in range(2):  # 2 impressions at $10 CPM = 20,000 micros
        response = bid(ssp)
        assert Bid.objects.get(pk=response.json()["data"]["bidId"]).ad_id == ad.pk
        render(ssp, response.json()["data"]["bidId"], 10.0)
    assert Campaign.objects.get(pk=ad.ad_group.campaign_id).spend_micros == 20_000
    response = bid(ssp)
    assert Bid.objects.get(pk=response.json()["data"]["bidId"]).ad_id == other.pk


def test_outstanding_bids_overshoot_the_limit_by_at_most_their_own_prices(ssp):
    ad = factories.servable_ad(
        max_bid_micros=10_000_000, campaign_fields={"lifetime_spend_limit_micros": 15_000}
    )
    outstanding = [bid(ssp).json()["data"]["bidId"] for _ in range(3)]  # placed while under the limit
    for bid_id in outstanding:
        assert render(ssp, bid_id, 10.0).status_code == 200
    spend = Campaign.objects.get(pk=ad.ad_group.campaign_id).spend_micros
    assert spend == 30_000  # every outstanding bid was charged...
    assert (
        spend - 15_000
        <= sum(Bid.objects.filter(pk__in=outstanding).values_list("price_micros", flat=True)) // 1000
    )
    assert bid(ssp).status_code == 204  # ...and no new bid is placed


def test_raising_the_limit_lets_the_campaign_bid_again(ssp):
    ad = factories.servable_ad(campaign_fields={"lifetime_spend_limit_micros": 7_500})
    render(ssp, bid(ssp).json()["data"]["bidId"], 7.5)
    assert bid(ssp).status_code == 204
    factories.save(ad.ad_group.campaign, lifetime_spend_limit_micros=1_000_000)
    assert bid(ssp).status_code == 200


def test_a_campaign_created_already_spent_does_not_bid(ssp):
    factories.servable_ad(
        campaign_fields={"lifetime_spend_limit_micros": 1_000_000, "spend_micros": 1_000_000}
    )
    assert bid(ssp).status_code == 204
