"""Click redirect: a token's first click counted, 302 to the ad's own target URL only, tokens valid 30 days."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from bids.models import AdStatsHourly
from tests import factories
from tests.bids.conftest import bid, render


def clicks() -> int:
    return sum(AdStatsHourly.objects.values_list("clicks", flat=True))


@pytest.fixture
def click_path(ssp) -> str:
    factories.servable_ad(hints=["marathon training"], target_url="https://www.nike.com/running?utm=thrad")
    bid_id = bid(ssp).json()["data"]["bidId"]
    return urlsplit(render(ssp, bid_id, 7.5).json()["data"]["url"]).path


def test_a_click_records_one_click_and_redirects_to_the_target_url(anon_client, click_path):
    response = anon_client.get(click_path)
    assert response.status_code == 302
    assert response["Location"] == "https://www.nike.com/running?utm=thrad"
    assert response["Cache-Control"] == "no-store"
    assert clicks() == 1


def test_view_url_and_other_parameters_are_ignored(anon_client, click_path):
    response = anon_client.get(click_path, {"view_url": "https://evil.example/", "next": "https://evil.example/"})
    assert response["Location"] == "https://www.nike.com/running?utm=thrad"
    assert clicks() == 1


def test_a_click_url_followed_twice_counts_one_click_and_still_redirects(anon_client, click_path):
    first, second = anon_client.get(click_path), anon_client.get(click_path)
    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == "https://www.nike.com/running?utm=thrad"
    assert clicks() == 1


def test_each_rendered_impression_counts_its_own_click(anon_client, ssp, click_path):
    other = urlsplit(render(ssp, bid(ssp).json()["data"]["bidId"], 7.5).json()["data"]["url"]).path
    for path in (click_path, other, click_path, other):
        anon_client.get(path)
    assert clicks() == 2
    assert sum(AdStatsHourly.objects.values_list("impressions", flat=True)) == 2


def test_the_click_token_carries_256_random_bits(click_path):
    token = click_path.rsplit("/", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 bytes from secrets, url-safe base64


def test_an_altered_token_is_404_and_redirects_nowhere(anon_client, click_path):
    token = click_path.rsplit("/", 1)[1]
    for altered in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token[:-2],
        token + "x",
        "https:--evil.example",
    ):
        response = anon_client.get(f"/api/v1/dsp/redirect/{altered}")
        assert response.status_code == 404
        assert "Location" not in response
        assert response.json() == {"error": "Unknown or expired click link."}
    assert clicks() == 0


def test_an_unknown_token_is_404(anon_client, db):
    response = anon_client.get("/api/v1/dsp/redirect/" + "A" * 43)
    assert response.status_code == 404
    assert response.json() == {"error": "Unknown or expired click link."}


def test_a_token_is_valid_for_30_days(anon_client, click_path, time_machine):
    now = timezone.now()
    time_machine.move_to(now + timedelta(days=29, hours=23), tick=False)
    assert anon_client.get(click_path).status_code == 302
    time_machine.move_to(now + timedelta(days=30, minutes=1), tick=False)
    assert anon_client.get(click_path).status_code == 404
    assert clicks() == 1


def test_the_click_follows_the_ads_current_target_url(anon_client, click_path):
    from creatives.models import Ad

    factories.save(Ad.objects.get(), target_url="https://www.nike.com/new")
    assert anon_client.get(click_path)["Location"] == "https://www.nike.com/new"


def test_a_bid_only_rendered_with_production_false_has_no_live_click_url(anon_client, ssp):
    factories.servable_ad(hints=["marathon training"])
    bid_id = bid(ssp).json()["data"]["bidId"]
    url = render(ssp, bid_id, 7.5, production=False).json()["data"]["url"]
    assert anon_client.get(urlsplit(url).path).status_code == 404


def test_an_openers_inline_click_url_works_without_a_render(anon_client, ssp):
    factories.servable_ad(hints=None)
    data = bid(ssp, request_type="opener", chatId=..., messages=...).json()["data"]
    assert anon_client.get(urlsplit(data["ad_data"]["url"]).path).status_code == 302
    assert clicks() == 1
    render(ssp, data["bidId"], 7.5)  # rendering it later stores no second token
    assert render(ssp, data["bidId"], 7.5).json()["data"] == data["ad_data"]
