"""Suspension reaches the DSP through the core's hook, whichever path suspends.

The core suspends with a bulk update (no model signal) and sends
`thrad.signals.organization_suspension_changed` after commit; the bids app's receiver bumps the
serving index. Audit entries are records, not triggers.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from bids import index
from tests import factories
from tests.bids.conftest import bid
from thrad.models import AuditLog
from thrad.services import organization_suspend, organization_unsuspend

ADMIN_ORGS = "/admin/thrad/organization/"


@pytest.fixture
def staff(client, db):
    user = get_user_model().objects.create_superuser("sam", "sam@example.com", "pw-123456789")
    client.force_login(user)
    return client


def _suspend_with_the_service(org, staff) -> None:
    assert organization_suspend(org=org, actor_label="test")


def _suspend_with_the_admin_action(org, staff) -> None:
    response = staff.post(ADMIN_ORGS, {"action": "suspend_organizations", "_selected_action": [org.pk]})
    assert response.status_code == 302


def _unsuspend_with_the_service(org, staff) -> None:
    assert organization_unsuspend(org=org, actor_label="test")


def _unsuspend_with_the_admin_action(org, staff) -> None:
    response = staff.post(ADMIN_ORGS, {"action": "unsuspend_organizations", "_selected_action": [org.pk]})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("suspend", "unsuspend"),
    [
        (_suspend_with_the_service, _unsuspend_with_the_service),
        (_suspend_with_the_admin_action, _unsuspend_with_the_admin_action),
    ],
    ids=["service", "admin-action"],
)
def test_each_suspension_path_stops_bidding_and_lifting_it_resumes(ssp, staff, suspend, unsuspend):
    ad = factories.servable_ad(hints=["marathon training"])
    org = ad.organization
    assert bid(ssp).status_code == 200  # the index is built and cached in this process
    with factories.committed():
        suspend(org, staff)
    assert bid(ssp).status_code == 204
    assert AuditLog.objects.filter(organization=org, action="organization.suspend").count() == 1
    with factories.committed():
        unsuspend(org, staff)
    assert bid(ssp).status_code == 200
    assert AuditLog.objects.filter(organization=org, action="organization.unsuspend").count() == 1


def test_an_audit_entry_alone_does_not_touch_the_serving_index(ssp):
    ad = factories.servable_ad(hints=["marathon training"])
    assert bid(ssp).status_code == 200
    version = index.current_version()
    with factories.committed():
        AuditLog.objects.create(organization=ad.organization, action="organization.suspend", target="x")
    assert index.current_version() == version
    assert bid(ssp).status_code == 200


def test_suspending_an_already_suspended_organization_leaves_the_index_alone(db):
    ad = factories.servable_ad(hints=["marathon training"])
    with factories.committed():
        organization_suspend(org=ad.organization, actor_label="test")
    version = index.current_version()
    with factories.committed():
        assert not organization_suspend(org=ad.organization, actor_label="test")
    assert index.current_version() == version


@pytest.mark.usefixtures("committing_db")
def test_a_suspension_rolled_back_with_its_transaction_leaves_the_index_alone():
    ad = factories.servable_ad(hints=["marathon training"])
    version = index.current_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        organization_suspend(org=ad.organization, actor_label="test")
        raise RuntimeError("abort")
    assert index.current_version() == version
    ad.organization.refresh_from_db()
    assert not ad.organization.is_suspended
    assert not AuditLog.objects.filter(action="organization.suspend").exists()
