"""Periodic upkeep of the platform core."""

from typing import Any

from celery import shared_task

from thrad import ratelimit, reconcile


@shared_task(time_limit=60, soft_time_limit=50)
def ratelimit_counters_cleanup() -> int:
    """Delete database rate-limit counters whose window has ended; returns how many."""
    return ratelimit.expired_counters_delete()


@shared_task(name="thrad.tasks.storage_reconcile", time_limit=1800, soft_time_limit=1700, ignore_result=True)
def storage_reconcile() -> dict[str, Any]:
    """Give back stale quota reservations, delete unreferenced stored objects, correct usage."""
    report = reconcile.reconcile()
    return {k: v for k, v in report.__dict__.items() if k != "corrections"}
