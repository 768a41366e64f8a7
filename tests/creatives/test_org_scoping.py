"""Another organization's ids are 404 everywhere, as paths, filters and references."""

import pytest

from creatives.models import Ad, AdGroup, Campaign
from tests.creatives.conftest import ad_body, ad_group_body, campaign_body


@pytest.fixture
def foreign(outsider):
    """A full tree owned by the outsider's organization."""
    client = outsider.client()
    campaign = client.post(
        "/v1/campaigns", campaign_body(ad_groups=[ad_group_body(ads=[ad_body()])]), format="json"
    ).json()
    group = client.get(f"/v1/ad_groups?campaign_id={campaign['id']}").json()["data"][0]
    ad = client.get(f"/v1/ads?ad_group_id={group['id']}").json()["data"][0]
    return {"campaign": campaign["id"], "ad_group": group["id"], "ad": ad["id"]}


def requests_for(ids):
    c, g, a = ids["campaign"], ids["ad_group"], ids["ad"]
    return [
        ("get", f"/v1/campaigns/{c}", None),
        ("post", f"/v1/campaigns/{c}", {"name": "Hijacked"}),
        ("post", f"/v1/campaigns/{c}/activate", None),
        ("post", f"/v1/campaigns/{c}/pause", None),
        ("post", f"/v1/campaigns/{c}/archive", None),
        ("get", f"/v1/ad_groups?campaign_id={c}", None),
        ("post", "/v1/ad_groups", ad_group_body(campaign_id=c)),
        ("get", f"/v1/ad_groups/{g}", None),
        ("post", f"/v1/ad_groups/{g}", {"name": "Hijacked"}),
        ("post", f"/v1/ad_groups/{g}/activate", None),
        ("post", f"/v1/ad_groups/{g}/pause", None),
        ("post", f"/v1/ad_groups/{g}/archive", None),
        ("get", f"/v1/ads?ad_group_id={g}", None),
        ("post", "/v1/ads", ad_body(ad_group_id=g)),
        ("get", f"/v1/ads/{a}", None),
        ("post", f"/v1/ads/{a}", {"name": "Hijacked"}),
        ("post", f"/v1/ads/{a}/activate", None),
        ("post", f"/v1/ads/{a}/pause", None),
        ("post", f"/v1/ads/{a}/archive", None),
    ]


def test_every_id_of_another_organization_is_404_and_nothing_changes(owner, foreign):
    client = owner.client()
    before = [list(model.objects.order_by("pk").values()) for model in (Campaign, AdGroup, Ad)]
    for method, path, body in requests_for(foreign):
        response = getattr(client, method)(path, body, format="json") if body else getattr(client, method)(path)
        assert response.status_code == 404, (method, path, response.json())
        assert response.json()["error"]["type"] == "not_found_error"
        assert response.json()["error"]["code"] == "not_found"
    after = [list(model.objects.order_by("pk").values()) for model in (Campaign, AdGroup, Ad)]
    assert after == before


def test_a_foreign_id_answers_exactly_like_an_unknown_one(owner, foreign):
    client = owner.client()
    unknown = "0b5cc0b4-4a2c-4c8a-9bfb-1a8e2c0e1f00"
    for kind in ("campaign", "ad_group", "ad"):
        foreign_requests = requests_for({**{k: unknown for k in foreign}, kind: foreign[kind]})
        unknown_requests = requests_for({k: unknown for k in foreign})
        for (method, path, body), (_, unknown_path, unknown_body) in zip(
            foreign_requests, unknown_requests, strict=True
        ):
            send = getattr(client, method)
            a = send(path, body, format="json") if body else send(path)
            b = send(unknown_path, unknown_body, format="json") if unknown_body else send(unknown_path)
            assert (a.status_code, a.json()) == (b.status_code, b.json())


def test_lists_show_only_the_callers_objects(owner, outsider, foreign, tree):
    assert [c["id"] for c in owner.client().get("/v1/campaigns").json()["data"]] == [tree["campaign"]["id"]]
    assert [c["id"] for c in outsider.client().get("/v1/campaigns").json()["data"]] == [foreign["campaign"]]


def test_a_foreign_cursor_is_refused_like_an_unknown_one(owner, foreign, tree):
    response = owner.client().get("/v1/campaigns", {"after": foreign["campaign"]})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "after"


def test_the_ad_account_is_the_callers_own(owner, outsider):
    mine = owner.client().get("/v1/ad_account").json()
    theirs = outsider.client().get("/v1/ad_account").json()
    assert mine["id"] == str(owner.org.public_id)
    assert theirs["id"] == str(outsider.org.public_id)
