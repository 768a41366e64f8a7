"""Every rule of the bid request: auth, headers, body; each failure a 400 {"error": "..."}."""

import pytest
from rest_framework.test import APIClient

from bids.models import Bid
from bids.services import supply_partner_key_rotate
from tests import factories
from tests.bids.conftest import END_USER, bid, bid_body, conversation


@pytest.fixture(autouse=True)
def an_ad(db):
    return factories.servable_ad(hints=["marathon training"])


def assert_error(response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["error"] and isinstance(body["error"], str)
    assert fragment.lower() in body["error"].lower()


def test_a_valid_request_bids(ssp):
    assert bid(ssp).status_code == 200


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        (None, "send the supply partner key"),
        ("Basic abc", "invalid"),
        ("Bearer sp_nope", "invalid"),
        ("Bearer ak_0123456789ab_" + "A" * 40, "invalid"),
    ],
)
def test_bid_needs_a_valid_partner_key(header, fragment):
    client = APIClient()
    extra = {**END_USER, **({"HTTP_AUTHORIZATION": header} if header else {})}
    response = client.post("/api/v1/dsp/bid", bid_body(), format="json", **extra)
    assert_error(response, 401, fragment)
    assert response["WWW-Authenticate"].startswith("Bearer")


def partner_bid(secret: str):
    return APIClient().post(
        "/api/v1/dsp/bid", bid_body(), format="json", HTTP_AUTHORIZATION=f"Bearer {secret}", **END_USER
    )


def test_a_disabled_partner_key_is_refused_as_soon_as_the_change_commits():
    partner, secret = factories.partner("Old SSP")
    assert partner_bid(secret).status_code == 200  # the index (which holds partner keys) is warm
    factories.save(partner, is_active=False)
    assert_error(partner_bid(secret), 401, "invalid")


def test_a_rotated_partner_key_stops_at_once_and_the_new_one_works():
    partner, old = factories.partner("SSP two")
    assert partner_bid(old).status_code == 200
    with factories.committed():
        new = supply_partner_key_rotate(partner=partner)
    assert_error(partner_bid(old), 401, "invalid")
    assert partner_bid(new).status_code == 200


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"HTTP_X_FORWARDED_FOR": ""}, "X-Forwarded-For"),
        ({"HTTP_X_FORWARDED_FOR": "not-an-ip, 10.0.0.1"}, "X-Forwarded-For"),
        ({"HTTP_USER_AGENT": ""}, "User-Agent"),
        ({"HTTP_USER_AGENT": "   "}, "User-Agent"),
    ],
)
def test_the_end_user_headers_are_required(ssp, headers, fragment):
    ssp.credentials(HTTP_AUTHORIZATION=ssp._credentials["HTTP_AUTHORIZATION"], **{**END_USER, **headers})
    assert_error(bid(ssp), 400, fragment)


def test_an_ipv6_forwarded_address_is_accepted(ssp):
    ssp.credentials(
        HTTP_AUTHORIZATION=ssp._credentials["HTTP_AUTHORIZATION"], **{**END_USER, "HTTP_X_FORWARDED_FOR": "2001:db8::1"}
    )
    assert bid(ssp).status_code == 200


user, assistant = "user", "assistant"


def msgs(*roles: str) -> list[dict]:
    return [{"role": role, "content": f"marathon training {i}"} for i, role in enumerate(roles)]


