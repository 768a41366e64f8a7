"""Supply partners, bids, click tokens and the hourly per-ad counters that insights read.

Bids are short-lived (cached `BID_TTL_SECONDS`, kept in the database for a retention period);
click tokens live `CLICK_TOKEN_TTL_DAYS`; counters are the permanent record. Writes on the hot
path are single statements (the bid insert, the render claim, the counter upserts), so no model
here overrides `save()` or listens to signals.
"""

import uuid

from django.db import models
from django.utils import timezone

from creatives.models import Ad, AdGroup, Campaign
from thrad.models import Organization


class SupplyPartner(models.Model):
    """An SSP allowed to call `bid`. Its key is stored as a lookup prefix and a SHA-256 digest."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_prefix(self) -> str:
        return f"sp_{self.prefix}"


class Bid(models.Model):
    """One bid we answered. `rendered_at` is claimed atomically by the first production render."""

    id = models.CharField(primary_key=True, max_length=40)  # "bid_<32 hex>", the public bid id
    # No database constraint on the references: every bid is one INSERT on the hot path, and
    # checking three foreign keys is a third of the database's CPU for it. The ids come from
    # the serving index (rows that existed when it was built); deletes still cascade (Django's
    # collector). A bid whose ad was deleted meanwhile renders nothing: its charge needs the ad.
    partner = models.ForeignKey(SupplyPartner, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    ad = models.ForeignKey(Ad, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    price_micros = models.BigIntegerField(help_text="The CPM we bid, in micros (2-decimal dollars).")
    request_type = models.CharField(max_length=12)
    request_id = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    realized_price_micros = models.BigIntegerField(null=True, blank=True, help_text="CPM, micros.")
    # What render answers and the click token it stores: durable here, so a bid renders after
    # the cache lost it (a Redis restart), not only from the cache.
    render_data = models.JSONField(null=True, blank=True)
    render_limits = models.JSONField(null=True, blank=True, help_text="What render counts for pacing and caps.")
    token_digest = models.CharField(max_length=64, blank=True, help_text="Stored at render; blank if at bid.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.id


class ClickToken(models.Model):
    """The server-side half of a click URL: the token's digest and the ad it leads to."""

    digest = models.CharField(max_length=64, unique=True)
    ad = models.ForeignKey(Ad, on_delete=models.CASCADE, related_name="+")
    bid_id = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    clicked_at = models.DateTimeField(null=True, blank=True, help_text="The first click; only it counts.")

    def __str__(self) -> str:
        return f"click token of {self.bid_id}"


class FrequencyImpression(models.Model):
    """One production impression of an ad group with a frequency cap, for one end user: the
    database's frequency counter (bids/counters.py; Redis keeps its own). Kept one week."""

    ad_group = models.ForeignKey(AdGroup, on_delete=models.CASCADE, related_name="+")
    user_key = models.CharField(max_length=32, help_text="A digest of the bid request's userId.")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ad_group", "user_key", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"group {self.ad_group_id} user {self.user_key[:8]} @ {self.at:%Y-%m-%d %H:%M}"


class AdStatsHourly(models.Model):
    """Per-ad counters for one UTC hour, incremented by one upsert per impression or click."""

    ad = models.ForeignKey(Ad, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField(help_text="Start of the UTC hour.")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    ad_group = models.ForeignKey(AdGroup, on_delete=models.CASCADE, related_name="+")
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    spend_micros = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ad", "hour"], name="one_stats_row_per_ad_hour")]
        indexes = [
            models.Index(fields=["organization", "hour"]),
            models.Index(fields=["campaign", "hour"]),
            models.Index(fields=["ad_group", "hour"]),
        ]

    def __str__(self) -> str:
        return f"ad {self.ad_id} @ {self.hour:%Y-%m-%d %H:00}"
