"""Is a Celery worker consuming our queue? Workers say so in the cache; the web reads one key.

Every worker's consumer writes `celery-consumer:<queue>` to the shared cache every
WORKER_HEARTBEAT_INTERVAL seconds (a bootstep on its own event loop, so it keeps beating while
tasks run), with a time-to-live of three intervals. The key is gone a few seconds after the
last worker of a queue stopped or lost its broker, and then a URL upload answers 503 at once
instead of queueing a task nobody will run, and `/readyz` names "worker". The same for every
broker (Redis or RabbitMQ); costs the web one cache read.
"""

import logging
import time
from typing import Any

from celery import bootsteps

logger = logging.getLogger("thrad.workers")

INTERVAL = 2.0


def heartbeat_key(queue: str) -> str:
    return f"celery-consumer:{queue}"


def consuming(queue: str | None = None) -> bool:
    """A worker consumed `queue` (default: the task queue) within the last three heartbeats."""
    from django.conf import settings
    from django.core.cache import cache

    if not settings.CELERY_BROKER_URL:
        return True  # eager mode: tasks run in the calling process
    return cache.get(heartbeat_key(queue or settings.CELERY_TASK_DEFAULT_QUEUE)) is not None


def _beat(queues: list[str]) -> None:
    from django.core.cache import cache

    try:
        cache.set_many({heartbeat_key(q): time.time() for q in queues}, int(INTERVAL * 3))
    except Exception as exc:  # noqa: BLE001 - the cache is down: the web will say no worker
        logger.warning("worker heartbeat not written: %r", exc)


class ConsumerHeartbeat(bootsteps.StartStopStep):
    """Runs with the consumer: (re)started after every broker reconnect, stopped with it."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.timer_entry: Any = None

    def start(self, parent: Any) -> None:
        queues = [queue.name for queue in parent.task_consumer.queues]
        _beat(queues)
        self.timer_entry = parent.timer.call_repeatedly(INTERVAL, _beat, (queues,), priority=10)

    def stop(self, parent: Any) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    shutdown = stop
