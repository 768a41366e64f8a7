"""Django's PostgreSQL backend behind the "database" breaker, its health check under a deadline.

- `get_new_connection`: while the breaker is open (a connect failed, or a query was cut by the
  deadline, a moment ago) no connect is attempted: `DependencyDown` at once, so a hung server
  costs one request its timeout, not every request (a bid answers no bid at once).
- `is_usable` (CONN_HEALTH_CHECKS): a connection kept from an earlier request is checked before
  its first use in a request, so a database restart costs no request an error. Django's check
  is a `SELECT 1` round trip on every request; here it is a poll of the socket first: an idle
  connection the server is still serving has nothing to read, while one the server closed (a
  restart, a terminated backend, an idle timeout) has its FATAL notice or its end of stream
  waiting. Only then does the `SELECT 1` run, under the query deadline (the check bypasses
  execute wrappers; thrad/dbguard.py). A peer that vanished without a word is not seen by
  either check before the query: the deadline and the breaker handle that.
"""

import select
from typing import Any

from django.db.backends.postgresql import base

from thrad import dbguard, dependencies


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        breaker = dependencies.breaker("database")
        breaker.before()
        try:
            connection = super().get_new_connection(conn_params)
        except Exception:
            breaker.failed()
            raise
        breaker.succeeded()
        return connection

    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        poller = select.poll()  # not select(): a worker may hold more than 1,024 descriptors
        try:
            poller.register(self.connection.fileno(), select.POLLIN)
        except (OSError, ValueError):  # the socket is gone
            return False
        if not poller.poll(0):
            return True
        with dbguard.deadline(self):
            return bool(super().is_usable())
