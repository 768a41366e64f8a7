"""Reads of the bids app: partner authentication, click targets, insights series."""

from datetime import datetime
from typing import Any

from django.db.models import Sum

from bids.index import ServingIndex, serving_index
from bids.insights import Child, InsightsQuery
from bids.models import AdStatsHourly, Bid, ClickToken, SupplyPartner
from creatives.models import Ad, AdGroup, Campaign
from thrad import keys
from thrad.errors import PlatformError
from thrad.models import Organization

PARTNER_KEY_KIND = "sp"
_PARTNER_FIELDS = ["id", "name", "prefix", "digest", "is_active"]


def partner_authenticate(*, secret: str, index: ServingIndex | None = None) -> SupplyPartner | None:
    """The active partner whose key is `secret`, from the serving index (no query): one digest and a
    constant-time compare. Partner changes bump the index version like ad changes do."""
    prefix = keys.parse_prefix(PARTNER_KEY_KIND, secret)
    if prefix is None:
        return None
    entry = (index or serving_index()).partners.get(prefix)
    if entry is None or not keys.matches(secret, entry[2]):
        return None
    # As loaded from the database (the index's columns, the rest deferred): no field defaults run.
    return SupplyPartner.from_db("default", _PARTNER_FIELDS, (entry[0], entry[1], prefix, entry[2], True))


def click_target_get(*, digest: str, now: datetime) -> dict[str, Any] | None:
    """The live click token (whether it was clicked) and its ad: its target URL and the ids its
    counters are kept under."""
    row = (
        ClickToken.objects.filter(digest=digest, expires_at__gt=now)
        .values(
            "pk",
            "clicked_at",
            "ad_id",
            "ad__target_url",
            "ad__ad_group_id",
            "ad__ad_group__campaign_id",
            "ad__organization_id",
        )
        .first()
    )
    return dict(row) if row is not None else None


_SCOPES: dict[str, Any] = {"campaign": Campaign, "ad_group": AdGroup, "ad": Ad}


def bid_render_payload(*, bid_id: str) -> dict[str, Any] | None:
    """The render payload of a stored bid, as the bid cache holds it (one indexed read, joined to
    its ad); None for an unknown bid or one stored without render data."""
    row = (
        Bid.objects.filter(pk=bid_id, render_data__isnull=False)
        .values_list(
            "expires_at",
            "price_micros",
            "ad_id",
            "ad__ad_group_id",
            "campaign_id",
            "ad__organization_id",
            "render_data",
            "token_digest",
            "render_limits",
        )
        .first()
    )
    if row is None:
        return None
    expires, price, ad_id, group_id, campaign_id, org_id, data, token, limits = row
    return {
        "exp": expires.timestamp(),
        "price_micros": price,
        "ids": (ad_id, group_id, campaign_id, org_id),
        "data": data,
        "token": token or None,
        "limits": limits,
    }


def insights_scope(*, org: Organization, kind: str | None, public_id: Any = None) -> dict[str, int]:
    """The counter filter for the org's account, or one of its campaigns, ad groups or ads (else 404)."""
    if kind is None:
        return {"organization_id": org.pk}
    pk = _SCOPES[kind].objects.for_org(org).filter(public_id=public_id).values_list("pk", flat=True).first()
    if pk is None:
        raise PlatformError.NOT_FOUND(f"No such {kind.replace('_', ' ')}.")
    return {"organization_id": org.pk, f"{kind}_id": pk}


def stats_hourly(*, scope: dict[str, int], query: InsightsQuery) -> list[tuple[datetime, Child, int, int, int]]:
    """(hour, child, impressions, clicks, spend_micros) summed over the scope's ads, one row per
    hour and child of `query.child_path` (one query; the children's public ids joined in)."""
    pks = [f"{name}_id" for name in query.child_path]
    public_ids = [f"{name}__public_id" for name in query.child_path]
    rows = (
        AdStatsHourly.objects.filter(**scope, hour__gte=query.first_hour, hour__lt=query.until)
        .values("hour", *pks, *public_ids)
        .order_by("hour")
        .annotate(i=Sum("impressions"), c=Sum("clicks"), s=Sum("spend_micros"))
        .values_list("hour", *pks, *public_ids, "i", "c", "s")
    )
    depth = len(pks)
    return [
        (
            row[0],
            Child(tuple(row[1 : 1 + depth]), tuple(str(p) for p in row[1 + depth : 1 + 2 * depth])),
            *row[-3:],
        )
        for row in rows
    ]
