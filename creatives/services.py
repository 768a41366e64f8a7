"""Writes to the ad account tree: creates, updates, lifecycle actions and review decisions.

Every write that can change which ads can serve sends `creatives.signals.serving_changed`
(organization_id=...) after its transaction commits. Multi-row writes run in one transaction;
creative assets copied during a write are deleted again if it fails.
"""

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from creatives.assets import asset_copy, removed_unless_committed
from creatives.models import Ad, AdGroup, Campaign, Pacing, ReviewStatus, Status
from creatives.signals import serving_changed
from thrad.errors import V1Error
from thrad.models import AuditLog, Organization
from thrad.services import audit_log_record

logger = logging.getLogger(__name__)


def serving_changed_notify(*, organization_id: int) -> None:
    """Send `serving_changed` once the current transaction commits (at once outside one)."""

    def send() -> None:
        for receiver, result in serving_changed.send_robust(sender=Campaign, organization_id=organization_id):
            if isinstance(result, Exception):
                logger.error("serving_changed receiver %r failed", receiver, exc_info=result)

    transaction.on_commit(send)


# --- campaigns -----------------------------------------------------------------------------


_BUDGET_FIELDS = ("lifetime_spend_limit_micros", "daily_spend_limit_micros", "pacing")


def _campaign_fields(data: dict[str, Any]) -> dict[str, Any]:
    names = ("name", "description", "start_time", "end_time", "pricing_model")
    fields: dict[str, Any] = {k: data[k] for k in names if k in data}
    budget = data.get("budget", {})
    fields.update({name: budget[name] for name in _BUDGET_FIELDS if name in budget})
    include = data.get("targeting", {}).get("locations", {}).get("include")
    if include is not None:
        fields["countries"] = list(dict.fromkeys(item["country_code"] for item in include))
    return fields


def _check_schedule(start: datetime, end: datetime | None) -> None:
    if end is not None and end <= start:
        raise V1Error.INVALID_VALUE("end_time must be after start_time.", param="end_time")


def _check_budget(campaign: Campaign, changed: dict[str, Any]) -> None:
    """The budget as it will be: a daily limit at most the lifetime limit; even pacing needs one.
    `param` names the field the request sent."""
    daily, lifetime = campaign.daily_spend_limit_micros, campaign.lifetime_spend_limit_micros
    if daily is not None and daily > lifetime:
        sent_daily = "daily_spend_limit_micros" in changed or "lifetime_spend_limit_micros" not in changed
        param = "budget.daily_spend_limit_micros" if sent_daily else "budget.lifetime_spend_limit_micros"
        raise V1Error.INVALID_VALUE(
            f"daily_spend_limit_micros ({daily}) must be at most lifetime_spend_limit_micros ({lifetime}).",
            param=param,
        )
    if campaign.pacing == Pacing.EVEN and daily is None:
        sent_pacing = "pacing" in changed
        raise V1Error.INVALID_VALUE(
            "Even pacing spreads a daily limit over the day: set budget.daily_spend_limit_micros, or use "
            "pacing asap (or null for the default).",
            param="budget.pacing" if sent_pacing else "budget.daily_spend_limit_micros",
        )


def campaign_create(*, org: Organization, data: dict[str, Any]) -> Campaign:
    """Create a campaign with its ad groups and ads, all or nothing; it starts paused, in review."""
    with removed_unless_committed(), transaction.atomic():
        fields = _campaign_fields(data)
        _check_schedule(fields["start_time"], fields.get("end_time"))
        campaign = Campaign(organization=org, status=Status.PAUSED, review_status=ReviewStatus.IN_REVIEW, **fields)
        _check_budget(campaign, fields)
        campaign.save(force_insert=True)
        for index, group in enumerate(data.get("ad_groups", [])):
            _ad_group_insert(org=org, campaign=campaign, data=group, param=f"ad_groups[{index}].")
        serving_changed_notify(organization_id=org.pk)
    return campaign


