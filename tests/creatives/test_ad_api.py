"""/v1/ads: create, read back, update, lifecycle, validation, review status from the campaign."""

import pytest

from creatives.models import Ad
from tests.creatives.conftest import ad_body, approve, creative, store_upload

AD_FIELDS = {"id", "ad_group_id", "name", "status", "review_status", "creative"}
CREATIVE_FIELDS = {"type", "title", "body", "cta_text", "target_url", "file_id", "image_url"}


def test_an_ad_is_created_active_with_its_name_defaulting_to_the_title(owner, tree):
    group = tree["ad_group"]
    response = owner.client().post("/v1/ads", ad_body(ad_group_id=group["id"]), format="json")
    assert response.status_code == 201, response.json()
    ad = response.json()
    assert set(ad) == AD_FIELDS
    assert set(ad["creative"]) == CREATIVE_FIELDS
    assert ad["ad_group_id"] == group["id"]
    assert ad["name"] == "Premium Running Shoes"
    assert ad["status"] == "active"
    assert ad["review_status"] == "in_review"
    assert ad["creative"] == {**creative(), "file_id": None, "image_url": None}
    assert owner.client().get(f"/v1/ads/{ad['id']}").json() == ad


def test_an_ad_may_be_named_and_the_creative_type_defaults_to_chat_card(owner, tree):
    body = {
        "ad_group_id": tree["ad_group"]["id"],
        "name": "Mine",
        "creative": {k: v for k, v in creative().items() if k != "type"},
    }
    ad = owner.client().post("/v1/ads", body, format="json").json()
    assert ad["name"] == "Mine"
    assert ad["creative"]["type"] == "chat_card"


def test_ads_show_their_campaigns_review_status(owner, tree):
    approve(tree["campaign"]["id"])
    assert owner.client().get(f"/v1/ads/{tree['ad']['id']}").json()["review_status"] == "approved"
    listed = owner.client().get(f"/v1/ads?ad_group_id={tree['ad_group']['id']}").json()["data"]
    assert listed[0]["review_status"] == "approved"


