"""Bidding: eligibility, matching and ranking, price, floor, openers, storage of the bid."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from bids.models import Bid
from creatives.models import ReviewStatus, Status
from tests import factories
from tests.bids.conftest import bid, conversation

RENDER_KEYS = {
    "ad_format",
    "placement",
    "advertiser",
    "domain",
    "headline",
    "description",
    "cta_text",
    "url",
    "image_url",
}
MARATHON = conversation("Any tips for marathon training?", "Start slow and build up.")


def winner(response) -> Bid:
    assert response.status_code == 200, response.content
    return Bid.objects.get(pk=response.json()["data"]["bidId"])


def test_a_matching_ad_bids_its_price_with_a_fresh_bid_id(ssp):
    ad = factories.servable_ad(hints=["marathon training"], max_bid_micros=7_500_000)
    response = bid(ssp)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data.keys() == {"bid", "bidId"}
    assert data["bid"] == 7.5
    assert re.fullmatch(r"bid_[0-9a-f]{32}", data["bidId"])
    stored = Bid.objects.get(pk=data["bidId"])
    assert (stored.ad_id, stored.price_micros, stored.rendered_at) == (ad.pk, 7_500_000, None)
    assert stored.expires_at == stored.created_at + timedelta(seconds=60)
    assert bid(ssp).json()["data"]["bidId"] != data["bidId"]


@pytest.mark.parametrize(("micros", "wire"), [(7_125_000, 7.12), (7_135_000, 7.14), (12_345_678, 12.35)])
def test_the_price_is_rounded_half_to_even_on_the_wire(ssp, micros, wire):
    factories.servable_ad(max_bid_micros=micros)
    assert bid(ssp).json()["data"]["bid"] == wire


def test_the_bid_is_cached_for_its_ttl_with_what_render_needs(ssp, settings):
    factories.servable_ad(hints=["marathon training"])
    bid_id = bid(ssp).json()["data"]["bidId"]
    payload = cache.get(f"dsp:bid:{bid_id}")
    assert payload["price_micros"] == 7_500_000
    assert set(payload["data"]) == RENDER_KEYS


@pytest.mark.parametrize("floor", ["7.51", "100"])
def test_a_price_below_the_floor_does_not_bid(ssp, settings, floor):
    settings.DSP_BID_FLOOR_CPM = Decimal(floor)
    factories.servable_ad(hints=["marathon training"], max_bid_micros=7_500_000)
    response = bid(ssp)
    assert response.status_code == 204
    assert not Bid.objects.exists()


def test_a_price_exactly_at_the_floor_bids(ssp, settings):
    settings.DSP_BID_FLOOR_CPM = Decimal("4.00")
    factories.servable_ad(max_bid_micros=3_995_000)  # rounds to 4.00
    assert bid(ssp).json()["data"]["bid"] == 4.0


def test_a_less_relevant_group_above_the_floor_still_bids_when_the_best_is_below_it(ssp, settings):
    settings.DSP_BID_FLOOR_CPM = Decimal("4.00")
    factories.servable_ad(hints=["marathon training"], max_bid_micros=1_000_000)
    fallback = factories.servable_ad(hints=None, max_bid_micros=5_000_000)
    assert winner(bid(ssp)).ad_id == fallback.pk


def test_nothing_to_serve_is_a_204_with_an_empty_body(ssp):
    response = bid(ssp)
    assert (response.status_code, response.content) == (204, b"")


# --- eligibility ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("ad", {"status": Status.PAUSED}),
        ("ad", {"status": Status.ARCHIVED}),
        ("group", {"status": Status.PAUSED}),
        ("campaign", {"status": Status.PAUSED}),
        ("campaign", {"status": Status.ARCHIVED}),
        ("campaign", {"review_status": ReviewStatus.IN_REVIEW}),
        ("campaign", {"review_status": ReviewStatus.REJECTED}),
        ("org", {"is_suspended": True}),
    ],
)
def test_only_active_approved_ads_bid(ssp, where, change):
    ad = factories.servable_ad(hints=["marathon training"])
    assert bid(ssp).status_code == 200
    target = {"ad": ad, "group": ad.ad_group, "campaign": ad.ad_group.campaign, "org": ad.organization}[where]
    factories.save(target, **change)
    assert bid(ssp).status_code == 204


def test_an_ad_that_becomes_active_again_bids_again(ssp):
    ad = factories.servable_ad(hints=["marathon training"])
    factories.save(ad, status=Status.PAUSED)
    assert bid(ssp).status_code == 204
    factories.save(ad, status=Status.ACTIVE)
    assert bid(ssp).status_code == 200


def test_the_schedule_bounds_bidding(ssp, time_machine):
    now = timezone.now()
    factories.servable_ad(
        campaign_fields={"start_time": now + timedelta(hours=1), "end_time": now + timedelta(hours=3)}
    )
    time_machine.move_to(now, tick=False)
    assert bid(ssp).status_code == 204  # not started
    time_machine.move_to(now + timedelta(hours=1), tick=False)
    assert bid(ssp).status_code == 200  # started, same index: no rebuild needed
    time_machine.move_to(now + timedelta(hours=3), tick=False)
    assert bid(ssp).status_code == 204  # ended


def test_a_campaign_that_ended_before_the_index_was_built_does_not_bid(ssp):
    factories.servable_ad(campaign_fields={"end_time": timezone.now() - timedelta(seconds=1)})
    assert bid(ssp).status_code == 204


@pytest.mark.parametrize(
    ("countries", "country_code", "bids"),
    [
        ([], "US", True),
        ([], ..., True),
        (["US", "CA"], "US", True),
        (["US", "CA"], "us", True),
        (["US", "CA"], " ca ", True),
        (["FR"], "US", False),
        (["FR"], ..., False),
        (["FR"], None, False),
    ],
)
def test_country_targeting(ssp, countries, country_code, bids):
    factories.servable_ad(campaign_fields={"countries": countries})
    assert bid(ssp, country_code=country_code).status_code == (200 if bids else 204)


def test_a_targeted_campaign_and_an_everywhere_campaign_compete_by_price(ssp):
    targeted = factories.servable_ad(max_bid_micros=9_000_000, campaign_fields={"countries": ["DE"]})
    everywhere = factories.servable_ad(max_bid_micros=6_000_000)
    assert winner(bid(ssp, country_code="DE")).ad_id == targeted.pk
    assert winner(bid(ssp, country_code="US")).ad_id == everywhere.pk


# --- matching and ranking -----------------------------------------------------------------------


def test_a_group_whose_hints_match_nothing_does_not_bid(ssp):
    factories.servable_ad(hints=["mortgage rates", "car insurance"])
    assert bid(ssp, messages=MARATHON).status_code == 204


def test_a_group_without_hints_bids_with_the_lowest_relevance(ssp):
    plain = factories.servable_ad(hints=None, max_bid_micros=50_000_000)
    matched = factories.servable_ad(hints=["marathon"], max_bid_micros=5_000_000)
    assert winner(bid(ssp, messages=MARATHON)).ad_id == matched.pk
    off_topic = conversation("What's the weather?", "Sunny.")
    assert winner(bid(ssp, messages=off_topic)).ad_id == plain.pk


def test_the_latest_user_message_outranks_earlier_messages_even_against_a_higher_bid(ssp):
    earlier = factories.servable_ad(hints=["tennis racket"], max_bid_micros=40_000_000)
    latest = factories.servable_ad(hints=["trail running"], max_bid_micros=5_000_000)
    chat = conversation("I want a tennis racket", "Here are some.", "Actually, trail running gear?", "Sure.")
    assert winner(bid(ssp, messages=chat)).ad_id == latest.pk
    only_earlier = conversation("I want a tennis racket", "Here are some.", "Thanks!", "You're welcome.")
    assert winner(bid(ssp, messages=only_earlier)).ad_id == earlier.pk


def test_at_equal_relevance_the_highest_max_bid_wins(ssp):
    factories.servable_ad(hints=["marathon training"], max_bid_micros=6_000_000)
    best = factories.servable_ad(hints=["marathon"], max_bid_micros=9_000_000)
    for _ in range(5):
        assert winner(bid(ssp, messages=MARATHON)).ad_id == best.pk


def test_ties_are_broken_at_random(ssp):
    first = factories.servable_ad(hints=["marathon"])
    second = factories.servable_ad(hints=["marathon"])
    seen = {winner(bid(ssp, messages=MARATHON)).ad_id for _ in range(40)}
    assert seen == {first.pk, second.pk}


# --- openers and inline creatives --------------------------------------------------------------


def test_an_opener_bids_only_with_groups_without_hints_and_carries_ad_data(ssp):
    factories.servable_ad(hints=["marathon"], max_bid_micros=50_000_000)
    plain = factories.servable_ad(hints=None, max_bid_micros=5_000_000, title="Just do it")
    response = bid(ssp, request_type="opener", chatId=..., messages=...)
    data = response.json()["data"]
    assert winner(response).ad_id == plain.pk
    assert set(data) == {"bid", "bidId", "ad_data"}
    assert set(data["ad_data"]) == RENDER_KEYS
    assert data["ad_data"]["headline"] == "Just do it"


def test_an_opener_with_only_hinted_groups_does_not_bid(ssp):
    factories.servable_ad(hints=["marathon"])
    assert bid(ssp, request_type="opener", chatId=..., messages=...).status_code == 204


def test_under_dsp_prerender_contextual_bids_carry_ad_data_too(ssp, settings):
    settings.DSP_PRERENDER = True
    factories.servable_ad(hints=["marathon"])
    assert set(bid(ssp).json()["data"]["ad_data"]) == RENDER_KEYS


def test_without_prerender_contextual_bids_carry_no_ad_data(ssp):
    factories.servable_ad(hints=["marathon"])
    assert "ad_data" not in bid(ssp).json()["data"]


def test_the_request_id_is_echoed_in_the_logs(ssp, caplog):
    factories.servable_ad(hints=["marathon"])
    with caplog.at_level("INFO", logger="bids.dsp"):
        bid_id = bid(ssp, request_id="req-\n777").json()["data"]["bidId"]
        bid(ssp, request_id="req-888", ad_formats=["banner"])
    messages = [r.getMessage() for r in caplog.records if r.name == "bids.dsp"]
    assert any("'req-\\n777'" in m and bid_id in m for m in messages)  # escaped: one line per bid
    assert any("no bid request_id='req-888'" in m for m in messages)
