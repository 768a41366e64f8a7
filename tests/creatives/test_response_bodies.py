"""The `/v1` bodies, byte for byte: the output serializers are their one definition, so this pins
what the contract promises (field names, order, nulls, upper-case countries, archived as paused)."""

import re

from tests.creatives.conftest import ad_body, ad_group_body, campaign_body, creative, store_upload

START = 1780488000


def _ids(body: bytes, **ids: str) -> str:
    """The body with ids and the server's own timestamps as placeholders (real time: S3 signs
    requests with the clock, so the test cannot freeze it)."""
    text = re.sub(r'"(created_at|updated_at)":\d+', r'"\1":<t>', body.decode())
    for name, value in ids.items():
        text = text.replace(value, f"<{name}>")
    return text


def test_campaign_ad_group_and_ad_bodies(owner):
    client = owner.client()
    upload = store_upload(owner.org)
    body = campaign_body(
        description="d",
        start_time=START,
        targeting={"locations": {"include": [{"country_code": "us"}, {"country_code": "FR"}]}},
        ad_groups=[ad_group_body(ads=[ad_body(creative=creative(file_id=upload.file_id))])],
    )
    campaign = client.post("/v1/campaigns", body, format="json").json()
    group = client.get(f"/v1/ad_groups?campaign_id={campaign['id']}").json()["data"][0]
    ad = client.get(f"/v1/ads?ad_group_id={group['id']}").json()["data"][0]
    ids = {
        "campaign": campaign["id"],
        "group": group["id"],
        "ad": ad["id"],
        "org": str(owner.org.public_id),
        "file": upload.file_id,
    }

    assert _ids(client.get(f"/v1/campaigns/{campaign['id']}").content, **ids) == (
        '{"id":"<campaign>","name":"Spring sale","description":"d","status":"paused",'
        '"review_status":"in_review","start_time":1780488000,"end_time":null,'
        '"budget":{"lifetime_spend_limit_micros":50000000,"daily_spend_limit_micros":null,"pacing":"asap"},'
        '"pricing_model":"cpm",'
        '"targeting":{"locations":{"include":[{"country_code":"US"},{"country_code":"FR"}]}},'
        '"created_at":<t>,"updated_at":<t>}'
    )
    assert _ids(client.post(f"/v1/ad_groups/{group['id']}/archive").content, **ids) == (
        '{"id":"<group>","campaign_id":"<campaign>","name":"Runners","context_hints":["marathon training"],'
        '"bidding_config":{"max_bid_micros":5000000,"billing_event_type":"impression"},"frequency_cap":null,'
        '"status":"paused",'
        '"created_at":<t>,"updated_at":<t>}'
    )
    assert _ids(client.get(f"/v1/ads/{ad['id']}").content, **ids) == (
        '{"id":"<ad>","ad_group_id":"<group>","name":"Premium Running Shoes","status":"active",'
        '"review_status":"in_review","creative":{"type":"chat_card","title":"Premium Running Shoes",'
        '"body":"Perfect for marathon training.","cta_text":"Shop now","target_url":"https://www.nike.com/running",'
        '"file_id":"<file>","image_url":"http://127.0.0.1:8000/media/creatives/<org>/<ad>.png"}}'
    )


def test_an_ad_without_an_image_reads_nulls(owner, tree):
    body = owner.client().get(f"/v1/ads/{tree['ad']['id']}").json()
    assert body["creative"]["file_id"] is None
    assert body["creative"]["image_url"] is None
