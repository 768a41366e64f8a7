"""Scoped reads of the ad account tree. Another organization's id is 404, like an unknown one."""

import uuid
from typing import TypeVar

from django.db.models import Model, QuerySet

from creatives.models import Ad, AdGroup, Campaign
from thrad.errors import PlatformError
from thrad.models import Organization
from thrad.pagination import Page, PageRequest, keyset_page


def _uuid(value: str | None) -> uuid.UUID | None:
    if not value or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


M = TypeVar("M", bound=Model)


def _one(queryset: QuerySet[M], public_id: str | None, *, param: str | None) -> M:
    parsed = _uuid(public_id)
    found = queryset.filter(public_id=parsed).first() if parsed else None
    if found is None:
        raise PlatformError.NOT_FOUND(param=param)
    return found


def campaign_get(*, org: Organization, campaign_id: str | None, param: str | None = None) -> Campaign:
    """The organization's campaign with this public id, else 404 (naming `param` if given)."""
    return _one(Campaign.objects.for_org(org), campaign_id, param=param)


def campaign_list(*, org: Organization, page: PageRequest) -> Page:
    """One page of the organization's campaigns (one query plus the cursor lookup)."""
    return keyset_page(Campaign.objects.for_org(org), page)


def ad_group_get(*, org: Organization, ad_group_id: str | None, param: str | None = None) -> AdGroup:
    """The organization's ad group (campaign loaded), else 404."""
    return _one(AdGroup.objects.for_org(org).select_related("campaign"), ad_group_id, param=param)


def ad_group_list(*, org: Organization, campaign: Campaign, page: PageRequest) -> Page:
    """One page of a campaign's ad groups, archived ones included."""
    queryset = AdGroup.objects.for_org(org).filter(campaign=campaign).select_related("campaign")
    return keyset_page(queryset, page)


def ad_get(*, org: Organization, ad_id: str | None) -> Ad:
    """The organization's ad (ad group, campaign and organization loaded), else 404."""
    queryset = Ad.objects.for_org(org).select_related("ad_group__campaign", "organization")
    return _one(queryset, ad_id, param=None)


def ad_list(*, org: Organization, ad_group: AdGroup, page: PageRequest) -> Page:
    """One page of an ad group's ads, archived ones included."""
    queryset = Ad.objects.for_org(org).filter(ad_group=ad_group).select_related("ad_group__campaign")
    return keyset_page(queryset, page)
