"""Periodic upkeep of the platform core."""

from celery import shared_task

from thrad import ratelimit


@shared_task(time_limit=60, soft_time_limit=50)
def ratelimit_counters_cleanup() -> int:
    """Delete database rate-limit counters whose window has ended; returns how many."""
    return ratelimit.expired_counters_delete()
