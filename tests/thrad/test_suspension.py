"""The core's suspension hook: `organization_suspension_changed`, sent once per change, after commit."""

import logging

import pytest
from django.db import transaction
from django.test import TestCase

from thrad.models import AuditLog
from thrad.services import organization_suspend, organization_unsuspend
from thrad.signals import organization_suspension_changed


@pytest.fixture
def received():
    calls: list[dict] = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **{k: v for k, v in kwargs.items() if k != "signal"}})

    organization_suspension_changed.connect(receiver, dispatch_uid="test-suspension-receiver")
    yield calls
    organization_suspension_changed.disconnect(dispatch_uid="test-suspension-receiver")


def test_each_change_is_sent_once_after_commit_with_the_organization_and_its_state(owner, received):
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert organization_suspend(org=owner.org, actor_label="test")
        assert received == []  # not before the suspension has committed
    assert [(c["organization_id"], c["suspended"]) for c in received] == [(owner.org.pk, True)]
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert organization_unsuspend(org=owner.org, actor_label="test")
    assert [(c["organization_id"], c["suspended"]) for c in received] == [(owner.org.pk, True), (owner.org.pk, False)]


def test_nothing_is_sent_when_nothing_changes(owner, received):
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert not organization_unsuspend(org=owner.org, actor_label="test")
    assert received == []


def test_nothing_is_sent_for_a_suspension_that_rolls_back(owner, received):
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            organization_suspend(org=owner.org, actor_label="test")
            raise RuntimeError("abort")
    assert callbacks == [] and received == []
    owner.org.refresh_from_db()
    assert not owner.org.is_suspended


def test_a_failing_receiver_is_logged_and_the_suspension_stands(owner, caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver down")

    organization_suspension_changed.connect(broken, dispatch_uid="test-broken-receiver")
    try:
        with caplog.at_level(logging.ERROR, logger="thrad.services"), TestCase.captureOnCommitCallbacks(execute=True):
            assert organization_suspend(org=owner.org, actor_label="test")
    finally:
        organization_suspension_changed.disconnect(dispatch_uid="test-broken-receiver")
    owner.org.refresh_from_db()
    assert owner.org.is_suspended
    assert AuditLog.objects.filter(action="organization.suspend").count() == 1
    assert "organization_suspension_changed receiver" in caplog.text
