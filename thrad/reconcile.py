"""Reconciliation: nothing a dead request leaves behind stays for long (every correction logged).

A request killed half-way (a worker SIGKILLed, a lost connection, a storage or database outage
in the middle of a write) can leave three things behind, and `reconcile()` corrects each:

1. quota reserved for an object whose row was never recorded: a `StorageReservation` older than
   RECONCILE_GRACE is released (its bytes given back);
2. stored bytes no row refers to: an object under a registered prefix (`uploads/`, `files/`,
   `creatives/`) older than the grace that no row and no live reservation names is deleted;
3. organization usage that drifted: `storage_used_bytes` is set to the sum of the organization's
   stored files plus its live reservations, under the organization's row lock.

The core knows no feature app: each app registers, in its AppConfig.ready(), the prefix it
stores under with a function saying which of a batch of names its rows refer to, and (the Files
API) a per-organization expression of the bytes its rows hold. Runs as the Celery beat task
`thrad.tasks.storage_reconcile` and as `manage.py reconcile_storage`.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Expression, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from thrad import quota, storage
from thrad.models import Organization, StorageReservation

logger = logging.getLogger("thrad.reconcile")

Referenced = Callable[[list[str]], set[str]]
BATCH = 500

_prefixes: dict[str, Referenced] = {}
_usage: list[Callable[[], Any]] = []


def register_prefix(prefix: str, referenced: Referenced) -> None:
    """Objects under `prefix` belong to the caller; `referenced(names)` returns those its rows name."""
    _prefixes[prefix] = referenced


def register_usage(expression: Callable[[], Any]) -> None:
    """A per-organization (OuterRef("pk")) expression of the bytes counted against its quota."""
    if expression not in _usage:
        _usage.append(expression)


@dataclass
class Report:
    reservations_released: int = 0
    bytes_released: int = 0
    objects_deleted: int = 0
    bytes_deleted: int = 0
    usage_corrected: int = 0
    dry_run: bool = False
    corrections: list[str] = field(default_factory=list)

    def note(self, message: str, *args: object) -> None:
        text = message % args
        self.corrections.append(text)
        logger.warning("reconcile%s: %s", " (dry run)" if self.dry_run else "", text)


def reconcile(*, grace: int | None = None, dry_run: bool = False, now: datetime | None = None) -> Report:
    """Run the three corrections; with `dry_run` only report what would change."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.RECONCILE_GRACE if grace is None else grace)
    report = Report(dry_run=dry_run)
    _release_stale_reservations(cutoff, report)
    for prefix, referenced in sorted(_prefixes.items()):
        _delete_unreferenced(prefix, referenced, cutoff, report)
    _correct_usage(report)
    logger.info("reconcile done: %s", {k: v for k, v in report.__dict__.items() if k != "corrections"})
    return report


def _release_stale_reservations(cutoff: datetime, report: Report) -> None:
    stale = StorageReservation.objects.filter(created_at__lt=cutoff).order_by("pk")
    for reservation in stale.iterator(chunk_size=BATCH):
        if report.dry_run or quota.release(reservation):
            report.reservations_released += 1
            report.bytes_released += reservation.size
            report.note(
                "gave back %d bytes of organization %d reserved at %s for %s (never recorded)",
                reservation.size,
                reservation.organization_id,
                reservation.created_at.isoformat(),
                reservation.name,
            )


def _batches(items: Iterable[storage.StoredObject], size: int) -> Iterator[list[storage.StoredObject]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _delete_unreferenced(prefix: str, referenced: Referenced, cutoff: datetime, report: Report) -> None:
    for batch in _batches(storage.listing(prefix), BATCH):
        old = [obj for obj in batch if obj.modified_at < cutoff]
        if not old:
            continue
        names = [obj.name for obj in old]
        kept = referenced(names) | set(StorageReservation.objects.filter(name__in=names).values_list("name", flat=True))
        for obj in old:
            if obj.name in kept:
                continue
            if not report.dry_run:
                storage.delete(obj.name)
            report.objects_deleted += 1
            report.bytes_deleted += obj.size
            report.note(
                "deleted %s (%d bytes, stored %s): no row refers to it", obj.name, obj.size, obj.modified_at.isoformat()
            )


def _with_usage() -> QuerySet[Organization]:
    stored: Expression = Value(0)
    for expression in _usage:
        stored = stored + Coalesce(expression(), Value(0))  # type: ignore[operator]
    reserved = Subquery(
        StorageReservation.objects.filter(organization=OuterRef("pk"))
        .values("organization")
        .annotate(total=Sum("size"))
        .values("total")
    )
    return Organization.objects.annotate(expected=stored + Coalesce(reserved, Value(0)))


def _correct_usage(report: Report) -> None:
    if not _usage:
        return
    drifted = _with_usage().exclude(storage_used_bytes=F("expected")).values_list("pk", flat=True)
    for org_id in list(drifted):
        with transaction.atomic():
            # The lock waits for a reservation or release in flight; the next statement (one
            # snapshot for both sums) then sees it committed.
            Organization.objects.select_for_update().filter(pk=org_id).values_list("pk").first()
            row = _with_usage().filter(pk=org_id).values_list("storage_used_bytes", "expected").first()  # type: ignore[misc]
            if row is None or row[0] == row[1]:
                continue
            if not report.dry_run:
                Organization.objects.filter(pk=org_id).update(storage_used_bytes=row[1])
        report.usage_corrected += 1
        report.note(
            "organization %d usage %d → %d bytes (the sum of its stored files and live reservations)",
            org_id,
            row[0],
            row[1],
        )
