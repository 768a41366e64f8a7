"""Dependencies that can go away (database, Redis, broker, object storage): what their failure
looks like, and the breakers that make a dead one fail fast.

`is_down(exc)` says whether an exception means "a dependency is down or too slow" (the caller
answers 503 `service_unavailable`, the DSP answers no bid). A `Breaker` remembers that a
dependency just failed: for `DEPENDENCY_COOLDOWN` seconds calls fail at once with `DependencyDown`
instead of each waiting out its own timeout, then one call tries again (the others still fail
fast) and a success closes it. Breakers are per process; nothing is shared or persisted.
"""

import logging
import threading
import time

import redis.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger("thrad.dependencies")


class DependencyDown(Exception):
    """A dependency failed a moment ago; this call was not attempted."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is unavailable (failing fast after a recent failure)")
        self.name = name


DOWN_ERRORS: tuple[type[BaseException], ...] = (
    DependencyDown,
    OperationalError,  # PostgreSQL/SQLite: cannot connect, connection lost, locked
    InterfaceError,  # a connection Django already closed
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    BrokerError,  # the Celery broker refused or dropped the publish
    ConnectionError,
    TimeoutError,
)


def is_down(exc: BaseException) -> bool:
    return isinstance(exc, DOWN_ERRORS)


def retry_after() -> str:
    """The Retry-After (seconds) of a 503."""
    return str(settings.RETRY_AFTER_SECONDS)


class Breaker:
    """Fail fast for `DEPENDENCY_COOLDOWN` seconds after a failure; then let one call try."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._open_until = 0.0
        self._lock = threading.Lock()

    def before(self) -> None:
        """Raise DependencyDown while open; past the cooldown, this caller is the one that tries."""
        if not self._open_until:
            return
        now = time.monotonic()
        with self._lock:
            if now < self._open_until:
                raise DependencyDown(self.name)
            self._open_until = now + settings.DEPENDENCY_COOLDOWN  # others keep failing fast

    def failed(self) -> None:
        cooldown = settings.DEPENDENCY_COOLDOWN
        if cooldown > 0:
            if not self._open_until:
                logger.warning("%s failed: failing fast for %.1f s", self.name, cooldown)
            self._open_until = time.monotonic() + cooldown

    def succeeded(self) -> None:
        if self._open_until:
            self._open_until = 0.0
            logger.warning("%s is back", self.name)

    def reset(self) -> None:
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker(name: str) -> Breaker:
    """The process's breaker for `name` ("redis", "storage")."""
    found = _breakers.get(name)
    if found is None:
        with _breakers_lock:
            found = _breakers.setdefault(name, Breaker(name))
    return found


def breakers_reset() -> None:
    """Close every breaker (tests)."""
    for item in list(_breakers.values()):
        item.reset()
