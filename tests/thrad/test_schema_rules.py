"""The OpenAPI schema states the rules the server enforces, and the server refuses what it forbids.

Each test reads a rule from the generated schema and checks the server against it (and the other
way round) on values a schema-driven client or tester would send. tests/thrad/test_schema_fuzz.py
runs schemathesis over the whole schema; these pin the rules one by one.
"""

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from creatives.serializers import CampaignUpdateSerializer, CountrySerializer, CreativeSerializer
from files.selectors import cursor_encode
from tests.bids.conftest import bid_body
from tests.creatives.conftest import ad_group_body, campaign_body, creative
from tests.factories import partner
from thrad.clientip import parse_ip

MAX_TIMESTAMP = 253402300799


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def component(schema: dict, name: str) -> dict:
    return schema["components"]["schemas"][name]


def parameter(schema: dict, path: str, method: str, name: str) -> dict:
    return next(p for p in schema["paths"][path][method]["parameters"] if p["name"] == name)


def matches(pattern: str, value: str) -> bool:
    """JSON Schema semantics: the pattern is searched, not anchored."""
    return re.search(pattern, value) is not None


def valid(serializer_class, data, **kwargs) -> bool:
    return serializer_class(data=data, context={"org": None, "uploads": {}}, **kwargs).is_valid()


# --- request bodies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "CampaignCreateRequest",
        "PatchedCampaignUpdateRequest",
        "BudgetRequest",
        "PatchedBudgetRequest",
        "TargetingRequest",
        "CountryRequest",
        "AdGroupCreateRequest",
        "PatchedAdGroupUpdateRequest",
        "BiddingConfigRequest",
        "FrequencyCapRequest",
        "AdCreateRequest",
        "PatchedAdUpdateRequest",
        "CreativeRequest",
        "PatchedCreativeRequest",
    ],
)
def test_strict_request_bodies_refuse_unknown_fields_in_the_schema(schema, name):
    assert component(schema, name)["additionalProperties"] is False


def test_dsp_bodies_leave_unknown_fields_open_as_the_server_ignores_them(schema):
    for name in ("ContextualBidRequest", "OpenerBidRequest", "RenderRequest"):
        assert "additionalProperties" not in component(schema, name)


