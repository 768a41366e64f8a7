"""serving_changed: sent after commit by every write that can change which ads serve."""

import pytest

from creatives.signals import serving_changed
from tests.creatives.conftest import ad_body, ad_group_body, approve, campaign_body


@pytest.fixture
def received():
    calls: list[dict] = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    serving_changed.connect(receiver)
    yield calls
    serving_changed.disconnect(receiver)


def test_every_serving_write_notifies_after_commit(owner, tree, received, django_capture_on_commit_callbacks):
    client, org_id = owner.client(), owner.org.pk
    c, g, a = tree["campaign"]["id"], tree["ad_group"]["id"], tree["ad"]["id"]
    writes = [
        lambda: client.post("/v1/campaigns", campaign_body(), format="json"),
        lambda: client.post(f"/v1/campaigns/{c}", {"name": "New name"}, format="json"),
        lambda: approve(c),
        lambda: client.post(f"/v1/campaigns/{c}/activate"),
        lambda: client.post(f"/v1/campaigns/{c}/pause"),
        lambda: client.post(f"/v1/campaigns/{c}/archive"),
        lambda: client.post("/v1/ad_groups", ad_group_body(campaign_id=c), format="json"),
        lambda: client.post(f"/v1/ad_groups/{g}", {"context_hints": ["5k"]}, format="json"),
        lambda: client.post(f"/v1/ad_groups/{g}/archive"),
        lambda: client.post("/v1/ads", ad_body(ad_group_id=g), format="json"),
        lambda: client.post(f"/v1/ads/{a}", {"creative": {"title": "T"}}, format="json"),
        lambda: client.post(f"/v1/ads/{a}/pause"),
    ]
    for index, write in enumerate(writes):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            write()
            assert received == [{"signal": serving_changed, "organization_id": org_id}] * index
        assert len(callbacks) == 1, index
        assert received == [{"signal": serving_changed, "organization_id": org_id}] * (index + 1)


def test_failed_writes_and_reads_do_not_notify(owner, tree, received, django_capture_on_commit_callbacks):
    client = owner.client()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post("/v1/campaigns", campaign_body(name="no"), format="json")
        client.post(f"/v1/campaigns/{tree['campaign']['id']}/activate")  # not approved
        client.get("/v1/campaigns")
        client.get(f"/v1/ads/{tree['ad']['id']}")
    assert callbacks == [] and received == []


def test_a_failing_receiver_does_not_fail_the_request(owner, django_capture_on_commit_callbacks, caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    serving_changed.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = owner.client().post("/v1/campaigns", campaign_body(), format="json")
    finally:
        serving_changed.disconnect(broken)
    assert response.status_code == 201
    assert any("serving_changed receiver" in r.message for r in caplog.records)
