"""Periodic clean-up of expired bids and click tokens."""

from typing import Any

from bids import services
from thrad.celery import app

CLEANUP_EVERY_SECONDS = 3600


@app.task(name="bids.bids_expired_delete", time_limit=600, soft_time_limit=540, ignore_result=True)
def bids_expired_delete() -> int:
    """Delete bids past their retention period and expired click tokens; idempotent."""
    return services.bids_expired_delete()


@app.on_after_configure.connect
def register_periodic_tasks(sender: Any, **kwargs: Any) -> None:
    sender.add_periodic_task(CLEANUP_EVERY_SECONDS, bids_expired_delete.s(), name="bids: delete expired bids")
