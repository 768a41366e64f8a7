"""Celery tasks of the creatives app: periodic clean-up of expired idempotency records
(scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from creatives.idempotency import expired_records_delete


@shared_task(name="creatives.idempotency_records_expire", time_limit=300, soft_time_limit=240)
def idempotency_records_expire() -> int:
    """Delete Idempotency-Key records older than 24 h; idempotent. Returns how many."""
    return expired_records_delete()
