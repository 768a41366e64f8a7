"""Celery shims for uploads. They take strings, need no database rows, and are idempotent."""

from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from thrad.errors import V1Error
from uploads import services
from uploads.fetch import FetchPolicy

# The fetch itself is bounded by the policy's deadline (seconds); these are the backstops.
FETCH_SOFT_TIME_LIMIT = 60
FETCH_TIME_LIMIT = 75


@shared_task(
    name="uploads.tasks.fetch_image",
    soft_time_limit=FETCH_SOFT_TIME_LIMIT,
    time_limit=FETCH_TIME_LIMIT,
    acks_late=True,
    ignore_result=False,
)
def fetch_image(url: str, stem: str, policy: dict[str, Any]) -> dict[str, Any]:
    """Fetch `url` (SSRF-guarded), validate it and store it at `stem.<ext>`; return its
    metadata or {"ok": False, code, message}. User errors are results, never retried."""
    try:
        return services.image_fetch_store(url=url, stem=stem, policy=FetchPolicy.from_json(policy))
    except SoftTimeLimitExceeded:
        services.stored_image_discard(stem=stem)
        return {
            "ok": False,
            "code": V1Error.IMAGE_FETCH_FAILED.code,
            "message": "Fetching the image took too long.",
        }


@shared_task(
    name="uploads.tasks.stored_image_cleanup", soft_time_limit=50, time_limit=60, acks_late=True, ignore_result=True
)
def stored_image_cleanup(stem: str) -> None:
    """Delete what a fetch stored under `stem` after the web process stopped waiting for it."""
    services.stored_image_discard(stem=stem)
