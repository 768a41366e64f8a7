"""Liveness and readiness probes.

`/readyz` runs every check at once, each in its own thread, and answers within READYZ_TIMEOUT
(1.5 s by default) whatever hangs: a check that has not finished by then counts as failed
("timeout"). With a broker configured, a Celery worker consuming the task queue is a check too.
"""

import contextvars
import logging
import secrets
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse

from thrad import storage, workers

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # this thread's own connection: don't leave it open


def _check_cache() -> None:
    probe = secrets.token_hex(4)
    cache.set("readyz", probe, 10)
    if cache.get("readyz") != probe:
        raise RuntimeError("cache did not return what was written")


def _check_broker() -> None:
    if not settings.CELERY_BROKER_URL:
        return  # eager mode: tasks run in-process
    from thrad.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.READYZ_TIMEOUT)


def _check_worker() -> None:
    if not workers.consuming():
        raise RuntimeError("no Celery worker consuming")


def _check_storage() -> None:
    storage.exists("readyz-probe")


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
    "worker": _check_worker,
    "storage": _check_storage,
}


def _run(name: str, check: Callable[[], None], results: dict[str, str]) -> None:
    try:
        check()
        results[name] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        logger.warning("readyz: %s failed: %r", name, exc)
        results[name] = "no Celery worker consuming" if name == "worker" else "failed"


def readyz(request: HttpRequest) -> JsonResponse:
    """Each dependency checked in parallel with one deadline; 503 naming the ones that failed."""
    results: dict[str, str] = {}
    threads = [
        # each in a copy of this request's context: its queries get the request's deadline too
        threading.Thread(target=contextvars.copy_context().run, args=(_run, name, check, results), daemon=True)
        for name, check in CHECKS.items()
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + settings.READYZ_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    checks = {name: results.get(name, "timeout") for name in CHECKS}
    failed = [name for name, result in checks.items() if result != "ok"]
    body = {"status": "unavailable" if failed else "ok", "checks": checks, "failed": failed}
    response = JsonResponse(body, status=503 if failed else 200)
    response["Cache-Control"] = "no-store"
    return response
