"""Reads for the dashboard, each scoped to the signed-in user or to one organization."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from django.contrib.auth.models import User
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from bids.models import AdStatsHourly
from creatives.models import Campaign
from dashboard.charts import DayPoint, format_money
from thrad.models import ApiKey, AuditLog, Membership, Organization


def membership_list(*, user: User) -> list[Membership]:
    """The user's memberships with their organizations, by organization name."""
    return list(Membership.objects.filter(user=user).select_related("organization").order_by("organization__name"))


def membership_get(*, user: User, org_id: str) -> Membership | None:
    """The user's membership in the organization with this public id; None for any other id."""
    try:
        public_id = uuid.UUID(str(org_id))
    except ValueError:
        return None
    return (
        Membership.objects.filter(user=user, organization__public_id=public_id).select_related("organization").first()
    )


@dataclass
class KeyOverview:
    """An organization's keys as the API keys page shows them."""

    active: ApiKey | None = None
    grace: list[ApiKey] = field(default_factory=list)
    ended: list[ApiKey] = field(default_factory=list)


def api_key_overview(*, org: Organization, now: datetime | None = None, ended_limit: int = 20) -> KeyOverview:
    """The active key, usable keys in their rotation grace, and the latest revoked or expired keys."""
    now = now or timezone.now()
    overview = KeyOverview()
    for key in ApiKey.objects.filter(organization=org).order_by("-created_at", "-id"):
        if key.status == ApiKey.Status.ACTIVE:
            overview.active = key
        elif key.status == ApiKey.Status.GRACE and key.is_usable(now):
            overview.grace.append(key)
        elif len(overview.ended) < ended_limit:
            overview.ended.append(key)
    return overview


def api_key_get_revocable(*, org: Organization, key_id: str) -> ApiKey | None:
    """The organization's key with this public id if it still authenticates (or is active); else None."""
    try:
        public_id = uuid.UUID(str(key_id))
    except ValueError:
        return None
    key = ApiKey.objects.filter(organization=org, public_id=public_id).exclude(status=ApiKey.Status.REVOKED).first()
    if key is None or (key.status == ApiKey.Status.GRACE and not key.is_usable()):
        return None
    return key


def audit_log_list(*, org: Organization, limit: int = 50) -> list[AuditLog]:
    """The organization's latest audit entries, newest first."""
    return list(AuditLog.objects.filter(organization=org).select_related("actor")[:limit])


class CampaignToday(NamedTuple):
    campaign: Campaign
    spent_today: str  # dollars, as the page shows them
    daily_limit: str | None  # None: no daily limit
    percent: int  # of the daily limit spent today, 0-100 (0 without a limit)


def campaign_list_for_overview(*, org: Organization, limit: int = 50, today: date | None = None) -> list[CampaignToday]:
    """The organization's latest campaigns with their status, review status and spend today (UTC)
    against their daily limit, as the DSP's render keeps it on the campaign row."""
    today = today or timezone.now().astimezone(UTC).date()
    rows = []
    for campaign in Campaign.objects.for_org(org).order_by("-created_at", "-id")[:limit]:
        spent, daily = campaign.spend_on(today), campaign.daily_spend_limit_micros
        percent = min(100, round(100 * spent / daily)) if daily else 0
        rows.append(CampaignToday(campaign, format_money(spent), format_money(daily) if daily else None, percent))
    return rows


@dataclass(frozen=True)
class StorageUsage:
    used_bytes: int
    quota_bytes: int

    @property
    def percent(self) -> int:
        """Share of the quota in use, 0-100 (100 when over quota or with no quota)."""
        if self.quota_bytes <= 0:
            return 100 if self.used_bytes else 0
        return min(100, round(100 * self.used_bytes / self.quota_bytes))


def storage_usage(*, org: Organization) -> StorageUsage:
    """Stored bytes against the quota, as kept on the organization row."""
    return StorageUsage(used_bytes=org.storage_used_bytes, quota_bytes=org.storage_quota_bytes)


def overview_series(*, org: Organization, days: int = 30, today: date | None = None) -> list[DayPoint]:
    """One point per UTC day, oldest first, ending today: impressions, clicks and spend (micros),
    summed from the DSP's hourly per-ad counters in one grouped query."""
    today = today or timezone.now().date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time.min, tzinfo=UTC)
    rows = (
        AdStatsHourly.objects.filter(organization=org, hour__gte=start, hour__lt=start + timedelta(days=days))
        .annotate(day=TruncDate("hour", tzinfo=UTC))
        .values("day")
        .annotate(impressions=Sum("impressions"), clicks=Sum("clicks"), spend=Sum("spend_micros"))
    )
    by_day = {row["day"]: (row["impressions"], row["clicks"], row["spend"]) for row in rows}
    days_list = [first + timedelta(days=offset) for offset in range(days)]
    return [DayPoint(day, *by_day.get(day, (0, 0, 0))) for day in days_list]
