"""Fixed-window rate limits, counted atomically across processes.

One interface, two counters: Redis (a Lua script that increments and sets the expiry in one
step) when `REDIS_URL` is set, otherwise one SQL upsert (`INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`) that PostgreSQL and SQLite both run atomically. Every hit is counted, so concurrent
requests can never let more than `limit` through in a window.
"""

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

import redis
from django.conf import settings
from django.db import connection

from thrad import dependencies
from thrad.models import RateLimitCounter


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # Unix seconds when the window ends
    retry_after: int  # seconds; 0 when allowed

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }


class Counter(Protocol):
    def increment(self, key: str, expires_at: int) -> int: ...


_INCR_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIREAT', KEYS[1], ARGV[1]) end
return count
"""


class RedisCounter:
    """Behind the "redis" breaker: a dead Redis costs one REDIS_TIMEOUT, then fails at once."""

    def __init__(self, url: str) -> None:
        timeout = settings.REDIS_TIMEOUT
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        self._script = client.register_script(_INCR_SCRIPT)

    def increment(self, key: str, expires_at: int) -> int:
        breaker = dependencies.breaker("redis")
        breaker.before()
        try:
            count = int(self._script(keys=[key], args=[expires_at]))
        except dependencies.DOWN_ERRORS:
            breaker.failed()
            raise
        breaker.succeeded()
        return count


class SqlCounter:
    def increment(self, key: str, expires_at: int) -> int:
        q = connection.ops.quote_name
        table, key_col, count_col = q(RateLimitCounter._meta.db_table), q("key"), q("count")
        sql = (
            f"INSERT INTO {table} ({key_col}, {count_col}, {q('expires_at')}) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT ({key_col}) DO UPDATE SET {count_col} = {table}.{count_col} + 1 "
            f"RETURNING {count_col}"
        )
        when = datetime.fromtimestamp(expires_at, tz=UTC)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, when])
            return int(cursor.fetchone()[0])


@lru_cache(maxsize=4)
def _counter(redis_url: str) -> Counter:
    return RedisCounter(redis_url) if redis_url else SqlCounter()


def counter() -> Counter:
    return _counter(settings.REDIS_URL)


def hit(limit: Limit, ident: str, *, now: float | None = None) -> Decision:
    """Count one request for `ident` against `limit` and say whether it is allowed."""
    now = time.time() if now is None else now
    window = int(now // limit.window_seconds)
    reset_at = (window + 1) * limit.window_seconds
    key = f"{settings.RATE_LIMIT_KEY_PREFIX}:{limit.scope}:{ident}:{window}"
    count = counter().increment(key, reset_at + 60)
    allowed = count <= limit.limit
    return Decision(
        allowed=allowed,
        limit=limit.limit,
        remaining=max(0, limit.limit - count),
        reset_at=reset_at,
        retry_after=0 if allowed else max(1, math.ceil(reset_at - now)),
    )


def expired_counters_delete() -> int:
    """Drop database counters whose window has ended (the Redis ones expire by themselves)."""
    deleted, _ = RateLimitCounter.objects.filter(expires_at__lt=datetime.now(tz=UTC)).delete()
    return deleted
