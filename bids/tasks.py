"""Periodic clean-up of expired bids and click tokens (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from bids import services
from thrad.celery import app


@app.task(name="bids.bids_expired_delete", time_limit=600, soft_time_limit=540, ignore_result=True)
def bids_expired_delete() -> int:
    """Delete bids past their retention period and expired click tokens; idempotent."""
    return services.bids_expired_delete()
