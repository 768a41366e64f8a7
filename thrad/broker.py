"""The Redis broker transport, fixed so a worker survives a Redis restart with a task in flight.

Why the stock transport kills the worker: when the broker connection drops, Celery's consumer
(`on_connection_error_after_connected`) first calls `connection.collect()`, which detaches the
transport (`transport.client = None`), then `connection.close()` on the same connection. That
close reaches the consuming channel a second time; the channel now gives back its unacknowledged
messages (`restore_unacked`), which needs a fresh Redis client, whose parameters are read from
`transport.client.hostname`: `AttributeError: 'NoneType' object has no attribute 'hostname'`.
An AttributeError is not a connection error, so nothing ignores it and the worker stops with
"Unrecoverable error". It happens exactly when a message is unacknowledged (a task with
`acks_late` running), which is every URL fetch.

The fix: a channel whose transport is detached answers with a *connection* error, the kind
every caller on that path already ignores. The worker then reconnects as it does for any other
broker outage; the unacknowledged message stays in Redis's unacked set and is delivered again
after the visibility timeout (the restore cannot reach a Redis that is down anyway).
Registered for the `redis://` and `rediss://` schemes when `thrad.celery` is imported.
"""

from typing import Any

import redis
from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


def install() -> None:
    """Use these transports for redis:// broker URLs in this process."""
    TRANSPORT_ALIASES["redis"] = "thrad.broker:Transport"
    TRANSPORT_ALIASES["rediss"] = "thrad.broker:Transport"