INVALID_BODIES = [
    ({"userId": ...}, "userId"),
    ({"userId": None}, "userId"),
    ({"userId": ""}, "userId"),
    ({"userId": 42}, "userId"),
    ({"request_type": "banner"}, "request_type"),
    ({"request_type": 1}, "request_type"),
    ({"chatId": ...}, "chatId"),
    ({"chatId": ""}, "chatId"),
    ({"chatId": 7}, "chatId"),
    ({"request_type": "opener", "chatId": "c1", "messages": ...}, "chatId must be absent"),
    ({"messages": ...}, "messages"),
    ({"messages": "hi"}, "messages"),
    ({"messages": msgs(user)}, "at least 2"),
    ({"messages": []}, "at least 2"),
    ({"messages": msgs(user, user)}, "alternate"),
    ({"messages": msgs(user, assistant, assistant)}, "alternate"),
    ({"messages": msgs(assistant, user)}, "end with a user message followed by an assistant"),
    ({"messages": msgs(user, assistant, user)}, "end with a user message followed by an assistant"),
    ({"messages": [{"role": "system", "content": "x"}, {"role": "assistant", "content": "y"}]}, "role"),
    ({"messages": [{"role": "user"}, {"role": "assistant", "content": "y"}]}, "content"),
    ({"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": "y"}]}, "content"),
    ({"messages": ["hi", "there"]}, "messages[0]"),
    (
        {"messages": [{"role": "user", "content": "a", "timestamp": {}}, {"role": "assistant", "content": "b"}]},
        "timestamp",
    ),
    ({"nAdsBefore": -1}, "nAdsBefore"),
    ({"nAdsBefore": 1.5}, "nAdsBefore"),
    ({"nAdsBefore": "2"}, "nAdsBefore"),
    ({"nAdsBefore": True}, "nAdsBefore"),
    ({"ad_formats": "sponsored_message"}, "ad_formats"),
    ({"ad_formats": ["sponsored_message", 3]}, "ad_formats"),
    ({"production": "yes"}, "production"),
    ({"production": 1}, "production"),
    ({"request_id": 12}, "request_id"),
    ({"country_code": 1}, "country_code"),
    ({"city": ["x"]}, "city"),
    ({"config": "big"}, "config"),
    ({"config": {"max_headline_chars": 29}}, "config.max_headline_chars"),
    ({"config": {"max_headline_chars": "40"}}, "config.max_headline_chars"),
    ({"config": {"image_enabled": "no"}}, "config.image_enabled"),
]


@pytest.mark.parametrize(("overrides", "fragment"), INVALID_BODIES)
def test_a_body_that_breaks_a_rule_is_a_400_naming_it(ssp, overrides, fragment):
    assert_error(bid(ssp, **overrides), 400, fragment)
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    "raw", [b"[1, 2]", b'"text"', b"42", b"null", b"{not json", b"", b'{"userId": NaN}', b"\xff\xfe"]
)
def test_a_body_that_is_not_a_json_object_is_a_400_never_a_500(ssp, raw):
    response = ssp.generic("POST", "/api/v1/dsp/bid", raw, content_type="application/json")
    assert_error(response, 400, "")


def test_a_json_body_sent_as_text_plain_is_still_read(ssp):
    import json

    response = ssp.generic("POST", "/api/v1/dsp/bid", json.dumps(bid_body()), content_type="text/plain")
    assert response.status_code == 200


def test_unknown_fields_and_null_optional_fields_are_ignored(ssp):
    response = bid(ssp, surprise={"x": 1}, nAdsBefore=None, production=None, config=None, region=None, ad_formats=None)
    assert response.status_code == 200


def test_request_type_defaults_to_contextual_and_chat_id_is_then_required(ssp):
    assert bid(ssp, request_type=...).status_code == 200
    assert bid(ssp, request_type=..., chatId=...).status_code == 400


def test_longer_alternating_conversations_are_valid(ssp):
    turns = conversation("hi", "hello", "marathon training?", "yes", "shoes?", "sure")
    assert bid(ssp, messages=turns).status_code == 200


@pytest.mark.parametrize("formats", [[], ["banner"], ["banner", "video"]])
def test_without_sponsored_message_in_ad_formats_there_is_no_bid(ssp, formats):
    response = bid(ssp, ad_formats=formats)
    assert response.status_code == 204
    assert response.content == b""
    assert not Bid.objects.exists()


def test_ad_formats_with_sponsored_message_among_others_bids(ssp):
    assert bid(ssp, ad_formats=["banner", "sponsored_message"]).status_code == 200


def test_config_accepts_the_minimum_headline_length(ssp):
    assert bid(ssp, config={"max_headline_chars": 30, "image_enabled": False}).status_code == 200


def test_an_opener_needs_no_chat_id_nor_messages(ssp):
    factories.servable_ad(hints=None)
    response = bid(ssp, request_type="opener", chatId=..., messages=...)
    assert response.status_code == 200
