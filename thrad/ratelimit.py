"""Fixed-window rate limits, counted atomically across processes.

One interface, two counters: Redis (a Lua script that increments and sets the expiry in one
step) when `REDIS_URL` is set, otherwise one SQL upsert (`INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`) that PostgreSQL and SQLite both run atomically. Every hit is counted, so concurrent
requests can never let more than `limit` through in a window.

`hit_all()` counts a request against several limits in order, stopping at the first that refuses
(later ones are not counted), and can read a version key in the same step: on Redis that is one
round trip for every limit of a request plus the API key cache's freshness check (thrad/keycache.py).
"""

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.db import connection

from thrad.cache import connection_options, guarded, run_script, shared_client
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

    def increment_all(
        self, counters: list[tuple[str, int, int]], version_key: str | None, fresh_version: str
    ) -> tuple[list[int], str | None]: ...

    def decrement(self, keys: list[str]) -> None: ...


_INCR_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIREAT', KEYS[1], ARGV[1]) end
return count
"""


# KEYS: the version key (when ARGV[1] is "1"), then one counter per limit. ARGV: the flag, a
# fresh version (set when the key is missing), then (expires_at, limit) per counter. Returns the
# version (or false) and the counts, stopping after the first count over its limit.
_INCR_ALL_SCRIPT = """
local version, first = false, 1
if ARGV[1] == '1' then
  version = redis.call('GET', KEYS[1])
  if not version then
    redis.call('SET', KEYS[1], ARGV[2])
    version = ARGV[2]
  end
  first = 2
end
local result = {version}
for i = first, #KEYS do
  local n = 2 * (i - first) + 3
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('EXPIREAT', KEYS[i], ARGV[n]) end
  result[#result + 1] = count
  if count > tonumber(ARGV[n + 1]) then break end
end
return result
"""


class RedisCounter:
    """Counts in Redis through the process's one client (thrad/cache.py), with the cache's
    timeouts (REDIS_TIMEOUT), behind the "redis" breaker: a dead Redis costs one timeout, then
    fails at once."""

    def __init__(self, url: str) -> None:
        self._client = shared_client(url, **connection_options())
        self._script = self._client.register_script(_INCR_SCRIPT)
        self._all_script = self._client.register_script(_INCR_ALL_SCRIPT)

    def increment(self, key: str, expires_at: int) -> int:
        return int(guarded(run_script, self._client, self._script, [key], [expires_at]))

    def increment_all(
        self, counters: list[tuple[str, int, int]], version_key: str | None, fresh_version: str
    ) -> tuple[list[int], str | None]:
        keys = ([version_key] if version_key else []) + [key for key, _, _ in counters]
        args: list[str | int] = ["1" if version_key else "0", fresh_version]
        for _, expires_at, limit in counters:
            args += [expires_at, limit]
        version, *counts = guarded(run_script, self._client, self._all_script, keys, args)
        return [int(c) for c in counts], version.decode() if version else None

    def decrement(self, keys: list[str]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for key in keys:
            pipe.decr(key)
        guarded(pipe.execute)


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

    def increment_all(
        self, counters: list[tuple[str, int, int]], version_key: str | None, fresh_version: str
    ) -> tuple[list[int], str | None]:
        counts = []
        for key, expires_at, limit in counters:
            counts.append(self.increment(key, expires_at))
            if counts[-1] > limit:
                break
        return counts, None  # no shared version without Redis (nothing is cached then)

    def decrement(self, keys: list[str]) -> None:
        q = connection.ops.quote_name
        table = q(RateLimitCounter._meta.db_table)
        with connection.cursor() as cursor:
            for key in keys:
                cursor.execute(f"UPDATE {table} SET {q('count')} = {q('count')} - 1 WHERE {q('key')} = %s", [key])  # noqa: S608


@lru_cache(maxsize=4)
def _counter(redis_url: str) -> Counter:
    return RedisCounter(redis_url) if redis_url else SqlCounter()


def counter() -> Counter:
    return _counter(settings.REDIS_URL)


def _window(limit: Limit, ident: str, now: float) -> tuple[str, int]:
    """The counter key of `ident` in the window holding `now`, and when that window ends."""
    window = int(now // limit.window_seconds)
    return f"{settings.RATE_LIMIT_KEY_PREFIX}:{limit.scope}:{ident}:{window}", (window + 1) * limit.window_seconds


def _decision(limit: Limit, count: int, reset_at: int, now: float) -> Decision:
    allowed = count <= limit.limit
    return Decision(
        allowed=allowed,
        limit=limit.limit,
        remaining=max(0, limit.limit - count),
        reset_at=reset_at,
        retry_after=0 if allowed else max(1, math.ceil(reset_at - now)),
    )


def hit(limit: Limit, ident: str, *, now: float | None = None) -> Decision:
    """Count one request for `ident` against `limit` and say whether it is allowed."""
    now = time.time() if now is None else now
    key, reset_at = _window(limit, ident, now)
    return _decision(limit, counter().increment(key, reset_at + 60), reset_at, now)


@dataclass(frozen=True)
class Hits:
    decisions: list[Decision]  # one per limit counted, in order; the last may refuse
    keys: list[str]  # the counters moved (for `refund`)
    version: str | None  # the version key's value when asked for (with Redis), else None


def hit_all(limits: Sequence[Limit], ident: str, *, version_key: str | None = None, now: float | None = None) -> Hits:
    """Count one request for `ident` against each limit in order, stopping at the first that
    refuses; with `version_key` (Redis only) also read that key, created when missing, in the
    same atomic step. One round trip on Redis whatever the number of limits."""
    now = time.time() if now is None else now
    windows = [_window(limit, ident, now) for limit in limits]
    counters = [(key, reset_at + 60, limit.limit) for (key, reset_at), limit in zip(windows, limits, strict=True)]
    if not counters and version_key is None:
        return Hits([], [], None)
    fresh = f"{random.getrandbits(64):016x}"  # used only when the version key is missing; not a secret
    counts, version = counter().increment_all(counters, version_key, fresh)
    decisions = [_decision(limits[i], count, windows[i][1], now) for i, count in enumerate(counts)]
    return Hits(decisions, [key for key, _, _ in counters[: len(counts)]], version)


def refund(hits: Hits) -> None:
    """Take back the counts of a request that turned out not to be served (its key was refused
    once checked afresh), so the limits count only the requests they let through."""
    if hits.keys:
        counter().decrement(hits.keys)


def expired_counters_delete() -> int:
    """Drop database counters whose window has ended (the Redis ones expire by themselves)."""
    deleted, _ = RateLimitCounter.objects.filter(expires_at__lt=datetime.now(tz=UTC)).delete()
    return deleted
