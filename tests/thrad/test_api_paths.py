"""Every API path answers with a trailing slash too (the same view, no redirect), and an unknown
path under an API prefix is a JSON 404 in its family's shape, with DEBUG on or off."""

from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.bids.conftest import END_USER, bid_body
from tests.uploads.upload_helpers import image_bytes, part


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings) -> bool:
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def ssp(db: None) -> APIClient:
    _, secret = factories.partner()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", **END_USER)
    return client


def test_the_dsp_paths_answer_with_a_trailing_slash(debug, ssp, anon_client):
    """The SSP's docs list the paths with a slash: bid, render and click all work that way."""
    factories.servable_ad(hints=["marathon training"], target_url="https://shop.example/shoes")
    response = ssp.post("/api/v1/dsp/bid/", bid_body(), format="json")
    assert response.status_code == 200, response.content
    bid_id = response.json()["data"]["bidId"]
    response = ssp.post("/api/v1/dsp/render-ad/", {"bidId": bid_id, "realizedPrice": 6.0}, format="json")
    assert response.status_code == 200, response.content
    click = urlsplit(response.json()["data"]["url"]).path
    assert not click.endswith("/")  # we hand out the canonical form
    response = anon_client.get(f"{click}/")
    assert (response.status_code, response["Location"]) == (302, "https://shop.example/shoes")
    # Failures keep the DSP shape with the slash too.
    response = anon_client.post("/api/v1/dsp/bid/", bid_body(), format="json")
    assert response.status_code == 401 and set(response.json()) == {"error"}


def test_the_v1_paths_answer_with_a_trailing_slash(debug, owner):
    client = owner.client()
    assert client.get("/v1/ad_account/").json() == client.get("/v1/ad_account").json()
    body = {"name": "Spring sale", "budget": {"lifetime_spend_limit_micros": 50_000_000}}
    created = client.post("/v1/campaigns/", body, format="json")
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    assert client.get(f"/v1/campaigns/{campaign_id}/").json() == created.json()
    listed = client.get("/v1/campaigns/", {"limit": 1})
    assert [c["id"] for c in listed.json()["data"]] == [campaign_id]
    assert client.post(f"/v1/campaigns/{campaign_id}/archive/").json()["status"] == "archived"
    response = client.post("/v1/upload/", {"file": part(image_bytes("PNG"))}, format="multipart")
    assert response.status_code == 201, response.content


def test_the_files_api_paths_answer_with_a_trailing_slash(debug, owner):
    client = owner.client()
    png = image_bytes("PNG")
    response = client.post("/api/v1/upload/", {"files": [part(png, "a.png")]}, format="multipart")
    assert response.status_code == 200, response.content
    key = response.json()["uploaded"][0]["key"]
    listed = client.get("/api/v1/files/")
    assert [f["key"] for f in listed.json()["files"]] == [key]
    download = client.get(f"/api/v1/files/{key}/")  # read to the end: the test client then closes it
    assert (download.status_code, b"".join(download.streaming_content)) == (200, png)
    assert client.delete(f"/api/v1/files/{key}/").status_code == 204
    assert client.get("/api/v1/files").json()["files"] == []


NOT_FOUND_V1 = {"error": {"message": "No such object.", "type": "not_found_error", "param": None, "code": "not_found"}}
NOT_FOUND_FILES = {"success": False, "error": {"code": "not_found", "message": "No such object."}}
NOT_FOUND_DSP = {"error": "No such object."}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/nope", NOT_FOUND_V1),
        ("/v1/nope/", NOT_FOUND_V1),
        ("/v1/campaigns/x/y/z", NOT_FOUND_V1),
        ("/v1", NOT_FOUND_V1),
        ("/v1/", NOT_FOUND_V1),
        ("/api/v1/dsp/nope", NOT_FOUND_DSP),
        ("/api/v1/dsp/bid/extra", NOT_FOUND_DSP),
        ("/api/v1/dsp", NOT_FOUND_DSP),
        ("/api/v1/dsp/", NOT_FOUND_DSP),
        ("/api/v1/nope", NOT_FOUND_FILES),
        ("/api/v1/uploads", NOT_FOUND_FILES),
        ("/api/v1", NOT_FOUND_FILES),
        ("/api/v1/", NOT_FOUND_FILES),
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_path_is_a_json_404_in_its_family_shape(debug, db, anon_client, path, body, method):
    response = getattr(anon_client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == body


def test_other_unknown_paths_are_still_a_plain_404(db, client):
    response = client.get("/nope/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/plain")
