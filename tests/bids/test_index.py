"""The serving index: built once per version, rebuilt lazily after committed changes, never a scan."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bids import index
from creatives.models import Status
from tests import factories
from tests.bids.conftest import bid


def test_the_index_is_reused_while_nothing_changes(db):
    factories.servable_ad(hints=["marathon"])
    first = index.serving_index()
    assert index.serving_index() is first


def test_a_committed_change_bumps_the_version_and_the_next_read_rebuilds(db):
    ad = factories.servable_ad(hints=["marathon"])
    before = index.serving_index()
    assert ad.ad_group_id in before.groups
    factories.save(ad.ad_group, status=Status.PAUSED)
    after = index.serving_index()
    assert after.version != before.version
    assert ad.ad_group_id not in after.groups


@pytest.mark.usefixtures("committing_db")
def test_the_version_moves_only_when_the_transaction_commits():
    ad = factories.servable_ad(hints=["marathon"])
    version = index.current_version()
    with transaction.atomic():
        ad.status = Status.PAUSED
        ad.save()
        assert index.current_version() == version  # other processes must not rebuild from old rows
    assert index.current_version() != version


@pytest.mark.usefixtures("committing_db")
def test_a_rolled_back_change_does_not_move_the_version():
    ad = factories.servable_ad(hints=["marathon"])
    version = index.current_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        ad.status = Status.PAUSED
        ad.save()
        raise RuntimeError("abort")
    assert index.current_version() == version


def test_organization_storage_updates_do_not_rebuild_but_branding_changes_do(db):
    ad = factories.servable_ad(hints=["marathon"])
    org = ad.organization
    version = index.current_version()
    org.storage_used_bytes = 10
    with factories.committed():
        org.save(update_fields=["storage_used_bytes"])
    assert index.current_version() == version
    with factories.committed():
        org.logo_url = "https://cdn.example/logo.png"
        org.save(update_fields=["logo_url"])
    assert index.current_version() != version


def queries_of_a_bid(ssp) -> list[str]:
    bid(ssp)  # warm: the index is built at most once per version
    with CaptureQueriesContext(connection) as ctx:
        assert bid(ssp).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_a_bid_runs_the_same_few_queries_whatever_the_number_of_ads(ssp):
    org = factories.organization()
    factories.servable_ad(org, hints=["marathon training"])
    few = queries_of_a_bid(ssp)
    camp = factories.campaign(org)
    for n in range(60):
        group = factories.ad_group(camp, hints=[f"topic {n}", "marathon training"], max_bid_micros=5_000_000 + n)
        factories.ad(group)
    many = queries_of_a_bid(ssp)
    assert len(many) == len(few) <= 8
    assert not any("creatives_ad" in sql for sql in many)  # no ad is read per request


def test_a_pause_through_the_creatives_api_stops_bidding_at_once(owner, ssp):
    ad = factories.servable_ad(owner.org, hints=["marathon training"])
    assert bid(ssp).status_code == 200
    with factories.committed():  # the creatives app sends serving_changed after commit
        response = owner.client().post(f"/v1/campaigns/{ad.ad_group.campaign.public_id}/pause")
    assert response.status_code == 200, response.content
    assert bid(ssp).status_code == 204


def test_suspending_the_advertiser_stops_its_bids_and_lifting_it_resumes_them(ssp):
    from thrad.services import organization_suspend, organization_unsuspend

    ad = factories.servable_ad(hints=["marathon training"])
    assert bid(ssp).status_code == 200
    with factories.committed():
        organization_suspend(org=ad.organization, actor_label="test")
    assert bid(ssp).status_code == 204
    with factories.committed():
        organization_unsuspend(org=ad.organization, actor_label="test")
    assert bid(ssp).status_code == 200
