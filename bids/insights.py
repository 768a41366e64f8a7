"""Insights: the query parameters and the rows built from hourly counters.

Counters are kept per ad and UTC hour; an hour counts when it starts within
[since rounded down to the hour, until). Rows cover every period of the range, zeros included,
oldest first. With an `aggregation_level` deeper than the endpoint's scope there is one row per
period for each child with counters in the range, and each row names its child by the public
ids of its path (`campaign_id`, then `ad_group_id`, then `ad_id`). The row's shape is
`bids.serializers.InsightsRowSerializer`; the metric names are its fields.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple

from bids.serializers import InsightsRowSerializer
from thrad.errors import V1Error

GRANULARITIES = ("hourly", "daily", "monthly", "none")
LEVELS = ("ad_account", "campaign", "ad_group", "ad")
ROW_KEYS = ("readable_time", "campaign_id", "ad_group_id", "ad_id")
FIELDS = tuple(name for name in InsightsRowSerializer().fields.keys() if name not in ROW_KEYS)
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
    scope: str = "ad_account"
    level: str = "ad_account"

    @property
    def first_hour(self) -> datetime:
        return self.since.replace(minute=0, second=0, microsecond=0)

    @property
    def child_path(self) -> tuple[str, ...]:
        """The levels whose ids each row carries: none at the endpoint's own scope, else from
        the campaign down to the requested level (`("campaign", "ad_group")`)."""
        if self.level == self.scope:
            return ()
        return LEVELS[1 : LEVELS.index(self.level) + 1]


class Child(NamedTuple):
    """One child of the scope: its internal ids (for ordering) and its public ids, top down."""

    pks: tuple[int, ...]
    public_ids: tuple[str, ...]


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
            raise V1Error.UNKNOWN_FIELD(f"Unknown field {name[:40]!r}; use one of {', '.join(FIELDS)}.", param="fields")
    return tuple(dict.fromkeys(names)) or DEFAULT_FIELDS


def _level(params: Mapping[str, Any], scope: str) -> str:
    level = params.get("aggregation_level", scope)
    if level not in LEVELS:
        raise V1Error.INVALID_VALUE(f"aggregation_level must be one of {', '.join(LEVELS)}.", param="aggregation_level")
    if LEVELS.index(level) < LEVELS.index(scope):
        raise V1Error.AGGREGATION_LEVEL_TOO_HIGH(
            f"aggregation_level must be {scope} or deeper here.", param="aggregation_level"
        )
    return level


def levels_from(scope: str) -> list[str]:
    """The aggregation levels an endpoint of `scope` takes: its own and the deeper ones."""
    return list(LEVELS[LEVELS.index(scope) :])


def parse_query(params: Any, *, now: datetime, scope: str = "ad_account") -> InsightsQuery:
    """Validate `time_granularity`, `aggregation_level`, `since`, `until` and `fields[]` (a
    QueryDict); `scope` is the endpoint's own level. A parameter sent empty is invalid."""
    granularity = params.get("time_granularity", "daily")
    if granularity not in GRANULARITIES:
        raise V1Error.INVALID_VALUE(
            "time_granularity must be hourly, daily, monthly or none.", param="time_granularity"
        )
    level = _level(params, scope)
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
    return InsightsQuery(granularity, since, until, fields, scope=scope, level=level)


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


def _months(first: date, last: date) -> list[tuple[Any, str]]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(((year, month), f"{year:04d}-{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


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
    if query.granularity == "monthly":
        return _months(first, last)
    return [
        (first + timedelta(days=n), (first + timedelta(days=n)).isoformat()) for n in range((last - first).days + 1)
    ]


def _bucket(hour: datetime, granularity: str) -> datetime | date | tuple[int, int] | None:
    if granularity == "hourly":
        return hour
    if granularity == "monthly":
        return hour.year, hour.month
    return hour.date() if granularity == "daily" else None


def build_rows(hourly: Iterable[tuple[datetime, Child, int, int, int]], query: InsightsQuery) -> list[Any]:
    """Rows (objects InsightsRowSerializer renders) from (hour, child, impressions, clicks,
    spend_micros) sums. At the scope's own level the one child is `Child((), ())`."""
    periods = _periods(query)
    totals: dict[tuple[Any, Child], Totals] = {}
    children = {Child((), ())} if not query.child_path else set()
    for hour, child, impressions, clicks, spend in hourly:
        bucket = _bucket(hour.astimezone(UTC), query.granularity)
        children.add(child)
        totals.setdefault((bucket, child), Totals()).add(impressions, clicks, spend)
    ordered = sorted(children)
    return [
        SimpleNamespace(
            readable_time=label,
            **{f"{name}_id": public_id for name, public_id in zip(query.child_path, child.public_ids, strict=True)},
            **_metrics(totals.get((key, child)) or Totals(), query.fields),
        )
        for key, label in periods
        for child in ordered
    ]
