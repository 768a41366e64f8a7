"""Even pacing and frequency caps: which candidates a bid holds back, given the shared counters.
Pure: no Django.

Even pacing lets a campaign bid only while its spend today is at or below its allowance:
`daily limit × f + (daily limit / 24) × (1 − f)`, where f is the elapsed fraction of the UTC
day. That is the contract's share of the day so far plus at most one hour's share as slack: a
full hour's share at midnight (so a day starts at once), shrinking to none at the day's end (so
a campaign that traffic always keeps at its allowance still has budget for the last hour instead
of spending it by 23:00). A campaign at its daily limit does not bid whatever its pacing.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from bids.auction import GroupEntry

DAY_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class Cap:
    """A frequency cap as the counters apply it."""

    ad_group_id: int
    max_impressions: int
    window_seconds: int


@dataclass(frozen=True)
class Readings:
    """What the shared counters said for one bid (bids/counters.py)."""

    spend_today: dict[int, int]  # campaign id → micros spent today (UTC)
    shown: dict[int, int]  # ad group id → impressions this user was shown in the group's window


def day_fraction(now: float) -> float:
    """How much of the UTC day has passed at Unix time `now`, 0 to 1."""
    return (now % DAY_SECONDS) / DAY_SECONDS


def even_allowance(daily_limit_micros: int, now: float) -> float:
    """What an evenly paced campaign may have spent by `now` today (micros)."""
    elapsed = day_fraction(now)
    return daily_limit_micros * elapsed + daily_limit_micros / 24 * (1 - elapsed)


def spent_today(group: GroupEntry, readings: Readings, today: int) -> int:
    """The counter's figure, or the index's snapshot of the database if that is higher (a
    counter that was lost, or a daily limit set after the day's first renders)."""
    snapshot_day, snapshot = group.spend_snapshot
    return max(readings.spend_today.get(group.campaign_id, 0), snapshot if snapshot_day == today else 0)


def held_back(candidates: Iterable[tuple[float, GroupEntry]], readings: Readings, *, now: float) -> set[int]:
    """Ad group ids that may not bid now: ahead of their campaign's pace, or capped for this user."""
    today = int(now // DAY_SECONDS) + 719_163  # date.toordinal() of the UTC day
    held: set[int] = set()
    for _, group in candidates:
        daily = group.daily_limit_micros
        if group.even_pacing and daily is not None:
            spent = spent_today(group, readings, today)
            if spent >= daily or spent > even_allowance(daily, now):
                held.add(group.ad_group_id)
        if group.cap is not None and readings.shown.get(group.ad_group_id, 0) >= group.cap[0]:
            held.add(group.ad_group_id)
    return held
