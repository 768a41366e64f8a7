"""/v1/ad_groups: create (with ads), read back, update, lifecycle, validation."""

import pytest

from creatives.models import Ad, AdGroup
from tests.creatives.conftest import ad_body, ad_group_body

AD_GROUP_FIELDS = {
    "id",
    "campaign_id",
    "name",
    "context_hints",
    "bidding_config",
    "frequency_cap",
    "status",
    "created_at",
    "updated_at",
}


def test_an_ad_group_is_created_in_a_campaign_and_reads_back(owner, create_campaign):
    campaign = create_campaign()
    response = owner.client().post("/v1/ad_groups", ad_group_body(campaign_id=campaign["id"]), format="json")
    assert response.status_code == 201, response.json()
    group = response.json()
    assert set(group) == AD_GROUP_FIELDS
    assert group["campaign_id"] == campaign["id"]
    assert group["status"] == "active"
    assert group["context_hints"] == ["marathon training"]
    assert group["bidding_config"] == {"max_bid_micros": 5_000_000, "billing_event_type": "impression"}
    assert owner.client().get(f"/v1/ad_groups/{group['id']}").json() == group


def test_an_ad_group_may_be_created_with_its_ads(owner, create_campaign):
    campaign = create_campaign()
    body = ad_group_body(campaign_id=campaign["id"], ads=[ad_body(), ad_body(name="B")])
    group = owner.client().post("/v1/ad_groups", body, format="json").json()
    ads = owner.client().get(f"/v1/ads?ad_group_id={group['id']}&order=asc").json()["data"]
    assert [a["name"] for a in ads] == ["Premium Running Shoes", "B"]


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"campaign_id": None}, "campaign_id"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"bidding_config": {"max_bid_micros": 0}}, "bidding_config.max_bid_micros"),
        ({"bidding_config": {"max_bid_micros": 100_000_001}}, "bidding_config.max_bid_micros"),
        (
            {"bidding_config": {"max_bid_micros": 1, "billing_event_type": "click"}},
            "bidding_config.billing_event_type",
        ),
        ({"bidding_config": {}}, "bidding_config.max_bid_micros"),
        ({"context_hints": "marathon"}, "context_hints"),
        ({"context_hints": ["ok", "x" * 101]}, "context_hints[1]"),
        ({"context_hints": ["hint"] * 51}, "context_hints"),
        ({"status": "paused"}, "status"),
        ({"ads": [ad_body(), ad_body(creative={"title": "only a title"})]}, "ads[1].creative.body"),
    ],
)
def test_each_invalid_ad_group_field_is_invalid_value(owner, create_campaign, overrides, param):
    campaign = create_campaign()
    body = {**ad_group_body(campaign_id=campaign["id"]), **overrides}
    response = owner.client().post("/v1/ad_groups", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid_value"
    assert response.json()["error"]["param"] == param
    assert AdGroup.objects.count() == 0 and Ad.objects.count() == 0


def test_the_bid_bounds_are_inclusive(owner, create_campaign):
    campaign = create_campaign()
    for bid in (1, 100_000_000):
        body = ad_group_body(campaign_id=campaign["id"], bidding_config={"max_bid_micros": bid})
        assert owner.client().post("/v1/ad_groups", body, format="json").status_code == 201


def test_an_unknown_campaign_id_is_404_naming_it(owner):
    body = ad_group_body(campaign_id="0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00")
    response = owner.client().post("/v1/ad_groups", body, format="json")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "message": "No such object.",
        "type": "not_found_error",
        "param": "campaign_id",
        "code": "not_found",
    }


def test_an_update_changes_only_the_fields_sent(owner, tree):
    group = tree["ad_group"]
    update = {"name": "Renamed", "bidding_config": {"max_bid_micros": 7}}
    response = owner.client().post(f"/v1/ad_groups/{group['id']}", update, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Renamed"
    assert body["bidding_config"] == {"max_bid_micros": 7, "billing_event_type": "impression"}
    assert body["context_hints"] == group["context_hints"]
    assert owner.client().get(f"/v1/ad_groups/{group['id']}").json() == body


@pytest.mark.parametrize(
    ("update", "param"),
    [
        ({"status": "active"}, "status"),
        ({"campaign_id": "x"}, "campaign_id"),
        ({"bidding_config": {"max_bid_micros": -5}}, "bidding_config.max_bid_micros"),
        ({"name": None}, "name"),
        ({"ads": []}, "ads"),
    ],
)
def test_an_invalid_update_is_invalid_value(owner, tree, update, param):
    group = tree["ad_group"]
    response = owner.client().post(f"/v1/ad_groups/{group['id']}", update, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert owner.client().get(f"/v1/ad_groups/{group['id']}").json() == group


def test_lifecycle_actions_and_archived_reads_back_as_paused(owner, tree):
    client, group_id = owner.client(), tree["ad_group"]["id"]
    assert client.post(f"/v1/ad_groups/{group_id}/pause").json()["status"] == "paused"
    assert client.post(f"/v1/ad_groups/{group_id}/activate").json()["status"] == "active"
    archived = client.post(f"/v1/ad_groups/{group_id}/archive")
    assert archived.status_code == 200
    assert archived.json()["status"] == "paused"
    assert AdGroup.objects.get(public_id=group_id).status == "archived"
    listed = client.get(f"/v1/ad_groups?campaign_id={tree['campaign']['id']}").json()["data"]
    assert [g["status"] for g in listed] == ["paused"]


def test_unknown_ad_group_ids_are_404(owner):
    client = owner.client()
    for path in ["/v1/ad_groups/0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00", "/v1/ad_groups/nope"]:
        assert client.get(path).status_code == 404
        assert client.post(path, {"name": "x"}, format="json").status_code == 404
        for action in ("activate", "pause", "archive"):
            assert client.post(f"{path}/{action}").status_code == 404


def test_listing_requires_a_campaign_id(owner):
    response = owner.client().get("/v1/ad_groups")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_value"
    assert response.json()["error"]["param"] == "campaign_id"
    unknown = owner.client().get("/v1/ad_groups?campaign_id=0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["param"] == "campaign_id"


def test_a_request_without_a_key_is_401(anon_client):
    assert anon_client.get("/v1/ad_groups?campaign_id=x").status_code == 401
    assert anon_client.post("/v1/ad_groups/x/pause").status_code == 401
