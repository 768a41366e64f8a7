"""Counting impressions, clicks and spend: the SQL of the render and click hot paths.

Recording an impression claims the bid (`rendered_at IS NULL` → now), stores its click token,
adds one impression and the cost to the ad's hourly counter and the cost to the campaign's
spend and its spend of the UTC day (`day_spend_micros`, restarting at 0 on a new `spend_day`),
all or nothing. One contract, two implementations chosen by database vendor (as
thrad/ratelimit.py picks its counter): PostgreSQL runs it as ONE statement of data-modifying CTEs
(one round trip, atomic by itself; a concurrent duplicate claim waits on the bid's row lock,
then finds `rendered_at` set and changes nothing); other databases (SQLite) run the same steps
in one transaction. A render sits inside the SSP's auction: round trips are what it costs.
"""

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.db import connection, transaction

from bids.auction import AdIds
from bids.models import AdStatsHourly, Bid, ClickToken
from creatives.models import Campaign
from thrad import fastquery

COUNTERS = ("impressions", "clicks", "spend_micros")


@dataclass(frozen=True)
class Impression:
    bid_id: str
    ids: AdIds
    at: datetime
    realized_cpm_micros: int
    cost_micros: int
    token_digest: str | None  # None when the token was stored at bid time
    token_expires_at: datetime


class Outcome(NamedTuple):
    claimed: bool  # False: a duplicate render, nothing recorded
    limit_reached: bool = False  # the campaign's spend is at its lifetime limit or today's at its daily limit
    crossed: tuple[str, ...] = ()  # the limits ("lifetime", "daily") this very render brought spend to


def _outcome(row: tuple[Any, ...] | None, cost: int) -> Outcome:
    """From the campaign's figures after the charge: (spend, lifetime, day spend, daily limit)."""
    if row is None or row[0] is None:
        return Outcome(claimed=True)
    spend, lifetime, day_spend, daily = row
    figures = (("lifetime", spend, lifetime), ("daily", day_spend, daily))
    reached = [kind for kind, total, limit in figures if limit is not None and total >= limit]
    crossed = tuple(kind for kind, total, limit in figures if kind in reached and total - cost < limit)
    return Outcome(claimed=True, limit_reached=bool(reached), crossed=crossed)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: Any) -> str:
    return _q(model._meta.db_table)


def _hour(at: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(at.replace(minute=0, second=0, microsecond=0))


def _upsert_sql(select_from: str = "") -> str:
    """Insert the hour's counter row or add to it; `select_from` feeds the values from a CTE."""
    table, cols = _table(AdStatsHourly), ", ".join(_q(c) for c in COUNTERS)
    sums = ", ".join(f"{_q(c)} = {table}.{_q(c)} + excluded.{_q(c)}" for c in COUNTERS)
    source = (
        f"SELECT %s, %s, %s, %s, %s, %s, %s, %s FROM {select_from}"
        if select_from
        else "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    return (
        f"INSERT INTO {table} (ad_id, hour, organization_id, campaign_id, ad_group_id, {cols}) {source} "  # noqa: S608
        f"ON CONFLICT (ad_id, hour) DO UPDATE SET {sums}"
    )


def _counter_params(ids: AdIds, at: datetime, impressions: int, clicks: int, spend: int) -> list[Any]:
    return [ids.ad_id, _hour(at), ids.organization_id, ids.campaign_id, ids.ad_group_id, impressions, clicks, spend]


def stats_add(*, ids: AdIds, at: datetime, impressions: int = 0, clicks: int = 0, spend_micros: int = 0) -> None:
    """Add to the ad's counters for the hour of `at`: one upsert, atomic under concurrency."""
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), _counter_params(ids, at, impressions, clicks, spend_micros))


def _spend_sql(condition: str = "") -> str:
    """Params: cost, day, cost, cost, day, campaign id. SET expressions read the row as it was."""
    spend, day_spend, day = _q("spend_micros"), _q("day_spend_micros"), _q("spend_day")
    returning = f"{spend}, {_q('lifetime_spend_limit_micros')}, {day_spend}, {_q('daily_spend_limit_micros')}"
    return (
        f"UPDATE {_table(Campaign)} SET {spend} = {spend} + %s, "  # noqa: S608
        f"{day_spend} = CASE WHEN {day} = %s THEN {day_spend} + %s ELSE %s END, {day} = %s "
        f"WHERE id = %s {condition} RETURNING {returning}"
    )


