"""Celery tasks of the creatives app: periodic clean-up of expired idempotency records."""

from typing import Any

from celery import shared_task

from creatives.idempotency import expired_records_delete
from thrad.celery import app

CLEANUP_EVERY_SECONDS = 3600.0


@shared_task(name="creatives.idempotency_records_expire", time_limit=300, soft_time_limit=240)
def idempotency_records_expire() -> int:
    """Delete Idempotency-Key records older than 24 h; idempotent. Returns how many."""
    return expired_records_delete()


@app.on_after_configure.connect
def register_periodic_tasks(sender: Any, **kwargs: Any) -> None:
    # By name: the task proxy may not be evaluable yet while the app configures itself.
    cleanup = sender.signature("creatives.idempotency_records_expire")
    sender.add_periodic_task(CLEANUP_EVERY_SECONDS, cleanup, name="creatives: expire idempotency records")


if app.configured:  # the signal has already fired when this module is imported late (autodiscovery)
    register_periodic_tasks(app)
