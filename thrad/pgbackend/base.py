"""Django's PostgreSQL backend behind the "database" breaker, its health check under a deadline.

- `get_new_connection`: while the breaker is open (a connect failed, or a query was cut by the
  deadline, a moment ago) no connect is attempted: `DependencyDown` at once, so a hung server
  costs one request its timeout, not every request (a bid answers no bid at once).
- `is_usable` (CONN_HEALTH_CHECKS): a connection kept from an earlier request is checked before
  its first use in a request, so a database restart costs no request an error; the check
  bypasses execute wrappers, so it gets the query deadline here (thrad/dbguard.py).
"""

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
        with dbguard.deadline(self):
            return bool(super().is_usable())
