"""An organization's storage quota: reserve before writing, settle when the row is recorded.

`reserve` adds the bytes with one conditional UPDATE (`used + size <= quota`, so concurrent
requests can never pass the quota) and records a `StorageReservation` in the same transaction.
`settle` deletes the reservation in the transaction that records the object's row; `release`
gives reserved bytes back on any failure, exactly once. A request killed in between leaves its
reservation behind, and the periodic reconciliation (thrad/reconcile.py) gives those bytes back.
"""

from django.db import transaction
from django.db.models import F

from thrad.models import Organization, StorageReservation


def reserve(*, org_id: int, size: int, name: str) -> StorageReservation | None:
    """Hold `size` bytes of the quota for the object at `name`; None when they do not fit."""
    with transaction.atomic():
        fits = Organization.objects.filter(pk=org_id, storage_used_bytes__lte=F("storage_quota_bytes") - size)
        if fits.update(storage_used_bytes=F("storage_used_bytes") + size) != 1:
            return None
        return StorageReservation.objects.create(organization_id=org_id, name=name, size=size)


def settle(reservation: StorageReservation) -> None:
    """The object's row is recorded (call inside that transaction): the bytes stay charged."""
    StorageReservation.objects.filter(pk=reservation.pk).delete()


def release(reservation: StorageReservation) -> bool:
    """Give the reserved bytes back, once (False if already settled or released)."""
    with transaction.atomic():
        deleted, _ = StorageReservation.objects.filter(pk=reservation.pk).delete()
        if deleted:
            give_back(org_id=reservation.organization_id, size=reservation.size)
    return bool(deleted)


def give_back(*, org_id: int, size: int) -> None:
    """Stored bytes that are gone (a deleted file): no longer charged."""
    Organization.objects.filter(pk=org_id).update(storage_used_bytes=F("storage_used_bytes") - size)