def test_an_unknown_field_is_refused_by_the_server_too(owner):
    response = owner.client().post("/v1/campaigns", campaign_body(colour="red"), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "colour"


@pytest.mark.parametrize("operation", ["updateCampaign", "updateAdGroup", "updateAd"])
def test_an_update_requires_no_field_and_no_body(schema, operation):
    [body] = [
        op["requestBody"]
        for item in schema["paths"].values()
        for op in item.values()
        if op.get("operationId") == operation
    ]
    assert not body.get("required")
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert ref.startswith("Patched") and "required" not in component(schema, ref)


def test_an_update_without_a_body_changes_nothing(owner):
    client = owner.client()
    created = client.post("/v1/campaigns", campaign_body(), format="json").json()
    response = client.post(f"/v1/campaigns/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_a_list_item_is_whole_even_in_an_update(owner, schema):
    client = owner.client()
    created = client.post("/v1/campaigns", campaign_body(), format="json").json()
    response = client.post(
        f"/v1/campaigns/{created['id']}", {"targeting": {"locations": {"include": [{}]}}}, format="json"
    )
    assert response.status_code == 400  # was a 500: the item was read as {} and its code looked up
    assert response.json()["error"]["param"] == "targeting.locations.include[0].country_code"
    locations = component(schema, "PatchedLocationsRequest")
    assert locations["properties"]["include"]["items"] == {"$ref": "#/components/schemas/CountryRequest"}
    assert component(schema, "CountryRequest")["required"] == ["country_code"]


def test_a_frequency_cap_is_sent_whole_in_an_update(owner, schema):
    client = owner.client()
    campaign = client.post("/v1/campaigns", campaign_body(), format="json").json()
    group = client.post("/v1/ad_groups", ad_group_body(campaign_id=campaign["id"]), format="json").json()
    response = client.post(f"/v1/ad_groups/{group['id']}", {"frequency_cap": {"window": "day"}}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "frequency_cap.max_impressions"
    cap = component(schema, "PatchedAdGroupUpdateRequest")["properties"]["frequency_cap"]
    assert "FrequencyCapRequest" in str(cap) and "PatchedFrequencyCap" not in str(cap)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"name": 12345}, "name"),  # DRF would store "12345"
        ({"budget": {"lifetime_spend_limit_micros": "990000"}}, "budget.lifetime_spend_limit_micros"),
        ({"budget": {"lifetime_spend_limit_micros": 990000.0}}, "budget.lifetime_spend_limit_micros"),
        ({"start_time": True}, "start_time"),
        ({"name": "x" * 100 + " "}, "name"),  # over 100 characters as sent, though 100 once trimmed
    ],
)
def test_values_must_have_their_json_type_and_length_as_sent(owner, body, param):
    client = owner.client()
    created = client.post("/v1/campaigns", campaign_body(), format="json").json()
    response = client.post(f"/v1/campaigns/{created['id']}", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["param"] == param


def test_list_items_must_have_their_json_type(owner):
    client = owner.client()
    campaign = client.post("/v1/campaigns", campaign_body(), format="json").json()
    body = ad_group_body(campaign_id=campaign["id"], context_hints=["running", 42])
    response = client.post("/v1/ad_groups", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "context_hints[1]"


@pytest.mark.parametrize(
    "value", ["", " ", "\t\u3000", "\x00", "ab", "  ab  ", "a\x00bc", " abc ", "\x1cab\x1c", "a b", "\u2028abc"]
)
def test_a_trimmed_string_pattern_is_what_the_server_accepts(schema, value):
    name = component(schema, "PatchedCampaignUpdateRequest")["properties"]["name"]  # 3 to 100, trimmed
    schema_says = matches(name["pattern"], value) and name["minLength"] <= len(value) <= name["maxLength"]
    assert schema_says == valid(CampaignUpdateSerializer, {"name": value}, partial=True)


def test_a_unix_time_states_its_bounds(schema, owner):
    start = component(schema, "PatchedCampaignUpdateRequest")["properties"]["start_time"]
    assert (start["minimum"], start["maximum"]) == (0, MAX_TIMESTAMP)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.nike.com/running",
        "HTTP://shop.example.co.uk:8080/a?b=c#d",
        "https://münchen.de/über",
        "https://xn--mnchen-3ya.de./",
        "https://a.b",
        "http://localhost/",
        "http://93.184.216.34/",
        "https://user:pw@shop.example/",
        "ftp://shop.example/",
        "https://shop.example/a b",
        " https://shop.example/",
        "https://-shop.example/",
        "https://shop.example\u3000/",
        "javascript:alert(1)",
        "https://shop.c0m/",
    ],
)
def test_the_target_url_pattern_is_what_the_server_accepts(schema, url):
    prop = component(schema, "CreativeRequest")["properties"]["target_url"]
    assert matches(prop["pattern"], url) == valid(CreativeSerializer, creative(target_url=url))


@pytest.mark.parametrize("code", ["US", "us", "uS", " de ", "XX", "USA", "U S", "\u017ft", "", "zw", "ZZ"])
def test_the_country_code_pattern_is_what_the_server_accepts(schema, code):
    prop = component(schema, "CountryRequest")["properties"]["country_code"]
    schema_says = matches(prop["pattern"], code) and len(code) <= prop["maxLength"]
    assert schema_says == valid(CountrySerializer, {"country_code": code})


# --- query parameters and headers ----------------------------------------------------------


