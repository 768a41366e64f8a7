"""The SSP's view, over real HTTP against gunicorn with several worker processes."""

import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from bids.models import AdStatsHourly, Bid, ClickToken
from creatives.models import Campaign
from tests import factories
from tests.bids.conftest import conversation
from tests.support import servers

pytestmark = pytest.mark.usefixtures("committing_db")

END_USER = {"X-Forwarded-For": "198.51.100.23", "User-Agent": "Mozilla/5.0 (Macintosh) Safari/605.1.15"}


@pytest.fixture(scope="module")
def server(django_db_setup: None) -> Iterator[str]:
    with servers.gunicorn(workers=3) as base:
        yield base


@pytest.fixture
def partner_key() -> str:
    return factories.partner("Conversational SSP")[1]


def ssp_bid_request() -> dict:
    """A bid request as the SSP sends it: a 6-message chat ending user → assistant."""
    return {
        "userId": "u_9f8e7d6c",
        "chatId": "chat_2b1a",
        "request_type": "contextual",
        "messages": conversation(
            "I'm signing up for my first marathon in the spring.",
            "Congratulations! How long have you been running?",
            "About a year, mostly 10k runs. My knees hurt after long runs though.",
            "Good shoes and a gradual plan help a lot.",
            "What should I look for in shoes for marathon training?",
            "Cushioning, a good fit, and replacing them every 500-800 km.",
        ),
        "nAdsBefore": 1,
        "ad_formats": ["sponsored_message"],
        "production": True,
        "request_id": "req_77",
        "country_code": "us",
        "region": "CA",
        "city": "San Francisco",
        "device": "desktop",
        "timezone": "America/Los_Angeles",
        "config": {"max_headline_chars": 40, "image_enabled": True},
        "some_future_field": {"ignored": True},
    }


def test_bid_render_click_then_insights_show_the_impression_click_and_spend(server, partner_key, owner):
    ad = factories.servable_ad(
        owner.org,
        hints=["marathon training", "running shoes"],
        max_bid_micros=8_125_000,
        asset_path="creatives/2026/06/shoe.png",
        target_url="https://shop.acme.example/shoes",
    )
    with requests.Session() as http:
        response = http.post(
            f"{server}/api/v1/dsp/bid",
            json=ssp_bid_request(),
            headers={"Authorization": f"Bearer {partner_key}", **END_USER},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        bid = response.json()["data"]
        assert bid["bid"] == 8.12  # 8.125 half to even

        realized = 6.4  # second price, below our bid
        response = http.post(
            f"{server}/api/v1/dsp/render-ad", json={"bidId": bid["bidId"], "realizedPrice": realized}, timeout=10
        )
        assert response.status_code == 200, response.text
        creative = response.json()["data"]
        assert creative["headline"] == "Premium Running Shoes" and creative["placement"] == "image"

        click = urlsplit(creative["url"]).path + "?view_url=https%3A%2F%2Fchat.example%2Fc%2F2b1a&src=ssp"
        response = http.get(f"{server}{click}", allow_redirects=False, timeout=10)
        assert response.status_code == 302
        assert response.headers["Location"] == "https://shop.acme.example/shoes"

        response = http.get(
            f"{server}/v1/ads/{ad.public_id}/insights",
            timeout=10,
            params={"time_granularity": "none", "fields[]": ["impressions", "clicks", "spend", "cpm"]},
            headers={"Authorization": f"Bearer {owner.secret}"},
        )
    assert response.status_code == 200, response.text
    [row] = response.json()
    assert (row["impressions"], row["clicks"], row["spend"], row["cpm"]) == (1, 1, 0.0064, 6.4)


def test_concurrent_duplicate_renders_from_several_processes_charge_once(server, partner_key):
    ad = factories.servable_ad(hints=["marathon training"], max_bid_micros=7_500_000)
    headers = {"Authorization": f"Bearer {partner_key}", **END_USER}
    bid_id = requests.post(f"{server}/api/v1/dsp/bid", json=ssp_bid_request(), headers=headers, timeout=10).json()[
        "data"
    ]["bidId"]
    callers = 12
    barrier = threading.Barrier(callers)
    results: list[requests.Response] = []

    def render() -> None:
        with requests.Session() as http:
            barrier.wait()
            results.append(
                http.post(f"{server}/api/v1/dsp/render-ad", json={"bidId": bid_id, "realizedPrice": 7.5}, timeout=30)
            )

    threads = [threading.Thread(target=render) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200] * callers
    assert len({r.text for r in results}) == 1  # the same data every time
    row = AdStatsHourly.objects.get(ad=ad)
    assert (row.impressions, row.spend_micros) == (1, 7500)
    assert Campaign.objects.get(pk=ad.ad_group.campaign_id).spend_micros == 7500
    assert ClickToken.objects.filter(bid_id=bid_id).count() == 1
    assert Bid.objects.get(pk=bid_id).rendered_at is not None


def test_workers_stop_bidding_for_a_campaign_as_soon_as_a_change_commits(server, partner_key):
    ad = factories.servable_ad(hints=["marathon training"])
    headers = {"Authorization": f"Bearer {partner_key}", **END_USER}
    with requests.Session() as http:
        for _ in range(6):  # warm every worker's index
            assert (
                http.post(f"{server}/api/v1/dsp/bid", json=ssp_bid_request(), headers=headers, timeout=10).status_code
                == 200
            )
        factories.save(ad.ad_group.campaign, status="paused")
        for _ in range(6):
            assert (
                http.post(f"{server}/api/v1/dsp/bid", json=ssp_bid_request(), headers=headers, timeout=10).status_code
                == 204
            )
