"""The advertiser's ad account tree: campaigns → ad groups → ads, and idempotency records.

Public ids are UUIDs (`public_id`, exposed as `id`); integer keys never leave the process.
Money is integer micros. Each row carries its organization so every query can be scoped.
"""

import uuid
from datetime import date
from typing import NamedTuple

from django.db import models
from django.db.models import Q
from django.utils import timezone

from thrad.models import Organization


class Status(models.TextChoices):
    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


class ReviewStatus(models.TextChoices):
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"


class Pacing(models.TextChoices):
    EVEN = "even"
    ASAP = "asap"


class CapWindow(models.TextChoices):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


CAP_WINDOW_SECONDS = {CapWindow.HOUR: 3600, CapWindow.DAY: 86_400, CapWindow.WEEK: 7 * 86_400}


class FrequencyCap(NamedTuple):
    max_impressions: int
    window: str

    @property
    def window_seconds(self) -> int:
        return CAP_WINDOW_SECONDS[CapWindow(self.window)]


def pacing_in_effect(pacing: str | None, daily_limit_micros: int | None) -> str:
    """As set, else even with a daily limit and asap without."""
    if pacing:
        return pacing
    return Pacing.EVEN if daily_limit_micros is not None else Pacing.ASAP


class OrgScopedQuerySet(models.QuerySet):
    def for_org(self, org: Organization) -> "OrgScopedQuerySet":
        return self.filter(organization=org)


class Campaign(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=100)
    description = models.TextField(null=True, blank=True)  # noqa: DJ001 - the API's null
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PAUSED)
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.IN_REVIEW)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField(null=True, blank=True)
    lifetime_spend_limit_micros = models.BigIntegerField()
    daily_spend_limit_micros = models.BigIntegerField(null=True, blank=True, help_text="Per UTC day; null: none.")
    pacing = models.CharField(  # noqa: DJ001 - null is the API's "default pacing"
        max_length=4,
        choices=Pacing.choices,
        null=True,
        blank=True,
        help_text="Null: the default (even with a daily limit, else asap).",
    )
    spend_micros = models.BigIntegerField(default=0, help_text="Recorded spend, updated atomically.")
    day_spend_micros = models.BigIntegerField(
        default=0, help_text="Recorded spend on spend_day (UTC), updated with spend_micros."
    )
    spend_day = models.DateField(null=True, blank=True, help_text="The UTC day day_spend_micros counts.")
    pricing_model = models.CharField(max_length=10, default="cpm")
    countries = models.JSONField(default=list, blank=True, help_text="ISO alpha-2, upper case; empty = everywhere.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "created_at", "id"]),
            models.Index(fields=["review_status", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def pacing_shown(self) -> str:
        """The pacing in effect: as set, else even with a daily limit and asap without."""
        return pacing_in_effect(self.pacing, self.daily_spend_limit_micros)

    def spend_on(self, day: date) -> int:
        """Recorded spend on this UTC day (0 for a day without a render)."""
        return self.day_spend_micros if self.spend_day == day else 0


class CampaignInReview(Campaign):
    """The staff review queue in the admin: campaigns waiting for a decision."""

    class Meta:
        proxy = True
        verbose_name = "campaign in review"
        verbose_name_plural = "campaigns in review"


class AdGroup(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ad_groups")
    name = models.CharField(max_length=100)
    context_hints = models.JSONField(default=list, blank=True)
    max_bid_micros = models.BigIntegerField()
    billing_event_type = models.CharField(max_length=12, default="impression")
    frequency_cap_max_impressions = models.PositiveSmallIntegerField(null=True, blank=True)
    frequency_cap_window = models.CharField(max_length=4, choices=CapWindow.choices, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "created_at", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency_cap_max_impressions__isnull=True, frequency_cap_window__isnull=True)
                | Q(frequency_cap_max_impressions__isnull=False, frequency_cap_window__isnull=False),
                name="frequency_cap_whole_or_none",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def frequency_cap(self) -> FrequencyCap | None:
        if self.frequency_cap_max_impressions is None or self.frequency_cap_window is None:
            return None
        return FrequencyCap(self.frequency_cap_max_impressions, self.frequency_cap_window)


class Ad(models.Model):
    """An ad with a `chat_card` creative. `asset_path` is the ad's own copy of the image."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ad_group = models.ForeignKey(AdGroup, on_delete=models.CASCADE, related_name="ads")
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    creative_type = models.CharField(max_length=20, default="chat_card")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    cta_text = models.CharField(max_length=50, blank=True)
    target_url = models.URLField(max_length=2048)
    file_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 - the API's null
    asset_path = models.CharField(max_length=200, blank=True, help_text="creatives/... in storage")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ad_group", "created_at", "id"])]

    def __str__(self) -> str:
        return self.name


class IdempotencyRecord(models.Model):
    """The first response to a create sent with an `Idempotency-Key`, kept 24 h."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "endpoint", "key"], name="one_record_per_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"
