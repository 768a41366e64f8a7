"""Render: exactly the contract's keys, idempotent, one impression and its spend, expiry, errors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bids.models import AdStatsHourly, Bid, ClickToken
from creatives.models import Campaign
from tests import factories
from tests.bids.conftest import bid, render

KEYS = {
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


def place(ssp, **overrides) -> str:
    response = bid(ssp, **overrides)
    assert response.status_code == 200, response.content
    return response.json()["data"]["bidId"]


def counters() -> tuple[int, int, int]:
    row = AdStatsHourly.objects.first()
    return (row.impressions, row.clicks, row.spend_micros) if row else (0, 0, 0)


@pytest.fixture
def nike(db):
    org = factories.organization(name="Nike", domain="nike.com", logo_url="https://cdn.nike.example/logo.png")
    return factories.servable_ad(
        org,
        hints=["marathon training"],
        asset_path="creatives/2026/06/abc.png",
        title="Premium Running Shoes",
        body="Perfect for marathon training.",
        cta_text="Shop now",
    )


def test_render_returns_exactly_the_contract_keys_with_an_image(ssp, nike, settings):
    response = render(ssp, place(ssp), 7.5)
    assert response.status_code == 200
    assert list(response.json()) == ["data"]
    data = response.json()["data"]
    assert set(data) == KEYS | {"logo_url"}
    assert data == {
        "ad_format": "sponsored_message",
        "placement": "image",
        "advertiser": "Nike",
        "domain": "nike.com",
        "headline": "Premium Running Shoes",
        "description": "Perfect for marathon training.",
        "cta_text": "Shop now",
        "url": data["url"],
        "image_url": f"{settings.PUBLIC_BASE_URL}/media/creatives/2026/06/abc.png",
        "logo_url": "https://cdn.nike.example/logo.png",
    }
    assert data["url"].startswith(f"{settings.PUBLIC_BASE_URL}/api/v1/dsp/redirect/")


def test_without_a_logo_there_is_no_logo_key_at_all(ssp):
    org = factories.organization(name="Plain", domain="plain.example")
    factories.servable_ad(org, hints=["marathon training"])
    assert set(render(ssp, place(ssp), 7.5).json()["data"]) == KEYS


def test_an_ad_without_an_image_renders_in_text_placement(ssp):
    factories.servable_ad(hints=["marathon training"], asset_path="")
    data = render(ssp, place(ssp), 7.5).json()["data"]
    assert (data["placement"], data["image_url"]) == ("text", None)
    assert set(data) == KEYS


def test_image_enabled_false_renders_in_text_placement(ssp, nike):
    data = render(ssp, place(ssp, config={"image_enabled": False}), 7.5).json()["data"]
    assert (data["placement"], data["image_url"]) == ("text", None)


def test_the_headline_is_cut_to_max_headline_chars(ssp):
    title = "Premium running shoes for every marathon, trail and track session you can imagine"
    factories.servable_ad(hints=["marathon training"], title=title)
    headline = render(ssp, place(ssp, config={"max_headline_chars": 30}), 7.5).json()["data"]["headline"]
    assert len(headline) <= 30
    assert headline == "Premium running shoes for…"
    full = render(ssp, place(ssp, config=None), 7.5).json()["data"]["headline"]
    assert full == title


def test_without_a_domain_the_advertiser_domain_comes_from_the_target_url(ssp):
    org = factories.organization(name="Brandless", domain="")
    factories.servable_ad(org, hints=["marathon training"], target_url="https://www.shop.example/x?y=1")
    data = render(ssp, place(ssp), 7.5).json()["data"]
    assert (data["advertiser"], data["domain"]) == ("Brandless", "shop.example")


def test_a_blank_cta_text_gets_a_default(ssp):
    factories.servable_ad(hints=["marathon training"], cta_text="")
    assert render(ssp, place(ssp), 7.5).json()["data"]["cta_text"] == "Learn more"


def test_a_production_render_records_one_impression_and_the_realized_spend(ssp, nike):
    bid_id = place(ssp)
    assert render(ssp, bid_id, 6.25).status_code == 200
    assert counters() == (1, 0, 6250)
    assert Campaign.objects.get().spend_micros == 6250
    stored = Bid.objects.get(pk=bid_id)
    assert stored.rendered_at is not None and stored.realized_price_micros == 6_250_000
    assert ClickToken.objects.filter(bid_id=bid_id).count() == 1


def test_rendering_twice_returns_the_same_data_and_charges_once(ssp, nike):
    bid_id = place(ssp)
    first = render(ssp, bid_id, 7.5).json()
    second = render(ssp, bid_id, 7.0).json()
    assert first == second
    assert counters() == (1, 0, 7500)
    assert Campaign.objects.get().spend_micros == 7500
    assert ClickToken.objects.count() == 1


def test_a_render_with_production_false_records_nothing(ssp, nike):
    bid_id = place(ssp)
    response = render(ssp, bid_id, 7.5, production=False)
    assert response.status_code == 200 and set(response.json()["data"]) == KEYS | {"logo_url"}
    assert counters() == (0, 0, 0)
    assert Campaign.objects.get().spend_micros == 0
    assert Bid.objects.get(pk=bid_id).rendered_at is None
    assert not ClickToken.objects.exists()
    assert render(ssp, bid_id, 7.5).json() == response.json()  # a later production render still counts
    assert counters() == (1, 0, 7500)


def test_a_realized_price_of_zero_records_an_impression_without_spend(ssp, nike):
    render(ssp, place(ssp), 0)
    assert counters() == (1, 0, 0)


def test_a_realized_price_equal_to_the_rounded_bid_is_accepted(ssp):
    factories.servable_ad(hints=["marathon training"], max_bid_micros=7_125_000)  # bids 7.12
    assert render(ssp, place(ssp), 7.12).status_code == 200


def test_a_realized_price_above_the_bid_is_a_400_and_records_nothing(ssp, nike):
    bid_id = place(ssp)
    response = render(ssp, bid_id, 7.51)
    assert response.status_code == 400
    assert "realizedPrice" in response.json()["error"]
    assert counters() == (0, 0, 0)
    assert render(ssp, bid_id, 7.5).status_code == 200


def test_an_expired_bid_is_404_by_its_own_timestamp(ssp, nike, time_machine, settings):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    bid_id = place(ssp)
    time_machine.move_to(start + timedelta(seconds=settings.BID_TTL_SECONDS - 1), tick=False)
    assert render(ssp, bid_id, 7.5, production=False).status_code == 200
    time_machine.move_to(start + timedelta(seconds=settings.BID_TTL_SECONDS), tick=False)
    response = render(ssp, bid_id, 7.5)
    assert response.status_code == 404
    assert response.json() == {"error": "Unknown or expired bid id."}
    assert counters() == (0, 0, 0)


@pytest.mark.parametrize("bid_id", ["bid_" + "0" * 32, "nope", "bid_" + "A" * 32, "x" * 5000, "bid_../../etc"])
def test_an_unknown_bid_id_is_404(ssp, bid_id):
    response = render(ssp, bid_id, 1.0)
    assert response.status_code == 404
    assert response.json() == {"error": "Unknown or expired bid id."}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "bidId"),
        ({"realizedPrice": 1.0}, "bidId"),
        ({"bidId": 12, "realizedPrice": 1.0}, "bidId"),
        ({"bidId": "bid_x"}, "realizedPrice"),
        ({"bidId": "bid_x", "realizedPrice": "7.5"}, "realizedPrice"),
        ({"bidId": "bid_x", "realizedPrice": -0.01}, "realizedPrice"),
        ({"bidId": "bid_x", "realizedPrice": True}, "realizedPrice"),
        ({"bidId": "bid_x", "realizedPrice": None}, "realizedPrice"),
        ({"bidId": "bid_x", "realizedPrice": 1.0, "production": "false"}, "production"),
    ],
)
def test_a_missing_or_mistyped_field_is_a_400(ssp, body, fragment):
    response = ssp.post("/api/v1/dsp/render-ad", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["error"] and fragment in response.json()["error"]


@pytest.mark.parametrize("raw", [b"[]", b"{", b"1e999", b'{"bidId": "bid_x", "realizedPrice": Infinity}', b""])
def test_a_body_that_is_not_a_json_object_is_a_400(ssp, raw):
    response = ssp.generic("POST", "/api/v1/dsp/render-ad", raw, content_type="application/json")
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)


def test_render_needs_no_partner_key(anon_client, ssp, nike):
    bid_id = place(ssp)
    assert render(anon_client, bid_id, 7.5).status_code == 200