def campaign_update(*, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    """Change the given fields (never status, review status or spend)."""
    fields = _campaign_fields(data)
    if not fields:
        return campaign
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        _check_schedule(locked.start_time, locked.end_time)
        _check_budget(locked, fields)
        locked.save(update_fields=[*fields, "updated_at"])
        serving_changed_notify(organization_id=locked.organization_id)
    return locked


def _status_set(obj: Campaign | AdGroup | Ad, status: str) -> Any:
    with transaction.atomic():
        type(obj).objects.filter(pk=obj.pk).update(status=status, updated_at=timezone.now())
        serving_changed_notify(organization_id=obj.organization_id)
    obj.refresh_from_db(fields=["status", "updated_at"])
    return obj


def campaign_activate(*, campaign: Campaign) -> Campaign:
    """Activate an approved campaign; 400 campaign_not_approved otherwise (checked atomically)."""
    with transaction.atomic():
        approved = Campaign.objects.filter(pk=campaign.pk, review_status=ReviewStatus.APPROVED)
        if not approved.update(status=Status.ACTIVE, updated_at=timezone.now()):
            raise V1Error.CAMPAIGN_NOT_APPROVED()
        serving_changed_notify(organization_id=campaign.organization_id)
    campaign.refresh_from_db(fields=["status", "updated_at"])
    return campaign


def campaign_pause(*, campaign: Campaign) -> Campaign:
    """Stop serving the campaign until it is activated again."""
    return _status_set(campaign, Status.PAUSED)


def campaign_archive(*, campaign: Campaign) -> Campaign:
    """Stop serving the campaign and file it away (activate or pause brings it back)."""
    return _status_set(campaign, Status.ARCHIVED)


def campaign_review(
    *,
    campaign: Campaign,
    approve: bool,
    by_user: User | None = None,
    actor_label: str = "",
    ip: str | None = None,
) -> Campaign:
    """Record staff's decision (the admin's list action and change page, `manage.py review_campaign`).
    Rejecting an active campaign also pauses it. Audit-logged with who and from where."""
    now = timezone.now()
    with transaction.atomic():
        rows = Campaign.objects.filter(pk=campaign.pk)
        if approve:
            rows.update(review_status=ReviewStatus.APPROVED, updated_at=now)
        else:
            paused = Case(When(status=Status.ACTIVE, then=Value(Status.PAUSED)), default=F("status"))
            rows.update(review_status=ReviewStatus.REJECTED, status=paused, updated_at=now)
        audit_log_record(
            org=campaign.organization,
            action=AuditLog.Action.CAMPAIGN_APPROVE if approve else AuditLog.Action.CAMPAIGN_REJECT,
            target=f"{campaign.name} ({campaign.public_id})",
            by_user=by_user,
            actor_label=actor_label,
            ip=ip,
        )
        serving_changed_notify(organization_id=campaign.organization_id)
    campaign.refresh_from_db(fields=["status", "review_status", "updated_at"])
    return campaign


# --- ad groups -----------------------------------------------------------------------------


def _ad_group_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {k: data[k] for k in ("name", "context_hints") if k in data}
    bidding = data.get("bidding_config", {})
    if "max_bid_micros" in bidding:
        fields["max_bid_micros"] = bidding["max_bid_micros"]
    if "billing_event_type" in bidding:
        fields["billing_event_type"] = bidding["billing_event_type"]
    if "frequency_cap" in data:
        cap = data["frequency_cap"] or {}
        fields["frequency_cap_max_impressions"] = cap.get("max_impressions")
        fields["frequency_cap_window"] = cap.get("window")
    return fields


def _ad_group_insert(*, org: Organization, campaign: Campaign, data: dict[str, Any], param: str) -> AdGroup:
    group = AdGroup.objects.create(organization=org, campaign=campaign, **_ad_group_fields(data))
    ads = [
        _ad_build(org=org, group=group, data=ad, param=f"{param}ads[{index}].")
        for index, ad in enumerate(data.get("ads", []))
    ]
    Ad.objects.bulk_create(ads)
    return group


def ad_group_create(*, org: Organization, campaign: Campaign, data: dict[str, Any]) -> AdGroup:
    """Create an ad group (active) in `campaign`, with its ads if given, all or nothing."""
    with removed_unless_committed(), transaction.atomic():
        group = _ad_group_insert(org=org, campaign=campaign, data=data, param="")
        serving_changed_notify(organization_id=org.pk)
    return group


def ad_group_update(*, ad_group: AdGroup, data: dict[str, Any]) -> AdGroup:
    """Change the given fields (never status)."""
    fields = _ad_group_fields(data)
    if not fields:
        return ad_group
    for name, value in fields.items():
        setattr(ad_group, name, value)
    with transaction.atomic():
        ad_group.save(update_fields=[*fields, "updated_at"])
        serving_changed_notify(organization_id=ad_group.organization_id)
    return ad_group


def ad_group_activate(*, ad_group: AdGroup) -> AdGroup:
    return _status_set(ad_group, Status.ACTIVE)


def ad_group_pause(*, ad_group: AdGroup) -> AdGroup:
    return _status_set(ad_group, Status.PAUSED)


def ad_group_archive(*, ad_group: AdGroup) -> AdGroup:
    """Archive: stops serving; reads back as paused."""
    return _status_set(ad_group, Status.ARCHIVED)


# --- ads -----------------------------------------------------------------------------------


_CREATIVE_FIELDS = {
    "type": "creative_type",
    "title": "title",
    "body": "body",
    "cta_text": "cta_text",
    "target_url": "target_url",
}


def _ad_build(*, org: Organization, group: AdGroup, data: dict[str, Any], param: str) -> Ad:
    """An unsaved ad (status active) whose image, if any, is already copied to its own asset."""
    creative = data["creative"]
    ad = Ad(organization=org, ad_group=group, name=data.get("name") or creative["title"])
    for key, attr in _CREATIVE_FIELDS.items():
        setattr(ad, attr, creative.get(key, "chat_card" if key == "type" else ""))
    upload = creative.get("file_id")
    if upload is not None:
        ad.file_id = upload.file_id
        ad.asset_path = asset_copy(org=org, upload=upload, stem=str(ad.public_id), param=f"{param}creative.file_id")
    return ad


def ad_create(*, org: Organization, ad_group: AdGroup, data: dict[str, Any]) -> Ad:
    """Create an active ad in `ad_group`, copying its image into the ad's own creative asset."""
    with removed_unless_committed(), transaction.atomic():
        ad = _ad_build(org=org, group=ad_group, data=data, param="")
        ad.save()
        serving_changed_notify(organization_id=org.pk)
    return ad


def _ad_fields(ad: Ad, data: dict[str, Any]) -> list[str]:
    """Apply `data` to `ad` (copying a newly referenced image); the names of changed fields."""
    changed = []
    if "name" in data:
        ad.name, changed = data["name"], ["name"]
    creative = data.get("creative", {})
    for key, attr in _CREATIVE_FIELDS.items():
        if key in creative:
            setattr(ad, attr, creative[key])
            changed.append(attr)
    if "file_id" in creative:
        upload = creative["file_id"]
        if upload is None:
            ad.file_id, ad.asset_path = None, ""
        elif upload.file_id != ad.file_id or not ad.asset_path:
            # A new name: assets are immutable once served (long-lived caches).
            ad.file_id, ad.asset_path = upload.file_id, asset_copy(org=ad.organization, upload=upload)
        changed += ["file_id", "asset_path"]
    return changed


def ad_update(*, ad: Ad, data: dict[str, Any]) -> Ad:
    """Change the given fields (never status). A new file_id gets a new copy of its bytes.

    The previous asset is kept: cards already handed out keep loading.
    """
    with removed_unless_committed(), transaction.atomic():
        changed = _ad_fields(ad, data)
        if changed:
            ad.save(update_fields=[*changed, "updated_at"])
            serving_changed_notify(organization_id=ad.organization_id)
    return ad


def ad_activate(*, ad: Ad) -> Ad:
    return _status_set(ad, Status.ACTIVE)


def ad_pause(*, ad: Ad) -> Ad:
    return _status_set(ad, Status.PAUSED)


def ad_archive(*, ad: Ad) -> Ad:
    """Archive: stops serving; reads back as paused."""
    return _status_set(ad, Status.ARCHIVED)
