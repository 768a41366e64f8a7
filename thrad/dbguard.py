"""A client-side deadline for the queries of web requests (PostgreSQL).

A PostgreSQL server that is paused or unreachable mid-query never answers, and the kernel keeps
acknowledging our packets, so no TCP timeout and no server-side `statement_timeout` ever fires:
the request would hang. While a web request runs (`QueryDeadlineMiddleware`), every query is
registered with one watchdog thread per process; a query still running after
DATABASE_QUERY_TIMEOUT seconds (DSP requests: DSP_QUERY_TIMEOUT, as the SSP waits 2 s at most)
has its socket shut down, psycopg raises OperationalError, the request answers 503
(thrad/errors.py), and the "database" breaker opens (thrad/pgbackend: new connections fail fast
for DEPENDENCY_COOLDOWN). Django then drops that connection and the next
request opens a fresh one (connect_timeout bounds that). Costs a dict insert and delete per
query. Management commands and Celery tasks (migrations, reconciliation) are not cut.
"""

import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

from thrad import dependencies

logger = logging.getLogger("thrad.dbguard")

_timeout: ContextVar[float] = ContextVar("thrad_db_query_timeout", default=0.0)  # 0: not cut
_POLL = 0.2


class _Watchdog:
    def __init__(self) -> None:
        self._armed: dict[int, tuple[float, int]] = {}  # token → (deadline, socket fd)
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, fd: int, deadline: float) -> int:
        token = next(self._ids)
        with self._lock:
            self._armed[token] = (deadline, fd)
            if self._thread is None:  # first use in this process (a forked child starts with none)
                self._thread = threading.Thread(target=self._run, name="db-query-deadline", daemon=True)
                self._thread.start()
        return token

    def arm_connection(self, connection: Any, timeout: float) -> int | None:
        """Arm for `connection`'s socket; None when it has none (closed: nothing can hang)."""
        try:
            fd = connection.connection.fileno()
        except Exception:  # noqa: BLE001 - no socket to watch
            return None
        return self.arm(fd, time.monotonic() + timeout)

    def forked(self) -> None:
        """In a forked child: no thread runs yet, and the parent's queries are not its own."""
        self._armed, self._lock, self._thread = {}, threading.Lock(), None

    def disarm(self, token: int) -> None:
        with self._lock:
            self._armed.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(_POLL)
            now = time.monotonic()
            with self._lock:  # a disarmed query's socket is never touched: its fd may be reused
                for token, (deadline, fd) in list(self._armed.items()):
                    if now >= deadline:
                        del self._armed[token]
                        _cut(fd)


def _cut(fd: int) -> None:
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
        logger.warning("database query passed its deadline: connection cut")
        dependencies.breaker("database").failed()  # new connections fail fast for a moment
    except OSError:
        pass
    finally:
        sock.close()


_watchdog = _Watchdog()
os.register_at_fork(after_in_child=_watchdog.forked)


@contextmanager
def deadline(connection: Any) -> Iterator[None]:
    """Cut `connection`'s socket if the block outlives this request's query deadline."""
    timeout = _timeout.get()
    token = _watchdog.arm_connection(connection, timeout) if timeout else None
    try:
        yield
    finally:
        if token is not None:
            _watchdog.disarm(token)


def _deadline_wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """`deadline()` for every query, inline (it runs on every statement of every request)."""
    timeout = _timeout.get()
    if not timeout:
        return execute(sql, params, many, context)
    dependencies.breaker("database").before()  # another request just found the database hung
    token = _watchdog.arm_connection(context["connection"], timeout)
    try:
        return execute(sql, params, many, context)
    finally:
        if token is not None:
            _watchdog.disarm(token)


@receiver(connection_created)
def _install(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "postgresql" and _deadline_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(_deadline_wrapper)


class QueryDeadlineMiddleware:
    """Queries made while this request is handled get the client-side deadline."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        dsp = request.path.startswith("/api/v1/dsp/")
        token = _timeout.set(settings.DSP_QUERY_TIMEOUT if dsp else settings.DATABASE_QUERY_TIMEOUT)
        try:
            return self.get_response(request)
        finally:
            _timeout.reset(token)
