"""Reconciliation gives back what dead requests left: quota reserved for parts never recorded,
stored bytes no row refers to (under uploads/, files/, creatives/), and drifted usage."""

import io
import logging
import secrets
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from files.models import StoredFile
from files.services import stored_file_key
from tests.files.samples import FILES, UPLOAD, org_used
from thrad import quota, reconcile, storage
from thrad.models import Organization, StorageReservation

pytestmark = pytest.mark.django_db

LATER = timedelta(hours=2)  # past the default grace (RECONCILE_GRACE, 1 hour)


def _later():
    return timezone.now() + LATER


def _store(name: str, data: bytes = b"left behind") -> str:
    return storage.save(name, ContentFile(data))


def _dead_upload(org: Organization, data: bytes = b"x" * 1000) -> str:
    """What a worker killed mid-upload leaves: the quota reserved, the bytes stored, no row."""
    key = stored_file_key(org=org, filename="killed.bin")
    assert quota.reserve(org_id=org.pk, size=len(data), name=key) is not None
    _store(key, data)
    return key


def test_a_request_killed_after_storing_leaves_nothing_once_reconciled(owner, caplog):
    client = owner.client()
    kept = client.post(UPLOAD, {"files": [SimpleUploadedFile("kept.txt", b"keep me")]}, format="multipart")
    assert kept.status_code == 200
    used = org_used(owner.org)
    key = _dead_upload(owner.org)
    assert org_used(owner.org) == used + 1000  # charged for a file nobody can see

    with caplog.at_level(logging.WARNING, logger="thrad.reconcile"):
        report = reconcile.reconcile(now=_later())

    assert org_used(owner.org) == used == sum(StoredFile.objects.values_list("size", flat=True))
    assert not storage.exists(key)
    assert storage.exists(kept.json()["uploaded"][0]["key"])
    assert not StorageReservation.objects.exists()
    assert report.reservations_released == 1 and report.bytes_released == 1000
    assert any(key in line and "gave back 1000 bytes" in line for line in report.corrections)
    assert any(key in line and "no row refers to it" in line for line in report.corrections)
    assert any(key in record.getMessage() for record in caplog.records)
    assert client.get(FILES).json()["usage"]["usedBytes"] == used


def test_young_reservations_and_objects_are_left_alone(owner):
    key = _dead_upload(owner.org)
    used = org_used(owner.org)
    report = reconcile.reconcile()  # now: both are younger than the grace (an upload in flight)
    assert storage.exists(key)
    assert org_used(owner.org) == used  # the live reservation counts toward the usage
    assert StorageReservation.objects.filter(name=key).exists()
    assert key not in " ".join(report.corrections)


def test_unreferenced_objects_under_each_prefix_are_deleted_and_referenced_ones_kept(owner):
    org = owner.org
    orphans = [
        _store(f"uploads/2026/01/{secrets.token_hex(16)}.png"),
        _store(f"files/{org.public_id}/{secrets.token_hex(8)}_a.txt"),
        _store(f"creatives/{org.public_id}/{secrets.token_hex(16)}.png"),
    ]
    response = owner.client().post(UPLOAD, {"files": [SimpleUploadedFile("kept.txt", b"keep")]}, format="multipart")
    referenced = response.json()["uploaded"][0]["key"]
    elsewhere = _store(f"other/{secrets.token_hex(8)}.bin")  # not a prefix reconciliation owns

    report = reconcile.reconcile(now=_later())

    assert [storage.exists(name) for name in orphans] == [False, False, False]
    assert storage.exists(referenced) and storage.exists(elsewhere)
    assert {name for name in orphans} <= {line.split()[1] for line in report.corrections if line.startswith("deleted")}
    storage.delete(elsewhere)


def test_usage_that_drifted_is_set_to_the_sum_of_stored_files(owner, outsider):
    client = owner.client()
    sizes = [
        client.post(UPLOAD, {"files": [SimpleUploadedFile(f"{n}.txt", b"a" * (n + 1))]}, format="multipart").json()[
            "uploaded"
        ][0]["size"]
        for n in range(3)
    ]
    Organization.objects.filter(pk=owner.org.pk).update(storage_used_bytes=10_000)
    before_outsider = org_used(outsider.org)

    report = reconcile.reconcile()

    assert org_used(owner.org) == sum(sizes)
    assert org_used(outsider.org) == before_outsider == 0
    assert report.usage_corrected == 1
    assert f"organization {owner.org.pk} usage 10000 → {sum(sizes)} bytes" in report.corrections[0]


def test_a_dry_run_changes_nothing_and_the_command_reports(owner):
    key = _dead_upload(owner.org)
    used = org_used(owner.org)
    out = io.StringIO()
    call_command("reconcile_storage", "--grace", "0", "--dry-run", stdout=out)
    assert storage.exists(key) and org_used(owner.org) == used
    assert "would release 1 reservations (1000 bytes)" in out.getvalue()

    out = io.StringIO()
    call_command("reconcile_storage", "--grace", "0", stdout=out)
    assert not storage.exists(key) and org_used(owner.org) == used - 1000
    assert "released 1 reservations (1000 bytes)" in out.getvalue()
    assert key in out.getvalue()