@pytest.mark.parametrize(
    ("creative_overrides", "param"),
    [
        ({"type": "banner"}, "creative.type"),
        ({"title": ""}, "creative.title"),
        ({"title": "t" * 201}, "creative.title"),
        ({"body": "b" * 1001}, "creative.body"),
        ({"cta_text": "c" * 51}, "creative.cta_text"),
        ({"target_url": "/relative/path"}, "creative.target_url"),
        ({"target_url": "ftp://files.example/x"}, "creative.target_url"),
        ({"target_url": "javascript:alert(1)"}, "creative.target_url"),
        ({"target_url": "https://"}, "creative.target_url"),
        ({"target_url": "https://shop.example/a b"}, "creative.target_url"),
        ({"target_url": "https://shop.example/\x00"}, "creative.target_url"),
        ({"file_id": "uploads/2026/06/0123456789abcdef0123456789abcdef.png"}, "creative.file_id"),
        ({"file_id": 42}, "creative.file_id"),
        ({"image_url": "https://evil.example/x.png"}, "creative.image_url"),
    ],
)
def test_each_invalid_creative_field_is_invalid_value(owner, tree, creative_overrides, param):
    body = ad_body(ad_group_id=tree["ad_group"]["id"], creative=creative(**creative_overrides))
    response = owner.client().post("/v1/ads", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid_value"
    assert response.json()["error"]["param"] == param
    assert Ad.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"creative": creative()}, "ad_group_id"),
        ({"ad_group_id": "{group}"}, "creative"),
        ({"ad_group_id": "{group}", "creative": creative(), "status": "paused"}, "status"),
        ({"ad_group_id": "{group}", "creative": creative(), "name": ""}, "name"),
        ({"ad_group_id": "{group}", "creative": "card"}, "creative"),
    ],
)
def test_missing_or_read_only_ad_fields_are_invalid_value(owner, tree, body, param):
    body = {k: (tree["ad_group"]["id"] if v == "{group}" else v) for k, v in body.items()}
    response = owner.client().post("/v1/ads", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_an_unknown_ad_group_id_is_404_naming_it(owner):
    body = ad_body(ad_group_id="0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00")
    response = owner.client().post("/v1/ads", body, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "ad_group_id"


def test_an_update_changes_the_fields_sent_and_keeps_the_rest(owner, tree):
    ad = tree["ad"]
    update = {"name": "Renamed", "creative": {"title": "New title", "target_url": "http://shop.example/new"}}
    response = owner.client().post(f"/v1/ads/{ad['id']}", update, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "Renamed"
    assert body["creative"]["title"] == "New title"
    assert body["creative"]["target_url"] == "http://shop.example/new"
    assert body["creative"]["body"] == ad["creative"]["body"]
    assert owner.client().get(f"/v1/ads/{ad['id']}").json() == body


def test_an_update_can_add_replace_and_remove_the_image(owner, tree):
    client, ad_id = owner.client(), tree["ad"]["id"]
    first, second = store_upload(owner.org), store_upload(owner.org)
    added = client.post(f"/v1/ads/{ad_id}", {"creative": {"file_id": first.file_id}}, format="json").json()
    assert added["creative"]["file_id"] == first.file_id
    assert added["creative"]["image_url"]
    replaced = client.post(f"/v1/ads/{ad_id}", {"creative": {"file_id": second.file_id}}, format="json").json()
    assert replaced["creative"]["file_id"] == second.file_id
    assert replaced["creative"]["image_url"] != added["creative"]["image_url"]
    removed = client.post(f"/v1/ads/{ad_id}", {"creative": {"file_id": None}}, format="json").json()
    assert removed["creative"]["file_id"] is None
    assert removed["creative"]["image_url"] is None


@pytest.mark.parametrize(
    ("update", "param"),
    [
        ({"status": "paused"}, "status"),
        ({"ad_group_id": "x"}, "ad_group_id"),
        ({"creative": {"target_url": "mailto:a@b.example"}}, "creative.target_url"),
        ({"creative": {"file_id": "uploads/none.png"}}, "creative.file_id"),
        ({"creative": {"review_status": "approved"}}, "creative.review_status"),
    ],
)
def test_an_invalid_update_is_invalid_value_and_changes_nothing(owner, tree, update, param):
    ad = tree["ad"]
    response = owner.client().post(f"/v1/ads/{ad['id']}", update, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert owner.client().get(f"/v1/ads/{ad['id']}").json() == ad


def test_lifecycle_actions_and_archived_reads_back_as_paused(owner, tree):
    client, ad_id = owner.client(), tree["ad"]["id"]
    assert client.post(f"/v1/ads/{ad_id}/pause").json()["status"] == "paused"
    assert client.post(f"/v1/ads/{ad_id}/activate").json()["status"] == "active"
    assert client.post(f"/v1/ads/{ad_id}/archive").json()["status"] == "paused"
    assert Ad.objects.get(public_id=ad_id).status == "archived"
    assert client.get(f"/v1/ads/{ad_id}").json()["status"] == "paused"


def test_unknown_ad_ids_are_404(owner):
    client = owner.client()
    for path in ["/v1/ads/0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00", "/v1/ads/%20"]:
        assert client.get(path).status_code == 404
        assert client.post(path, {"name": "x"}, format="json").status_code == 404
        for action in ("activate", "pause", "archive"):
            assert client.post(f"{path}/{action}").status_code == 404


def test_listing_requires_an_ad_group_id(owner):
    response = owner.client().get("/v1/ads")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "ad_group_id"
    assert owner.client().get("/v1/ads?ad_group_id=nope").status_code == 404


def test_a_request_without_a_key_is_401(anon_client):
    assert anon_client.get("/v1/ads?ad_group_id=x").status_code == 401
    assert anon_client.post("/v1/ads", {}, format="json").status_code == 401
