"""List envelope and cursor pagination of campaigns, ad groups and ads; query counts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from creatives.models import AdGroup, Campaign
from creatives.services import ad_group_create
from tests.creatives.conftest import ad_body, ad_group_body, campaign_body

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def make_campaigns(org, count, *, start=T0, step=timedelta(seconds=1)):
    """Campaigns created one `step` apart (step 0: all at one instant); public ids, oldest first."""
    return [
        str(
            Campaign.objects.create(
                organization=org,
                name=f"C{i:04d}",
                start_time=start,
                lifetime_spend_limit_micros=990_000,
                created_at=start + i * step,
            ).public_id
        )
        for i in range(count)
    ]


def walk(client, path, **params):
    """Follow `after` cursors to the end; every id seen, in order, and the pages."""
    seen, pages, cursor = [], 0, None
    while True:
        query = {**params, **({"after": cursor} if cursor else {})}
        body = client.get(path, query).json()
        pages += 1
        seen += [item["id"] for item in body["data"]]
        if not body["has_more"]:
            return seen, pages
        cursor = body["last_id"]


def test_an_empty_list_is_the_envelope_with_nulls(owner):
    body = owner.client().get("/v1/campaigns").json()
    assert body == {
        "object": "list",
        "data": [],
        "count": 0,
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }


def test_the_default_is_20_newest_first(owner):
    ids = make_campaigns(owner.org, 25)
    body = owner.client().get("/v1/campaigns").json()
    assert [c["id"] for c in body["data"]] == ids[::-1][:20]
    assert body["count"] == 20
    assert body["first_id"] == ids[-1]
    assert body["last_id"] == ids[5]
    assert body["has_more"] is True


def test_exactly_one_page_has_no_more(owner):
    ids = make_campaigns(owner.org, 5)
    body = owner.client().get("/v1/campaigns", {"limit": 5}).json()
    assert body["count"] == 5
    assert body["has_more"] is False
    after_last = owner.client().get("/v1/campaigns", {"limit": 5, "after": body["last_id"]}).json()
    assert after_last["data"] == [] and after_last["has_more"] is False
    assert [c["id"] for c in body["data"]] == ids[::-1]


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("step", [timedelta(seconds=1), timedelta(0)])
def test_after_walks_every_object_once_in_order(owner, order, step):
    ids = make_campaigns(owner.org, 23, step=step)
    seen, pages = walk(owner.client(), "/v1/campaigns", limit=5, order=order)
    assert seen == (ids if order == "asc" else ids[::-1])
    assert pages == 5


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_before_goes_back_one_page_in_the_same_order(owner, order):
    make_campaigns(owner.org, 12)
    client = owner.client()
    first = client.get("/v1/campaigns", {"limit": 5, "order": order}).json()
    second = client.get("/v1/campaigns", {"limit": 5, "order": order, "after": first["last_id"]}).json()
    back = client.get("/v1/campaigns", {"limit": 5, "order": order, "before": second["first_id"]}).json()
    assert back["data"] == first["data"]
    assert back["has_more"] is False
    third = client.get("/v1/campaigns", {"limit": 5, "order": order, "after": second["last_id"]}).json()
    assert third["count"] == 2
    back_from_third = client.get("/v1/campaigns", {"limit": 5, "order": order, "before": third["first_id"]}).json()
    assert back_from_third["data"] == second["data"]
    assert back_from_third["has_more"] is True


def test_pages_are_stable_while_objects_are_inserted(owner):
    ids = make_campaigns(owner.org, 10)
    client = owner.client()
    first = client.get("/v1/campaigns", {"limit": 4}).json()
    make_campaigns(owner.org, 3, start=T0 + timedelta(hours=1))  # newer: would shift offsets
    rest, _ = walk(client, "/v1/campaigns", limit=4, after=first["last_id"])
    assert [c["id"] for c in first["data"]] + rest == ids[::-1]


def test_an_asc_walk_sees_objects_inserted_after_it_started_at_the_end(owner):
    ids = make_campaigns(owner.org, 6)
    client = owner.client()
    first = client.get("/v1/campaigns", {"limit": 4, "order": "asc"}).json()
    newer = make_campaigns(owner.org, 2, start=T0 + timedelta(hours=1))
    rest, _ = walk(client, "/v1/campaigns", limit=4, order="asc", after=first["last_id"])
    assert [c["id"] for c in first["data"]] + rest == ids + newer


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "5.0"}, "limit"),
        ({"order": "newest"}, "order"),
        ({"after": "x", "before": "y"}, "before"),
        ({"after": "0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00"}, "after"),
        ({"before": "not-a-uuid"}, "before"),
    ],
)
def test_bad_list_parameters_are_invalid_value(owner, query, param):
    make_campaigns(owner.org, 2)
    response = owner.client().get("/v1/campaigns", query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_value"
    assert response.json()["error"]["param"] == param


def test_limits_1_and_500_are_accepted(owner):
    make_campaigns(owner.org, 3)
    assert owner.client().get("/v1/campaigns", {"limit": 1}).json()["count"] == 1
    assert owner.client().get("/v1/campaigns", {"limit": 500}).json()["count"] == 3


def test_a_cursor_from_another_list_is_refused(owner, tree):
    other = owner.client().post("/v1/campaigns", campaign_body(), format="json").json()
    response = owner.client().get("/v1/ad_groups", {"campaign_id": other["id"], "after": tree["ad_group"]["id"]})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "after"


def test_ad_groups_and_ads_lists_page_too(owner, tree):
    client = owner.client()
    campaign = Campaign.objects.get(public_id=tree["campaign"]["id"])
    for i in range(6):
        with time_machine.travel(T0 + timedelta(minutes=i), tick=False):
            ad_group_create(org=owner.org, campaign=campaign, data={**ad_group_body(name=f"G{i}"), "ads": []})
    groups, _ = walk(client, "/v1/ad_groups", campaign_id=tree["campaign"]["id"], limit=2, order="asc")
    assert len(groups) == 7 and len(set(groups)) == 7
    group_id = tree["ad_group"]["id"]
    for _ in range(4):
        client.post("/v1/ads", ad_body(ad_group_id=group_id), format="json")
    ads, pages = walk(client, "/v1/ads", ad_group_id=group_id, limit=2)
    assert len(set(ads)) == 5 and pages == 3


def _queries(client, path, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


def test_the_query_count_does_not_grow_with_the_page_size(owner, tree):
    client = owner.client()
    client.get("/v1/campaigns")  # last_used_at is written at most once a minute: do it now
    make_campaigns(owner.org, 120)
    group = AdGroup.objects.get(public_id=tree["ad_group"]["id"])
    for i in range(30):
        client.post("/v1/ads", ad_body(ad_group_id=str(group.public_id), name=f"A{i}"), format="json")
    for path, extra in [
        ("/v1/campaigns", {}),
        ("/v1/ad_groups", {"campaign_id": tree["campaign"]["id"]}),
        ("/v1/ads", {"ad_group_id": str(group.public_id)}),
    ]:
        small, _ = _queries(client, path, {**extra, "limit": 2})
        large, count = _queries(client, path, {**extra, "limit": 500})
        cursor, _ = _queries(client, path, {**extra, "limit": 500, "after": _first_id(client, path, extra)})
        assert small == large <= 5, path
        assert cursor <= 5, path
        assert count >= 1


def _first_id(client, path, extra):
    return client.get(path, {**extra, "limit": 1}).json()["first_id"]
