"""Idempotency-Key on creates: replay, conflict, expiry, and concurrent requests with one key."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from creatives.models import Ad, AdGroup, Campaign, IdempotencyRecord
from creatives.tasks import idempotency_records_expire
from tests.creatives.conftest import (
    ad_body,
    ad_group_body,
    campaign_body,
    creative,
    store_upload,
    stored_assets,
)


def post(actor, path, body, key):
    return actor.client().post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_replay_returns_the_first_response_and_creates_nothing(owner):
    body = campaign_body(ad_groups=[ad_group_body(ads=[ad_body()])])
    first = post(owner, "/v1/campaigns", body, "key-1")
    again = post(owner, "/v1/campaigns", {**body}, "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert (Campaign.objects.count(), AdGroup.objects.count(), Ad.objects.count()) == (1, 1, 1)


def test_key_order_and_spacing_of_the_body_do_not_matter(owner):
    first = post(owner, "/v1/campaigns", {"name": "Spring", "budget": {"lifetime_spend_limit_micros": 990000}}, "k")
    again = owner.client().post(
        "/v1/campaigns",
        '{ "budget": {"lifetime_spend_limit_micros": 990000},  "name": "Spring" }',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert again.json() == first.json()
    assert Campaign.objects.count() == 1


def test_the_same_key_with_another_body_is_idempotency_key_reused(owner):
    post(owner, "/v1/campaigns", campaign_body(), "key-1")
    response = post(owner, "/v1/campaigns", campaign_body(name="Other name"), "key-1")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert Campaign.objects.count() == 1


def test_keys_are_per_organization_and_per_resource(owner, outsider, tree):
    post(owner, "/v1/campaigns", campaign_body(), "shared")
    assert post(outsider, "/v1/campaigns", campaign_body(), "shared").status_code == 201
    group_body = ad_group_body(campaign_id=tree["campaign"]["id"])
    assert post(owner, "/v1/ad_groups", group_body, "shared").status_code == 201
    assert post(owner, "/v1/ads", ad_body(ad_group_id=tree["ad_group"]["id"]), "shared").status_code == 201
    assert Campaign.objects.filter(organization=owner.org).count() == 2


@pytest.mark.parametrize("path", ["/v1/ad_groups", "/v1/ads"])
def test_ad_group_and_ad_creates_replay_too(owner, tree, path):
    body = (
        ad_group_body(campaign_id=tree["campaign"]["id"])
        if path == "/v1/ad_groups"
        else ad_body(ad_group_id=tree["ad_group"]["id"])
    )
    before = (AdGroup.objects.count(), Ad.objects.count())
    first = post(owner, path, body, "abc")
    again = post(owner, path, body, "abc")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    after = (AdGroup.objects.count(), Ad.objects.count())
    assert sum(after) - sum(before) == 1
    assert post(owner, path, {**body, "name": "Different"}, "abc").json()["error"]["code"] == "idempotency_key_reused"


def test_a_replayed_ad_does_not_copy_its_image_again(owner, tree):
    upload = store_upload(owner.org)
    body = ad_body(ad_group_id=tree["ad_group"]["id"], creative=creative(file_id=upload.file_id))
    first = post(owner, "/v1/ads", body, "img")
    post(owner, "/v1/ads", body, "img")
    assert first.status_code == 201
    assert len(stored_assets(owner.org)) == 1


def test_a_failed_request_is_not_recorded_so_a_corrected_retry_may_reuse_the_key(owner):
    bad = post(owner, "/v1/campaigns", campaign_body(name="no"), "retry-me")
    assert bad.status_code == 400
    assert IdempotencyRecord.objects.count() == 0
    good = post(owner, "/v1/campaigns", campaign_body(), "retry-me")
    assert good.status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "caf\u00e9"])
def test_a_malformed_key_is_invalid_value(owner, key):
    response = owner.client().post(
        "/v1/campaigns", campaign_body(), format="json", HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1")
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_value"
    assert response.json()["error"]["param"] == "Idempotency-Key"
    assert Campaign.objects.count() == 0


def test_keys_expire_after_24_hours(owner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = post(owner, "/v1/campaigns", campaign_body(), "daily")
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert post(owner, "/v1/campaigns", campaign_body(), "daily").json() == first.json()
    with time_machine.travel(start + timedelta(hours=24, seconds=1), tick=False):
        later = post(owner, "/v1/campaigns", campaign_body(name="New body, old key"), "daily")
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_the_periodic_task_deletes_only_expired_records(owner):
    start = timezone.now()
    with time_machine.travel(start - timedelta(hours=25), tick=False):
        post(owner, "/v1/campaigns", campaign_body(), "old")
    post(owner, "/v1/campaigns", campaign_body(), "fresh")
    assert idempotency_records_expire.delay().get(timeout=60) == 1  # on the real worker when configured
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_the_cleanup_is_registered_as_a_periodic_task():
    from thrad.celery import app

    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "creatives.idempotency_records_expire"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["task"] == "creatives.idempotency_records_expire"
    assert entry["schedule"] <= 24 * 3600


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_campaign(owner):
    body = campaign_body(ad_groups=[ad_group_body(ads=[ad_body()])])
    results: list = []
    barrier = threading.Barrier(4)

    def send() -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {owner.secret}")
            barrier.wait(timeout=30)
            response = client.post("/v1/campaigns", body, format="json", HTTP_IDEMPOTENCY_KEY="race")
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 4
    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    assert (Campaign.objects.count(), AdGroup.objects.count(), Ad.objects.count()) == (1, 1, 1)
