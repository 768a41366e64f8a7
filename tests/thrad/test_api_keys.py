"""Key lifecycle: create, rotate with grace, revoke, expiry, and the one-active-key constraint."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from thrad import keys
from thrad.errors import PlatformError, V1Error
from thrad.models import ApiKey, AuditLog, Organization
from thrad.selectors import api_key_authenticate
from thrad.services import (
    api_key_create,
    api_key_mark_used,
    api_key_revoke,
    api_key_rotate,
    organization_create,
)


def test_only_a_digest_and_prefix_are_stored(owner):
    row = ApiKey.objects.get(pk=owner.key.pk)
    assert owner.secret.startswith("ak_")
    assert owner.secret not in (row.prefix, row.digest)
    assert row.digest == keys.digest(owner.secret)
    assert owner.secret.startswith(f"ak_{row.prefix}_")


def test_a_second_create_is_refused_while_a_key_is_active(owner):
    with pytest.raises(V1Error.ACTIVE_KEY_EXISTS.exc):
        api_key_create(org=owner.org)
    assert ApiKey.objects.filter(organization=owner.org, status="active").count() == 1


def test_the_database_refuses_a_second_active_key_even_without_the_service(owner):
    new = keys.generate("ak")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.create(organization=owner.org, prefix=new.prefix, digest=new.digest)


@pytest.mark.django_db
def test_rotation_keeps_the_old_key_working_for_the_grace_window(settings):
    settings.API_KEY_ROTATION_GRACE = 1800
    org = organization_create(name="Rot")
    with time_machine.travel("2026-06-01 12:00:00+00:00", tick=False) as clock:
        _, old_secret = api_key_create(org=org)
        _, new_secret = api_key_rotate(org=org)
        assert api_key_authenticate(secret=old_secret) is not None
        assert api_key_authenticate(secret=new_secret) is not None
        clock.shift(timedelta(seconds=1799))
        assert api_key_authenticate(secret=old_secret) is not None
        clock.shift(timedelta(seconds=2))
        assert api_key_authenticate(secret=old_secret) is None
        assert api_key_authenticate(secret=new_secret) is not None


@pytest.mark.django_db
def test_a_second_rotation_ends_the_older_grace_key_at_once():
    org = organization_create(name="Rot2")
    _, first = api_key_create(org=org)
    _, second = api_key_rotate(org=org)
    _, third = api_key_rotate(org=org)
    assert api_key_authenticate(secret=first) is None
    assert api_key_authenticate(secret=second) is not None
    assert api_key_authenticate(secret=third) is not None
    assert ApiKey.objects.filter(organization=org, status="grace").count() == 1


def test_revoke_stops_a_key_at_once_and_is_audited(owner):
    api_key_revoke(org=owner.org, key_id=str(owner.key.public_id), by_user=owner.user, ip="203.0.113.9")
    assert api_key_authenticate(secret=owner.secret) is None
    entry = AuditLog.objects.filter(organization=owner.org, action="api_key.revoke").get()
    assert entry.actor == owner.user
    assert entry.ip_address == "203.0.113.9"


def test_an_outsider_cannot_revoke_anothers_key(owner, outsider):

    with pytest.raises(PlatformError.NOT_FOUND.exc):
        api_key_revoke(org=outsider.org, key_id=str(owner.key.public_id))
    assert api_key_authenticate(secret=owner.secret) is not None


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_leave_exactly_one_active_key():
    org = organization_create(name="Race")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create() -> None:
        barrier.wait()
        try:
            api_key_create(org=Organization.objects.get(pk=org.pk))
            outcomes.append("created")
        except V1Error.ACTIVE_KEY_EXISTS.exc:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "refused"]
    assert ApiKey.objects.filter(organization=org, status="active").count() == 1


def test_a_key_with_an_expiry_stops_at_that_time(db):
    org = organization_create(name="Exp")
    with time_machine.travel("2026-06-01 12:00:00+00:00", tick=False) as clock:
        _, secret = api_key_create(org=org, expires_at=timezone.now() + timedelta(hours=1))
        assert api_key_authenticate(secret=secret) is not None
        clock.shift(timedelta(hours=1))
        assert api_key_authenticate(secret=secret) is None


def test_authenticating_a_key_only_reads(owner):
    with CaptureQueriesContext(connection) as ctx:
        assert api_key_authenticate(secret=owner.secret) is not None
    assert ctx.captured_queries
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in ctx.captured_queries)
    assert ApiKey.objects.get(pk=owner.key.pk).last_used_at is None


def test_marking_a_key_used_writes_at_most_once_a_minute(db):
    org = organization_create(name="Used")
    with time_machine.travel("2026-06-01 12:00:00+00:00", tick=False) as clock:
        key, _ = api_key_create(org=org)
        started = timezone.now()
        assert api_key_mark_used(api_key=key)
        assert ApiKey.objects.get(pk=key.pk).last_used_at == started
        clock.shift(timedelta(seconds=30))
        assert not api_key_mark_used(api_key=ApiKey.objects.get(pk=key.pk))
        assert not api_key_mark_used(api_key=key)  # a stale copy: the database row decides
        assert ApiKey.objects.get(pk=key.pk).last_used_at == started
        clock.shift(timedelta(seconds=31))
        assert api_key_mark_used(api_key=ApiKey.objects.get(pk=key.pk))
        assert ApiKey.objects.get(pk=key.pk).last_used_at == started + timedelta(seconds=61)