@pytest.mark.parametrize(("path", "bounds"), [("/v1/campaigns", (1, 500)), ("/api/v1/files", (1, 100))])
def test_limit_states_its_bounds(schema, path, bounds):
    limit = parameter(schema, path, "get", "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == bounds


@pytest.mark.parametrize(
    "query",
    [
        {"since": ""},  # empty is invalid, not absent
        {"until": ""},
        {"since": "-1"},  # 1969: below the schema's minimum
        {"until": str(MAX_TIMESTAMP + 1)},
        {"time_granularity": ""},
        {"aggregation_level": ""},
        {"fields[]": ""},
        {"fields[]": "impressions,,clicks"},
    ],
)
def test_insights_refuse_what_their_schema_forbids(owner, query):
    response = owner.client().get("/v1/ad_account/insights", query)
    assert response.status_code == 400, response.json()


def test_insights_fields_may_be_comma_separated_as_the_schema_says(schema, owner):
    items = parameter(schema, "/v1/ad_account/insights", "get", "fields[]")["schema"]["items"]
    pattern = items["anyOf"][1]["pattern"]
    assert matches(pattern, "impressions, clicks") and not matches(pattern, "impressions,,clicks")
    response = owner.client().get(
        "/v1/ad_account/insights", {"fields[]": "impressions, clicks", "time_granularity": "none"}
    )
    assert response.status_code == 200
    assert set(response.json()[0]) == {"readable_time", "impressions", "clicks"}


def test_each_insights_endpoint_offers_only_its_own_aggregation_levels(schema):
    def levels(path: str) -> set[str]:
        return set(parameter(schema, path, "get", "aggregation_level")["schema"]["enum"])

    assert levels("/v1/ad_account/insights") == {"ad_account", "campaign", "ad_group", "ad"}
    assert levels("/v1/campaigns/{campaign_id}/insights") == {"campaign", "ad_group", "ad"}
    assert levels("/v1/ads/{ad_id}/insights") == {"ad"}


def test_the_idempotency_key_states_its_rule(schema, owner):
    key = parameter(schema, "/v1/campaigns", "post", "Idempotency-Key")["schema"]
    assert (key["minLength"], key["maxLength"]) == (1, 255)
    assert matches(key["pattern"], "order-42") and not matches(key["pattern"], "with space")
    response = owner.client().post("/v1/campaigns", campaign_body(), format="json", HTTP_IDEMPOTENCY_KEY="")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "Idempotency-Key"


def test_list_parent_ids_are_uuids(schema):
    assert parameter(schema, "/v1/ad_groups", "get", "campaign_id")["schema"]["format"] == "uuid"
    assert parameter(schema, "/v1/ads", "get", "ad_group_id")["schema"]["format"] == "uuid"


def test_a_files_cursor_holds_only_what_the_api_writes(schema, owner):
    pattern = parameter(schema, "/api/v1/files", "get", "cursor")["schema"]["pattern"]

    cursor = cursor_encode(SimpleNamespace(created_at=datetime(2026, 1, 1, tzinfo=UTC), key="files/x/y.png"))
    assert matches(pattern, cursor)
    # base64 skips characters outside its alphabet: this cursor used to decode as the valid one
    response = owner.client().get("/api/v1/files", {"cursor": cursor[:4] + "!" + cursor[4:]})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"
    assert owner.client().get("/api/v1/files", {"limit": "\u0663"}).status_code == 400  # Arabic 3


@pytest.mark.parametrize(
    "value",
    [
        "93.184.216.34",
        " 93.184.216.34 , 10.0.0.1",
        "::ffff:93.184.216.34",
        "2001:db8::1",
        "fe80::1%eth0",
        "1:2:3:4:5:6:7::",
        "::",
        "01.2.3.4",
        "1.2.3",
        "2001:db8:::1",
        "93.184.216.34 x",
        "garbage",
        ",1.2.3.4",
        "1.2.3.4%",
        "[2001:db8::1]",
        "256.1.1.1",
    ],
)
def test_the_x_forwarded_for_pattern_is_what_the_server_accepts(schema, value, db):
    pattern = parameter(schema, "/api/v1/dsp/bid", "post", "X-Forwarded-For")["schema"]["pattern"]
    first = parse_ip(value.split(",", 1)[0])
    client = partner_client()
    response = client.post(
        "/api/v1/dsp/bid", bid_body(), format="json", HTTP_X_FORWARDED_FOR=value, HTTP_USER_AGENT="UA"
    )
    assert matches(pattern, value) == (first is not None) == (response.status_code != 400), response.content


def partner_client() -> APIClient:
    _, secret = partner()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_the_bid_request_is_contextual_or_opener(schema):
    assert component(schema, "BidRequest")["oneOf"] == [
        {"$ref": "#/components/schemas/ContextualBidRequest"},
        {"$ref": "#/components/schemas/OpenerBidRequest"},
    ]
    contextual = component(schema, "ContextualBidRequest")
    assert contextual["required"] == ["userId", "chatId", "messages"]
    assert contextual["properties"]["messages"]["minItems"] == 2
    assert "alternate" in contextual["properties"]["messages"]["description"]
    opener = component(schema, "OpenerBidRequest")
    assert opener["required"] == ["userId", "request_type"]
    assert "messages" not in opener["required"]


def test_the_dsp_headers_are_required(schema):
    for name in ("X-Forwarded-For", "User-Agent"):
        header = parameter(schema, "/api/v1/dsp/bid", "post", name)
        assert header["required"] is True and header["schema"]["pattern"]


def test_every_operation_lists_500_with_its_familys_error_body(schema):
    bodies = {
        "/v1": "V1Error",
        "/api/v1/dsp": "DspError",
        "/api/v1/upload": "FilesError",
        "/api/v1/files": "FilesError",
    }
    for path, item in schema["paths"].items():
        family = next(body for prefix, body in bodies.items() if path.startswith(prefix))
        for method, operation in item.items():
            internal = operation["responses"].get("500")
            assert internal is not None, f"{method.upper()} {path}"
            assert internal["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{family}"}
