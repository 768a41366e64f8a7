"""Counting impressions, clicks and spend: the SQL of the render and click hot paths.

Recording an impression claims the bid (`rendered_at IS NULL` → now), stores its click token,
adds one impression and the cost to the ad's hourly counter and the cost to the campaign's
spend, all or nothing. One contract, two implementations chosen by database vendor (as
thrad/ratelimit.py picks its counter): PostgreSQL runs it as ONE statement of data-modifying CTEs
(one round trip, atomic by itself; a concurrent duplicate claim waits on the bid's row lock,
then finds `rendered_at` set and changes nothing); other databases (SQLite) run the same steps
in one transaction. A render sits inside the SSP's auction: round trips are what it costs.
"""

import functools
from dataclasses import dataclass
from datetime import datetime
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
    budget_spent: bool  # the campaign's spend has reached its lifetime limit


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
    source = f"SELECT %s, %s, %s, %s, %s, %s, %s, %s FROM {select_from}" if select_from else "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"  # fmt: skip
    return (
        f"INSERT INTO {table} (ad_id, hour, organization_id, campaign_id, ad_group_id, {cols}) {source} "  # noqa: S608
        f"ON CONFLICT (ad_id, hour) DO UPDATE SET {sums}"
    )


def _counter_params(ids: AdIds, at: datetime, impressions: int, clicks: int, spend: int) -> list[Any]:
    return [ids.ad_id, _hour(at), ids.organization_id, ids.campaign_id, ids.ad_group_id, impressions, clicks, spend]  # fmt: skip


def stats_add(*, ids: AdIds, at: datetime, impressions: int = 0, clicks: int = 0, spend_micros: int = 0) -> None:  # fmt: skip
    """Add to the ad's counters for the hour of `at`: one upsert, atomic under concurrency."""
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), _counter_params(ids, at, impressions, clicks, spend_micros))


def _spend_sql(condition: str = "") -> str:
    spend, limit = _q("spend_micros"), _q("lifetime_spend_limit_micros")
    return (
        f"UPDATE {_table(Campaign)} SET {spend} = {spend} + %s WHERE id = %s {condition} "  # noqa: S608
        f"RETURNING {spend} >= {limit}"
    )


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
    parts.append(f"spend AS ({_spend_sql('AND EXISTS (SELECT 1 FROM claim)')} AS spent)")
    return f"WITH {', '.join(parts)} SELECT (SELECT count(*) FROM claim), (SELECT bool_or(spent) FROM spend)"


def _record_in_one_statement(imp: Impression) -> Outcome:
    """One round trip, and a prepared statement: planned once per connection (thrad/fastquery.py)."""
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
    params += [imp.cost_micros, imp.ids.campaign_id]
    sql = _one_statement_sql(connection.vendor, imp.token_digest is not None)
    ((claimed, spent),) = fastquery.prepared(sql, params)
    return Outcome(claimed=bool(claimed), budget_spent=bool(spent))


def _record_in_transaction(imp: Impression) -> Outcome:
    at = connection.ops.adapt_datetimefield_value(imp.at)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_claim_sql(), [at, imp.realized_cpm_micros, imp.bid_id])
        if not cursor.fetchall():
            return Outcome(claimed=False, budget_spent=False)
        if imp.token_digest is not None:
            expires = connection.ops.adapt_datetimefield_value(imp.token_expires_at)
            cursor.execute(_token_sql(), [imp.token_digest, imp.ids.ad_id, imp.bid_id, at, expires])
        cursor.execute(_upsert_sql(), _counter_params(imp.ids, imp.at, 1, 0, imp.cost_micros))
        cursor.execute(_spend_sql(), [imp.cost_micros, imp.ids.campaign_id])
        rows = cursor.fetchall()
    return Outcome(claimed=True, budget_spent=bool(rows and rows[0][0]))


def impression_record(imp: Impression) -> Outcome:
    """Claim the bid and record its impression and spend, exactly once, all or nothing."""
    if connection.vendor == "postgresql":
        return _record_in_one_statement(imp)
    return _record_in_transaction(imp)
