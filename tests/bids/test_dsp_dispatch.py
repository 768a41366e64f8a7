"""The DSP's POSTs skip DRF's request wrapper (bids.views.DspApiBase.dispatch); a query string
takes DRF's own way. Both ways give the SSP the same answers: status, body and headers."""

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.bids.conftest import END_USER, bid_body

# Headers whose values differ from one request to the next.
PER_REQUEST = {"X-Request-Id", "Content-Length"}


def _answer(response: Any) -> tuple[int, Any, dict[str, str]]:
    body = response.content
    parsed = json.loads(body) if body else None
    if isinstance(parsed, dict) and isinstance(parsed.get("data"), dict):
        parsed["data"].pop("bidId", None)  # fresh on every bid
    headers = {name: value for name, value in response.headers.items() if name not in PER_REQUEST}
    return response.status_code, parsed, headers


def both_ways(client: APIClient, path: str, body: Any) -> tuple[tuple, tuple]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    lean = client.post(path, raw, content_type="application/json")
    drf = client.post(f"{path}?format=json", raw, content_type="application/json")
    return _answer(lean), _answer(drf)


@pytest.fixture
def partner_key(db: None) -> str:
    return factories.partner()[1]


def client_with(key: str | None, **headers: str) -> APIClient:
    client = APIClient()
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", **{**END_USER, **headers})
    else:
        client.credentials(**{**END_USER, **headers})
    return client


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("bid", 200),
        ("no bid", 204),
        ("no key", 401),
        ("unknown key", 401),
        ("invalid JSON", 400),
        ("broken rule", 400),
    ],
)
def test_a_bid_answers_the_same_either_way(partner_key, case, expected):
    if case != "no bid":
        factories.servable_ad(hints=["marathon training"])
    key = {"no key": None, "unknown key": "sp_0000000000000000_" + "x" * 40}.get(case, partner_key)
    body: Any = {"invalid JSON": b"{not json", "broken rule": bid_body(userId=7)}.get(case, bid_body())
    lean, drf = both_ways(client_with(key), "/api/v1/dsp/bid", body)
    assert lean[0] == expected
    assert lean == drf


def test_a_missing_end_user_header_answers_the_same_either_way(partner_key):
    factories.servable_ad()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {partner_key}", HTTP_USER_AGENT="Mozilla/5.0 (test)")
    lean, drf = both_ways(client, "/api/v1/dsp/bid", bid_body())
    assert lean[0] == 400
    assert lean == drf


def test_a_render_answers_the_same_either_way(partner_key):
    factories.servable_ad(hints=["marathon training"])
    client = client_with(partner_key)
    first = client.post("/api/v1/dsp/bid", bid_body(), format="json").json()["data"]["bidId"]
    second = client.post("/api/v1/dsp/bid", bid_body(), format="json").json()["data"]["bidId"]
    lean = client.post("/api/v1/dsp/render-ad", {"bidId": first, "realizedPrice": 5}, format="json")
    drf = client.post("/api/v1/dsp/render-ad?format=json", {"bidId": second, "realizedPrice": 5}, format="json")
    assert lean.status_code == 200
    assert _answer(lean)[2] == _answer(drf)[2]
    assert lean.json()["data"].keys() == drf.json()["data"].keys()
    for body, status in [({"bidId": "bid_" + "0" * 32, "realizedPrice": 1}, 404), ({"bidId": first}, 400)]:
        lean_answer, drf_answer = both_ways(client, "/api/v1/dsp/render-ad", body)
        assert lean_answer[0] == status
        assert lean_answer == drf_answer


def test_a_post_to_the_click_url_is_not_allowed(partner_key):
    response = client_with(partner_key).post("/api/v1/dsp/redirect/sometoken", b"", content_type="application/json")
    assert response.status_code == 405
    assert response.json() == {"error": 'Method "POST" not allowed.'}
