"""The one set of test builders, used by every app's tests (personas in tests/conftest.py).

People, organizations and keys go through the services a user's request would use
(`organization_create`, `api_key_create`). The ad tree and supply partners are built straight
through the ORM, so a test can set any state (approved, archived, spent); each builder runs the
on-commit callbacks of what it saved (the serving index version bump), as a committed save would
in production, even inside a test's wrapping transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.utils import timezone
from rest_framework.test import APIClient

from bids.models import SupplyPartner
from bids.services import supply_partner_create
from creatives.models import Ad, AdGroup, Campaign, ReviewStatus, Status
from thrad.models import ApiKey, Membership, Organization
from thrad.services import api_key_create, organization_create


@contextmanager
def committed() -> Iterator[None]:
    """Run on-commit callbacks of the saves inside, as if their transaction had committed."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def organization(name: str = "Nike", domain: str = "nike.com", logo_url: str = "") -> Organization:
    with committed():
        org = organization_create(name=name, domain=domain)
        if logo_url:
            org.logo_url = logo_url
            org.save(update_fields=["logo_url"])
        return org


@dataclass
class Actor:
    user: object
    org: Organization
    key: ApiKey | None
    secret: str | None

    def client(self) -> APIClient:
        """An API client sending this actor's key as a Bearer token."""
        client = APIClient()
        if self.secret:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.secret}")
        return client


def make_actor(*, org_name: str, username: str, role: str, with_key: bool = True) -> Actor:
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw-123456789")
    org = Organization.objects.filter(name=org_name).first() or organization_create(
        name=org_name, domain=f"{org_name.lower()}.example"
    )
    Membership.objects.create(user=user, organization=org, role=role)
    key, secret = (None, None)
    if with_key:
        key, secret = api_key_create(org=org, by_user=user)
    return Actor(user=user, org=org, key=key, secret=secret)


def campaign(org: Organization, **fields: Any) -> Campaign:
    values = {
        "name": "Spring running",
        "status": Status.ACTIVE,
        "review_status": ReviewStatus.APPROVED,
        "start_time": timezone.now() - timedelta(days=1),
        "end_time": None,
        "lifetime_spend_limit_micros": 1_000_000_000,
        "countries": [],
        **fields,
    }
    with committed():
        return Campaign.objects.create(organization=org, **values)


def ad_group(
    camp: Campaign, *, hints: list[str] | None = None, max_bid_micros: int = 7_500_000, **fields: Any
) -> AdGroup:
    values = {
        "name": "Runners",
        "context_hints": hints or [],
        "max_bid_micros": max_bid_micros,
        "status": Status.ACTIVE,
        **fields,
    }
    with committed():
        return AdGroup.objects.create(organization=camp.organization, campaign=camp, **values)


def ad(group: AdGroup, **fields: Any) -> Ad:
    values = {
        "name": "Shoes",
        "title": "Premium Running Shoes",
        "body": "Perfect for marathon training.",
        "cta_text": "Shop now",
        "target_url": "https://www.nike.com/running",
        "asset_path": "",
        "status": Status.ACTIVE,
        **fields,
    }
    with committed():
        return Ad.objects.create(organization=group.organization, ad_group=group, **values)


def servable_ad(
    org: Organization | None = None,
    *,
    hints: list[str] | None = None,
    max_bid_micros: int = 7_500_000,
    campaign_fields: dict[str, Any] | None = None,
    group_fields: dict[str, Any] | None = None,
    **ad_fields: Any,
) -> Ad:
    """An active ad in an active group of an active, approved campaign (one new tree)."""
    org = org or Organization.objects.filter(name="Nike").first() or organization()
    camp = campaign(org, **(campaign_fields or {}))
    group = ad_group(camp, hints=hints, max_bid_micros=max_bid_micros, **(group_fields or {}))
    return ad(group, **ad_fields)


def save(instance: Any, **fields: Any) -> Any:
    """Change fields and save, committing (so the serving index notices)."""
    for name, value in fields.items():
        setattr(instance, name, value)
    with committed():
        instance.save()
    return instance


def partner(name: str = "SSP") -> tuple[SupplyPartner, str]:
    return supply_partner_create(name=name)
