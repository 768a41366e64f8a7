"""The counters pacing and frequency caps read on every bid, shared by all web nodes.

One interface, two implementations, chosen like thrad/ratelimit.py picks its counter: Redis when
`REDIS_URL` is set, otherwise the database. Each call is one round trip:

- `read`: today's spend of the campaigns that pace evenly, and how many of each capped ad
  group's ads one end user was shown in the group's rolling window. Redis: one pipeline (GET
  and ZCOUNT). Database: one UNION query over the campaign rows (their `day_spend_micros`,
  which the render's own write keeps) and `FrequencyImpression`.
- `impression_add`, after a production render was recorded: the impression joins the end
  user's window of its group unless the window already holds `max_impressions` (so two
  renders racing for the last allowed impression leave the count at the cap), and on Redis
  the cost joins the campaign's spend today (a mirror of the database's figure; the database
  implementation reads that figure directly). Redis: one Lua script. Database: one
  conditional INSERT (on PostgreSQL without Redis, a configuration for tests and small setups,
  one short transaction: a per-key advisory lock, then that INSERT).

A frequency window is a sorted set of impression times per (ad group, user) in Redis, rows
in the database; both keep one week (the longest window) and are read as a rolling window.
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Protocol

import redis
from django.conf import settings
from django.db import connection, transaction

from bids.models import FrequencyImpression
from bids.pacing import Cap, Readings
from creatives.models import Campaign

WEEK_SECONDS = 7 * 86_400
MIRROR_SECONDS = 2 * 86_400


def user_key(user_id: str) -> str:
    """The end user's id as stored by the counters: a 128-bit digest, never the id itself."""
    return hashlib.blake2b(user_id.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class Counters(Protocol):
    def read(
        self, *, day: date, campaign_ids: Sequence[int], user: str, caps: Sequence[Cap], now: float
    ) -> Readings: ...

    def impression_add(
        self,
        *,
        day: date,
        campaign_id: int,
        cost_micros: int,
        mirror_spend: bool,
        user: str,
        cap: Cap | None,
        now: float,
        member: str,
    ) -> bool: ...


def _prefix() -> str:
    return f"{settings.CACHE_KEY_PREFIX}:dsp"


def _spend_key(campaign_id: int, day: date) -> str:
    return f"{_prefix()}:spend:{campaign_id}:{day:%Y%m%d}"


def _freq_key(ad_group_id: int, user: str) -> str:
    return f"{_prefix()}:freq:{ad_group_id}:{user}"


# KEYS[1] spend key (or ""), KEYS[2] frequency key (or ""); ARGV: cost, now, window start, max,
# member, spend ttl, frequency ttl. Returns 1 when the impression joined the window.
_ADD_SCRIPT = """
if KEYS[1] ~= '' then
  redis.call('INCRBY', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[6])
end
if KEYS[2] == '' then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2] - ARGV[7])
if redis.call('ZCOUNT', KEYS[2], ARGV[3], '+inf') >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[7])
return 1
"""


class RedisCounters:
    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self._add = self._client.register_script(_ADD_SCRIPT)

    def read(self, *, day: date, campaign_ids: Sequence[int], user: str, caps: Sequence[Cap], now: float) -> Readings:
        pipe = self._client.pipeline(transaction=False)
        for campaign_id in campaign_ids:
            pipe.get(_spend_key(campaign_id, day))
        for cap in caps:
            pipe.zcount(_freq_key(cap.ad_group_id, user), f"({now - cap.window_seconds}", "+inf")
        values = pipe.execute()
        spend = {cid: int(v or 0) for cid, v in zip(campaign_ids, values[: len(campaign_ids)], strict=True)}
        shown = {cap.ad_group_id: int(v) for cap, v in zip(caps, values[len(campaign_ids) :], strict=True)}
        return Readings(spend_today=spend, shown=shown)

    def impression_add(
        self,
        *,
        day: date,
        campaign_id: int,
        cost_micros: int,
        mirror_spend: bool,
        user: str,
        cap: Cap | None,
        now: float,
        member: str,
    ) -> bool:
        keys = [
            _spend_key(campaign_id, day) if mirror_spend else "",
            _freq_key(cap.ad_group_id, user) if cap else "",
        ]
        window_start = f"({now - cap.window_seconds}" if cap else "0"
        args: list[str | int | float] = [
            cost_micros,
            now,
            window_start,
            cap.max_impressions if cap else 0,
            member,
            MIRROR_SECONDS,
            WEEK_SECONDS,
        ]
        return bool(self._add(keys=keys, args=args))


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _at(seconds: float) -> Any:
    return connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(seconds, tz=UTC))


class SqlCounters:
    def read(self, *, day: date, campaign_ids: Sequence[int], user: str, caps: Sequence[Cap], now: float) -> Readings:
        parts: list[str] = []
        params: list[Any] = []
        if campaign_ids:
            marks = ", ".join(["%s"] * len(campaign_ids))
            parts.append(
                f"SELECT 0, id, CASE WHEN spend_day = %s THEN day_spend_micros ELSE 0 END "  # noqa: S608
                f"FROM {_q(Campaign._meta.db_table)} WHERE id IN ({marks})"
            )
            params += [connection.ops.adapt_datefield_value(day), *campaign_ids]
        if caps:
            windows = " OR ".join(["(ad_group_id = %s AND at > %s)"] * len(caps))
            parts.append(
                f"SELECT 1, ad_group_id, count(*) FROM {_q(FrequencyImpression._meta.db_table)} "  # noqa: S608
                f"WHERE user_key = %s AND ({windows}) GROUP BY ad_group_id"
            )
            params.append(user)
            for cap in caps:
                params += [cap.ad_group_id, _at(now - cap.window_seconds)]
        readings = Readings(spend_today={}, shown={cap.ad_group_id: 0 for cap in caps})
        if not parts:
            return readings
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for kind, pk, value in cursor.fetchall():
                (readings.shown if kind else readings.spend_today)[pk] = int(value)
        return readings

    def impression_add(
        self,
        *,
        day: date,
        campaign_id: int,
        cost_micros: int,
        mirror_spend: bool,
        user: str,
        cap: Cap | None,
        now: float,
        member: str,
    ) -> bool:
        """Spend needs no mirror here (the campaign row is the figure `read` returns)."""
        if cap is None:
            return False
        table = _q(FrequencyImpression._meta.db_table)
        sql = (
            f"INSERT INTO {table} (ad_group_id, user_key, at) SELECT %s, %s, %s "  # noqa: S608
            f"WHERE (SELECT count(*) FROM {table} WHERE ad_group_id = %s AND user_key = %s AND at > %s) < %s"
        )
        params = [
            cap.ad_group_id,
            user,
            _at(now),
            cap.ad_group_id,
            user,
            _at(now - cap.window_seconds),
            cap.max_impressions,
        ]
        if connection.vendor != "postgresql":  # one statement runs under SQLite's single write lock
            return _execute_rowcount(sql, params) == 1
        with transaction.atomic():
            # Read committed: without the lock two racing inserts would both see room for one.
            _execute_rowcount(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"freq:{cap.ad_group_id}:{user}"]
            )
            return _execute_rowcount(sql, params) == 1


def _execute_rowcount(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@lru_cache(maxsize=4)
def _counters(redis_url: str) -> Counters:
    return RedisCounters(redis_url) if redis_url else SqlCounters()


def counters() -> Counters:
    return _counters(settings.REDIS_URL)
