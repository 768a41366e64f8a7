"""/v1/campaigns: nested create, read back, update, lifecycle, validation and the create limit."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from creatives.models import Ad, AdGroup, Campaign
from tests.creatives.conftest import ad_body, ad_group_body, approve, campaign_body, creative, store_upload

CAMPAIGN_FIELDS = {
    "id",
    "name",
    "description",
    "status",
    "review_status",
    "start_time",
    "end_time",
    "budget",
    "pricing_model",
    "targeting",
    "created_at",
    "updated_at",
}
NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)


def test_a_new_campaign_reads_back_paused_in_review_with_the_spec_fields_and_defaults(owner):
    with time_machine.travel(NOW, tick=False):
        response = owner.client().post("/v1/campaigns", campaign_body(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == CAMPAIGN_FIELDS
    assert body["status"] == "paused"
    assert body["review_status"] == "in_review"
    assert body["start_time"] == int((NOW + timedelta(days=2)).timestamp())
    assert body["end_time"] is None
    assert body["description"] is None
    assert body["pricing_model"] == "cpm"
    assert body["budget"] == {
        "lifetime_spend_limit_micros": 50_000_000,
        "daily_spend_limit_micros": None,
        "pacing": "asap",
    }
    assert body["targeting"] == {"locations": {"include": []}}
    assert body["created_at"] == int(NOW.timestamp()) == body["updated_at"]
    assert owner.client().get(f"/v1/campaigns/{body['id']}").json() == body


def test_it_creates_the_whole_tree_in_one_call(owner):
    body = campaign_body(
        name="Marathon",
        description="Spring push",
        start_time=1_900_000_000,
        end_time=1_900_086_400,
        targeting={"locations": {"include": [{"country_code": "us"}, {"country_code": "De"}, {"country_code": "US"}]}},
        ad_groups=[
            ad_group_body(name="Group A", ads=[ad_body(), ad_body(name="Second")]),
            ad_group_body(name="Group B", context_hints=["trail running", "5k"], ads=[]),
        ],
    )
    response = owner.client().post("/v1/campaigns", body, format="json")
    assert response.status_code == 201, response.json()
    campaign = response.json()
    assert campaign["start_time"] == 1_900_000_000
    assert campaign["end_time"] == 1_900_086_400
    assert campaign["description"] == "Spring push"
    assert campaign["targeting"]["locations"]["include"] == [{"country_code": "US"}, {"country_code": "DE"}]
    groups = owner.client().get(f"/v1/ad_groups?campaign_id={campaign['id']}&order=asc").json()["data"]
    assert [g["name"] for g in groups] == ["Group A", "Group B"]
    assert groups[1]["context_hints"] == ["trail running", "5k"]
    ads = owner.client().get(f"/v1/ads?ad_group_id={groups[0]['id']}&order=asc").json()["data"]
    assert [a["name"] for a in ads] == ["Premium Running Shoes", "Second"]
    assert all(a["status"] == "active" and a["review_status"] == "in_review" for a in ads)


def test_a_bad_ad_deep_in_the_tree_rejects_everything_and_names_it(owner):
    body = campaign_body(
        ad_groups=[
            ad_group_body(ads=[ad_body(), ad_body(creative=creative(file_id="uploads/2026/06/nope.png"))]),
        ]
    )
    response = owner.client().post("/v1/campaigns", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": response.json()["error"]["message"],
        "type": "invalid_request_error",
        "param": "ad_groups[0].ads[1].creative.file_id",
        "code": "invalid_value",
    }
    assert (Campaign.objects.count(), AdGroup.objects.count(), Ad.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"name": "ab"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": None}, "name"),
        ({"budget": {"lifetime_spend_limit_micros": 989_999}}, "budget.lifetime_spend_limit_micros"),
        ({"budget": {"lifetime_spend_limit_micros": "lots"}}, "budget.lifetime_spend_limit_micros"),
        ({"budget": {}}, "budget.lifetime_spend_limit_micros"),
        ({"budget": None}, "budget"),
        ({"pricing_model": "cpc"}, "pricing_model"),
        ({"start_time": "tomorrow"}, "start_time"),
        ({"start_time": -1}, "start_time"),
        ({"start_time": 1_900_000_000, "end_time": 1_900_000_000}, "end_time"),
        ({"start_time": 1_900_000_000, "end_time": 1_800_000_000}, "end_time"),
        ({"description": "d" * 2001}, "description"),
        (
            {"targeting": {"locations": {"include": [{"country_code": "XX"}]}}},
            "targeting.locations.include[0].country_code",
        ),
        (
            {"targeting": {"locations": {"include": [{"country_code": "US"}, {"country_code": "usa"}]}}},
            "targeting.locations.include[1].country_code",
        ),
        ({"targeting": {"locations": {"include": ["US"]}}}, "targeting.locations.include[0]"),
        ({"status": "active"}, "status"),
        ({"review_status": "approved"}, "review_status"),
        ({"colour": "red"}, "colour"),
        ({"ad_groups": [ad_group_body()] * 21}, "ad_groups"),
        (
            {"ad_groups": [ad_group_body(bidding_config={"max_bid_micros": 0})]},
            "ad_groups[0].bidding_config.max_bid_micros",
        ),
        ({"ad_groups": [ad_group_body(), ad_group_body(name="")]}, "ad_groups[1].name"),
        (
            {"ad_groups": [ad_group_body(ads=[ad_body(creative=creative(target_url="ftp://x.example/"))])]},
            "ad_groups[0].ads[0].creative.target_url",
        ),
    ],
)
def test_each_invalid_campaign_field_is_invalid_value_naming_it_and_creates_nothing(owner, overrides, param):
    response = owner.client().post("/v1/campaigns", campaign_body(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid_value"
    assert response.json()["error"]["param"] == param
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert Campaign.objects.count() == 0


def test_a_campaign_without_name_or_budget_is_refused(owner):
    response = owner.client().post("/v1/campaigns", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "name"


def test_a_body_that_is_not_an_object_is_invalid_value(owner):
    response = owner.client().post("/v1/campaigns", [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_value"


def test_the_smallest_budget_and_every_iso_country_case_are_accepted(owner):
    body = campaign_body(
        budget={"lifetime_spend_limit_micros": 990_000},
        targeting={"locations": {"include": [{"country_code": "gb"}, {"country_code": "jP"}]}},
    )
    response = owner.client().post("/v1/campaigns", body, format="json")
    assert response.status_code == 201
    assert response.json()["targeting"]["locations"]["include"] == [
        {"country_code": "GB"},
        {"country_code": "JP"},
    ]
    assert Campaign.objects.get().countries == ["GB", "JP"]


def test_an_update_changes_only_the_fields_sent(owner, create_campaign):
    campaign = create_campaign(start_time=1_900_000_000)
    update = {
        "name": "Renamed",
        "description": None,
        "end_time": 1_900_100_000,
        "budget": {"lifetime_spend_limit_micros": 2_000_000},
        "targeting": {"locations": {"include": [{"country_code": "fr"}]}},
    }
    response = owner.client().post(f"/v1/campaigns/{campaign['id']}", update, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "Renamed"
    assert body["end_time"] == 1_900_100_000
    assert body["start_time"] == 1_900_000_000
    assert body["budget"] == {
        "lifetime_spend_limit_micros": 2_000_000,
        "daily_spend_limit_micros": None,
        "pacing": "asap",
    }
    assert body["targeting"]["locations"]["include"] == [{"country_code": "FR"}]
    assert body["status"] == "paused" and body["review_status"] == "in_review"
    assert owner.client().get(f"/v1/campaigns/{campaign['id']}").json() == body


def test_an_update_never_touches_recorded_spend(owner, create_campaign):
    campaign = create_campaign()
    Campaign.objects.filter(public_id=campaign["id"]).update(spend_micros=123)
    owner.client().post(f"/v1/campaigns/{campaign['id']}", {"name": "New name"}, format="json")
    assert Campaign.objects.get(public_id=campaign["id"]).spend_micros == 123


@pytest.mark.parametrize(
    ("update", "param"),
    [
        ({"status": "active"}, "status"),
        ({"status": "paused"}, "status"),
        ({"review_status": "approved"}, "review_status"),
        ({"id": "x"}, "id"),
        ({"name": "no"}, "name"),
        ({"budget": {"lifetime_spend_limit_micros": 1}}, "budget.lifetime_spend_limit_micros"),
        ({"end_time": 1_800_000_000}, "end_time"),
        ({"start_time": None}, "start_time"),
        (
            {"targeting": {"locations": {"include": [{"country_code": "ZZ"}]}}},
            "targeting.locations.include[0].country_code",
        ),
        ({"ad_groups": []}, "ad_groups"),
    ],
)
def test_an_invalid_update_is_invalid_value_and_changes_nothing(owner, create_campaign, update, param):
    campaign = create_campaign(start_time=1_900_000_000)
    response = owner.client().post(f"/v1/campaigns/{campaign['id']}", update, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_value"
    assert response.json()["error"]["param"] == param
    assert owner.client().get(f"/v1/campaigns/{campaign['id']}").json() == campaign


def test_activate_before_approval_is_campaign_not_approved(owner, create_campaign):
    campaign = create_campaign()
    response = owner.client().post(f"/v1/campaigns/{campaign['id']}/activate")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "campaign_not_approved"
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert owner.client().get(f"/v1/campaigns/{campaign['id']}").json()["status"] == "paused"


def test_an_approved_campaign_activates_pauses_and_archives(owner, create_campaign):
    campaign = create_campaign()
    approve(campaign["id"])
    client = owner.client()
    for action, status in [
        ("activate", "active"),
        ("pause", "paused"),
        ("archive", "archived"),
        ("activate", "active"),
    ]:
        response = client.post(f"/v1/campaigns/{campaign['id']}/{action}")
        assert response.status_code == 200
        assert response.json()["status"] == status
        assert response.json()["review_status"] == "approved"
        assert client.get(f"/v1/campaigns/{campaign['id']}").json()["status"] == status


def test_pause_and_archive_work_before_approval(owner, create_campaign):
    campaign = create_campaign()
    assert owner.client().post(f"/v1/campaigns/{campaign['id']}/archive").json()["status"] == "archived"
    assert owner.client().post(f"/v1/campaigns/{campaign['id']}/pause").json()["status"] == "paused"


def test_an_unknown_campaign_id_is_404_for_every_operation(owner):
    client = owner.client()
    for path in ["/v1/campaigns/0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00", "/v1/campaigns/not-a-uuid"]:
        assert client.get(path).status_code == 404
        assert client.post(path, {"name": "Whatever"}, format="json").json()["error"]["code"] == "not_found"
        for action in ("activate", "pause", "archive"):
            assert client.post(f"{path}/{action}").status_code == 404


def test_campaign_creates_are_limited_per_hour_on_top_of_the_general_limit(owner, settings):
    settings.RATE_LIMIT_CAMPAIGN_CREATES_PER_HOUR = 2
    client = owner.client()
    for _ in range(2):
        response = client.post("/v1/campaigns", campaign_body(), format="json")
        assert response.status_code == 201
    assert response["X-RateLimit-Limit"] == "2"
    assert response["X-RateLimit-Remaining"] == "0"
    refused = client.post("/v1/campaigns", campaign_body(), format="json")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert refused.json()["error"]["type"] == "rate_limit_error"
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert Campaign.objects.count() == 2
    listing = client.get("/v1/campaigns")
    assert listing.status_code == 200
    assert listing["X-RateLimit-Limit"] == "1000"


def test_the_general_limit_also_counts_campaign_creates(owner, settings):
    settings.RATE_LIMIT_V1_PER_HOUR = 3
    client = owner.client()
    assert client.get("/v1/campaigns").status_code == 200
    assert client.get("/v1/campaigns").status_code == 200
    assert client.post("/v1/campaigns", campaign_body(), format="json").status_code == 201
    assert client.post("/v1/campaigns", campaign_body(), format="json").status_code == 429


def test_the_nested_create_copies_images_for_every_ad(owner):
    upload = store_upload(owner.org)
    body = campaign_body(ad_groups=[ad_group_body(ads=[ad_body(creative=creative(file_id=upload.file_id))] * 2)])
    response = owner.client().post("/v1/campaigns", body, format="json")
    assert response.status_code == 201
    paths = set(Ad.objects.values_list("asset_path", flat=True))
    assert len(paths) == 2
    assert all(p.startswith(f"creatives/{owner.org.public_id}/") for p in paths)


def test_a_request_without_a_key_is_401(anon_client):
    for method, path in [("get", "/v1/campaigns"), ("post", "/v1/campaigns"), ("get", "/v1/campaigns/x")]:
        response = getattr(anon_client, method)(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "auth_required"
