"""Insights: the query parameters and the rows built from hourly counters.

Counters are kept per ad and UTC hour; an hour counts when it starts within
[since rounded down to the hour, until). Rows cover every period of the range, zeros included.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from thrad.errors import V1Error

GRANULARITIES = ("hourly", "daily", "none")
FIELDS = ("impressions", "clicks", "spend", "ctr", "cpm", "cpc")
DEFAULT_FIELDS = ("impressions", "clicks", "spend")
_NAME = f" *({'|'.join(FIELDS)}) *"
FIELDS_PATTERN = f"^{_NAME}(,{_NAME})*$"  # one `fields[]` value, as the OpenAPI schema states it
DEFAULT_RANGE = timedelta(days=30)
MAX_RANGE = timedelta(days=366)
MAX_HOURLY_RANGE = timedelta(hours=25)
HOUR = timedelta(hours=1)
MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z


@dataclass(frozen=True)
class InsightsQuery:
    granularity: str
    since: datetime
    until: datetime
    fields: tuple[str, ...]

    @property
    def first_hour(self) -> datetime:
        return self.since.replace(minute=0, second=0, microsecond=0)


@dataclass
class Totals:
    impressions: int = 0
    clicks: int = 0
    spend_micros: int = 0

    def add(self, impressions: int, clicks: int, spend_micros: int) -> None:
        self.impressions += impressions
        self.clicks += clicks
        self.spend_micros += spend_micros


def _timestamp(params: Mapping[str, Any], name: str) -> datetime | None:
    """Unix seconds from 0 to MAX_TIMESTAMP; absent is None, but sent empty is invalid."""
    raw = params.get(name)
    if raw is None:
        return None
    digits = raw[1:] if raw[:1] == "-" else raw
    if not (digits.isascii() and digits.isdigit()) or not 0 <= int(raw) <= MAX_TIMESTAMP:
        raise V1Error.INVALID_VALUE(f"{name} must be Unix seconds from 0 to {MAX_TIMESTAMP}.", param=name)
    return datetime.fromtimestamp(int(raw), tz=UTC)


def _fields(values: Iterable[str]) -> tuple[str, ...]:
    """Each value one name or several, comma-separated (spaces around a name allowed): the
    OpenAPI pattern FIELDS_PATTERN. An empty value or an empty name between commas is unknown."""
    names = [name.strip(" ") for value in values for name in value.split(",")]
    for name in names:
        if name not in FIELDS:
            raise V1Error.UNKNOWN_FIELD(
                f"Unknown field {name[:40]!r}; use one of {', '.join(FIELDS)}.", param="fields"
            )
    return tuple(dict.fromkeys(names)) or DEFAULT_FIELDS


def parse_query(params: Any, *, now: datetime) -> InsightsQuery:
    """Validate `time_granularity`, `since`, `until` and `fields[]` (a QueryDict or dict of lists)."""
    granularity = params.get("time_granularity", "daily")
    if granularity not in GRANULARITIES:
        raise V1Error.INVALID_VALUE(
            "time_granularity must be hourly, daily or none.", param="time_granularity"
        )
    until = _timestamp(params, "until")
    until = now if until is None else until
    since = _timestamp(params, "since")
    since = until - DEFAULT_RANGE if since is None else since
    if since >= until:
        raise V1Error.INVALID_TIME_RANGE(param="since")
    if until - since > MAX_RANGE:
        raise V1Error.RANGE_TOO_WIDE(param="since")
    if granularity == "hourly" and until - since > MAX_HOURLY_RANGE:
        raise V1Error.HOURLY_RANGE_TOO_WIDE(param="since")
    fields = _fields([*params.getlist("fields[]"), *params.getlist("fields")])
    return InsightsQuery(granularity=granularity, since=since, until=until, fields=fields)


def _metrics(totals: Totals, fields: tuple[str, ...]) -> dict[str, Any]:
    spend = totals.spend_micros / 1_000_000
    values = {
        "impressions": totals.impressions,
        "clicks": totals.clicks,
        "spend": spend,
        "ctr": round(totals.clicks / totals.impressions, 6) if totals.impressions else 0.0,
        "cpm": round(spend * 1000 / totals.impressions, 6) if totals.impressions else 0.0,
        "cpc": round(spend / totals.clicks, 6) if totals.clicks else 0.0,
    }
    return {name: values[name] for name in fields}


def _periods(query: InsightsQuery) -> list[tuple[Any, str]]:
    """(bucket key, readable_time) for every period of the range, oldest first."""
    if query.granularity == "hourly":
        hours, hour = [], query.first_hour
        while hour < query.until:
            hours.append((hour, hour.strftime("%Y-%m-%d %H:00")))
            hour += HOUR
        return hours
    first, last = query.since.date(), (query.until - timedelta(microseconds=1)).date()
    if query.granularity == "none":
        return [(None, f"{first.isoformat()}/{last.isoformat()}")]
    return [(first + timedelta(days=n), (first + timedelta(days=n)).isoformat()) for n in range((last - first).days + 1)]  # fmt: skip


def _bucket(hour: datetime, granularity: str) -> datetime | date | None:
    if granularity == "hourly":
        return hour
    return hour.date() if granularity == "daily" else None


def build_rows(
    hourly: Iterable[tuple[datetime, int, int, int]], query: InsightsQuery
) -> list[dict[str, Any]]:
    """Rows `{"readable_time", ...fields}` from (hour, impressions, clicks, spend_micros) sums."""
    periods = _periods(query)
    totals = {key: Totals() for key, _ in periods}
    for hour, impressions, clicks, spend in hourly:
        bucket = totals.get(_bucket(hour.astimezone(UTC), query.granularity))
        if bucket is not None:
            bucket.add(impressions, clicks, spend)
    return [{"readable_time": label, **_metrics(totals[key], query.fields)} for key, label in periods]
