"""Per-process bounds on slow work, so the DSP always finds a free thread.

gunicorn runs each worker process with a pool of threads (gunicorn.conf.py). Three kinds of
request hold a thread for long, at a pace set by someone else: a URL upload waiting for its
fetch (`fetch`), a large request body arriving (`body`: Content-Length of at least
SLOW_BODY_MIN_BYTES, or chunked), and a stored file or creative image streaming out (`stream`).
Each kind may hold at most SLOW_<KIND>_SLOTS threads of a process at once; one more is refused
at once with 503 `service_unavailable` and `Retry-After`, never queued. Everything else (bids,
renders, clicks, small JSON requests) never waits on a slot.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from thrad.dependencies import retry_after
from thrad.errors import PlatformError, error_response

logger = logging.getLogger("thrad.bounds")

BUSY = "This server is busy with slow requests of this kind; try again in a few seconds."


class Bound:
    """A counter of slots in use; the size is read from settings on every acquire."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.in_use = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return int(getattr(settings, f"SLOW_{self.kind.upper()}_SLOTS"))

    def try_acquire(self) -> bool:
        with self._lock:
            if self.in_use >= self.size:
                return False
            self.in_use += 1
            return True

    def release(self) -> None:
        with self._lock:
            self.in_use -= 1


BOUNDS = {kind: Bound(kind) for kind in ("fetch", "body", "stream")}


def busy() -> Exception:
    return PlatformError.SERVICE_UNAVAILABLE(BUSY, headers={"Retry-After": retry_after()})


def acquire(kind: str) -> Callable[[], None]:
    """Take a slot of `kind` or raise 503 at once; returns the function that gives it back."""
    bound = BOUNDS[kind]
    if not bound.try_acquire():
        logger.warning("slow-work bound reached: %s (%d in use)", kind, bound.in_use)
        raise busy()
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            bound.release()

    return release


@contextmanager
def slot(kind: str) -> Iterator[None]:
    """Hold a slot of `kind` for the block (503 at once when none is free)."""
    release = acquire(kind)
    try:
        yield
    finally:
        release()


def held_until_closed(response: HttpResponseBase, release: Callable[[], None]) -> HttpResponseBase:
    """Keep a slot until the server has finished sending `response` (streams outlive the view)."""
    response._resource_closers.append(release)  # type: ignore[attr-defined]  # called by close()
    return response


def has_slow_body(request: HttpRequest) -> bool:
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return True
    declared = request.META.get("CONTENT_LENGTH") or ""
    return declared.strip().isdigit() and int(declared) >= settings.SLOW_BODY_MIN_BYTES


class SlowBodyMiddleware:
    """A request with a large body holds a `body` slot while it is handled, or gets a fast 503
    (in its API family's error shape) without a byte of the body being read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not has_slow_body(request):
            return self.get_response(request)
        bound = BOUNDS["body"]
        if not bound.try_acquire():
            logger.warning("slow-work bound reached: body (%d in use) %s", bound.in_use, request.path)
            return _busy_response(request)
        try:
            return self.get_response(request)
        finally:
            bound.release()


def _busy_response(request: HttpRequest) -> HttpResponse:
    response = error_response(request, busy())  # type: ignore[arg-type]
    response["Retry-After"] = retry_after()
    return response