def _spend_params(imp: Impression) -> list[Any]:
    day = connection.ops.adapt_datefield_value(imp.at.astimezone(UTC).date())
    return [imp.cost_micros, day, imp.cost_micros, imp.cost_micros, day, imp.ids.campaign_id]


def _claim_sql() -> str:
    return (
        f"UPDATE {_table(Bid)} SET rendered_at = %s, realized_price_micros = %s "  # noqa: S608
        "WHERE id = %s AND rendered_at IS NULL RETURNING id"
    )


def _token_sql(select_from: str = "") -> str:
    source = f"SELECT %s, %s, id, %s, %s FROM {select_from}" if select_from else "VALUES (%s, %s, %s, %s, %s)"
    return f"INSERT INTO {_table(ClickToken)} (digest, ad_id, bid_id, created_at, expires_at) {source}"  # noqa: S608


@functools.cache
def _one_statement_sql(vendor: str, with_token: bool) -> str:
    """The claim, token, counter and spend CTEs (built once per vendor and variant)."""
    parts = [f"claim AS ({_claim_sql()})"]
    if with_token:
        parts.append(f"token AS ({_token_sql('claim')} RETURNING 1)")
    parts.append(f"stats AS ({_upsert_sql('claim')} RETURNING 1)")
    parts.append(f"spend AS ({_spend_sql('AND EXISTS (SELECT 1 FROM claim)')})")
    return (
        f"WITH {', '.join(parts)} SELECT (SELECT count(*) FROM claim), spend.* "
        "FROM (SELECT 1) AS one LEFT JOIN spend ON true"
    )


def _record_in_one_statement(imp: Impression) -> Outcome:
    """One round trip, as a prepared statement: planned once per connection (thrad/fastquery.py)."""
    at = connection.ops.adapt_datetimefield_value(imp.at)
    params: list[Any] = [at, imp.realized_cpm_micros, imp.bid_id]
    if imp.token_digest is not None:
        params += [
            imp.token_digest,
            imp.ids.ad_id,
            at,
            connection.ops.adapt_datetimefield_value(imp.token_expires_at),
        ]
    params += _counter_params(imp.ids, imp.at, 1, 0, imp.cost_micros)
    params += _spend_params(imp)
    sql = _one_statement_sql(connection.vendor, imp.token_digest is not None)
    ((claimed, *figures),) = fastquery.prepared(sql, params)
    return _outcome(tuple(figures), imp.cost_micros) if claimed else Outcome(claimed=False)


def _record_in_transaction(imp: Impression) -> Outcome:
    at = connection.ops.adapt_datetimefield_value(imp.at)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_claim_sql(), [at, imp.realized_cpm_micros, imp.bid_id])
        if not cursor.fetchall():
            return Outcome(claimed=False)
        if imp.token_digest is not None:
            expires = connection.ops.adapt_datetimefield_value(imp.token_expires_at)
            cursor.execute(_token_sql(), [imp.token_digest, imp.ids.ad_id, imp.bid_id, at, expires])
        cursor.execute(_upsert_sql(), _counter_params(imp.ids, imp.at, 1, 0, imp.cost_micros))
        cursor.execute(_spend_sql(), _spend_params(imp))
        rows = cursor.fetchall()
    return _outcome(rows[0] if rows else None, imp.cost_micros)


def impression_record(imp: Impression) -> Outcome:
    """Claim the bid and record its impression and spend, exactly once, all or nothing."""
    if connection.vendor == "postgresql":
        return _record_in_one_statement(imp)
    return _record_in_transaction(imp)


def click_record(*, token_id: int, ids: AdIds, at: datetime) -> bool:
    """Mark the click token clicked and count one click, only on its first click (concurrent
    follows of one token count once: the conditional UPDATE lets one through)."""
    with transaction.atomic():
        first = ClickToken.objects.filter(pk=token_id, clicked_at__isnull=True).update(clicked_at=at)
        if first:
            stats_add(ids=ids, at=at, clicks=1)
    return bool(first)
