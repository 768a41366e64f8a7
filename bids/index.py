"""The serving index: every ad that may bid, grouped by ad group, with hints in a phrase trie.

Each worker process keeps one index in memory and checks a version key in the shared cache on
every bid (read in the same round trip that caches the bid, see bids.services.bid_place). Any
change that can alter which ads serve (campaigns, ad groups, ads, the advertiser's
name/domain/logo/suspension, a campaign's spend reaching its lifetime or daily limit) bumps
the version after its transaction commits; the next bid in each process sees the new version
and rebuilds from the database (one query). Bids never scan ads.
"""

import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from bids.auction import AdEntry, GroupEntry, cpm_price
from bids.matching import PhraseMatcher
from bids.models import SupplyPartner
from creatives.assets import public_url
from creatives.models import (
    CAP_WINDOW_SECONDS,
    Ad,
    AdGroup,
    CapWindow,
    Pacing,
    ReviewStatus,
    Status,
    pacing_in_effect,
)

VERSION_KEY = "dsp:serving-index:version"


@dataclass
class ServingIndex:
    version: str
    groups: dict[int, GroupEntry]
    matcher: PhraseMatcher[int]
    no_hints_everywhere: tuple[GroupEntry, ...] = ()
    no_hints_by_country: dict[str, tuple[GroupEntry, ...]] = field(default_factory=dict)
    partners: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # prefix → (pk, name, digest)
    phrase_groups: dict[int, tuple[GroupEntry, ...]] = field(default_factory=dict)  # highest bid first

    def no_hint_groups(self, country: str) -> tuple[GroupEntry, ...]:
        """Groups without hints that may target `country`, highest max bid first."""
        return self.no_hints_by_country.get(country, self.no_hints_everywhere)


def _domain(org_domain: str, target_url: str) -> str:
    if org_domain:
        return org_domain
    host = urlsplit(target_url).hostname or ""
    return host.removeprefix("www.")


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


_GROUP_FIELDS = (
    "pk",
    "campaign_id",
    "context_hints",
    "max_bid_micros",
    "campaign__start_time",
    "campaign__end_time",
    "campaign__countries",
    "organization__name",
    "organization__domain",
    "organization__logo_url",
    "organization_id",
    "campaign__daily_spend_limit_micros",
    "campaign__pacing",
    "campaign__day_spend_micros",
    "campaign__spend_day",
    "frequency_cap_max_impressions",
    "frequency_cap_window",
)
_AD_FIELDS = ("pk", "ad_group_id", "title", "body", "cta_text", "target_url", "asset_path")


def _servable_groups(now: datetime) -> QuerySet[AdGroup]:
    """Active groups of active, approved, unfinished, unspent campaigns of unsuspended advertisers."""
    return (
        AdGroup.objects.filter(status=Status.ACTIVE, organization__is_suspended=False)
        .filter(campaign__status=Status.ACTIVE, campaign__review_status=ReviewStatus.APPROVED)
        .filter(campaign__spend_micros__lt=F("campaign__lifetime_spend_limit_micros"))
        .filter(Q(campaign__end_time__isnull=True) | Q(campaign__end_time__gt=now))
    )


def _budget_today(row: tuple, today: date) -> dict[str, Any]:
    """Daily limit, pacing and frequency cap of a group row: the GroupEntry fields they set."""
    daily, pacing, day_spend, spend_day, cap_max, cap_window = row[11:17]
    spent_today = day_spend if spend_day == today else 0
    reached = daily is not None and spent_today >= daily
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC).timestamp()
    return {
        "daily_limit_micros": daily,
        "even_pacing": pacing_in_effect(pacing, daily) == Pacing.EVEN,
        "paused_until": tomorrow if reached else 0.0,
        "spend_snapshot": (today.toordinal(), spent_today),
        "cap": (cap_max, CAP_WINDOW_SECONDS[CapWindow(cap_window)]) if cap_max and cap_window else None,
    }


def _group_entry(row: tuple, ads: tuple[AdEntry, ...], hints: list[str], today: date) -> GroupEntry:
    group_id, campaign_id, _, max_bid, starts, ends, countries = row[:7]
    return GroupEntry(
        ad_group_id=group_id,
        campaign_id=campaign_id,
        max_bid_micros=max_bid,
        price=cpm_price(max_bid),
        starts_at=starts.timestamp(),
        ends_at=_epoch(ends),
        has_hints=bool(hints),
        ads=ads,
        countries=frozenset(c.strip().upper() for c in countries or () if isinstance(c, str)),
        **_budget_today(row, today),
    )


def _ad_entry(row: tuple, group: tuple, org_id: int) -> AdEntry:
    ad_id, group_id, title, body, cta, target, asset = row
    org_name, org_domain, logo = group[7:10]
    domain = _domain(org_domain, target)
    return AdEntry(
        ad_id=ad_id,
        ad_group_id=group_id,
        campaign_id=group[1],
        organization_id=org_id,
        advertiser=org_name or domain,
        domain=domain,
        title=title,
        body=body,
        cta_text=cta,
        image_url=public_url(asset),
        logo_url=logo or None,
    )


def _hints(raw: object) -> list[str]:
    return [h for h in raw if isinstance(h, str) and h.strip()] if isinstance(raw, list) else []


def build(version: str) -> ServingIndex:
    """Read the servable groups, their active ads and the active partners (three queries)."""
    now = timezone.now()
    servable = _servable_groups(now)
    group_rows = {row[0]: row for row in servable.values_list(*_GROUP_FIELDS)}
    ads: dict[int, list[AdEntry]] = defaultdict(list)
    ad_rows = Ad.objects.filter(status=Status.ACTIVE, ad_group__in=servable).order_by("pk").values_list(*_AD_FIELDS)
    for row in ad_rows:
        group = group_rows[row[1]]
        ads[row[1]].append(_ad_entry(row, group, group[10]))
    groups: dict[int, GroupEntry] = {}
    hints_by_group: dict[int, list[str]] = {}
    for group_id, group_ads in ads.items():  # groups without an active ad don't bid
        hints = _hints(group_rows[group_id][2])
        groups[group_id] = _group_entry(group_rows[group_id], tuple(group_ads), hints, now.astimezone(UTC).date())
        if hints:
            hints_by_group[group_id] = hints
    index = _arrange(version, groups, PhraseMatcher(hints_by_group))
    index.partners = {prefix: (pk, name, digest) for prefix, pk, name, digest in _active_partners()}
    return index


def _active_partners() -> QuerySet[SupplyPartner, tuple[str, int, str, str]]:
    """Supply partner keys live in the index too, so a bid authenticates without a query."""
    return SupplyPartner.objects.filter(is_active=True).values_list("prefix", "pk", "name", "digest")


def _arrange(version: str, groups: dict[int, GroupEntry], matcher: PhraseMatcher[int]) -> ServingIndex:
    """Groups without hints sorted by bid, once for 'everywhere' and once per targeted country;
    the groups of each hint phrase sorted by bid (the order bids.auction.rank reads them in)."""
    plain = sorted((g for g in groups.values() if not g.has_hints), key=lambda g: -g.max_bid_micros)
    everywhere = tuple(g for g in plain if not g.countries)
    countries = {c for g in plain for c in g.countries}
    by_country = {c: tuple(g for g in plain if not g.countries or c in g.countries) for c in countries}
    phrase_groups = {
        phrase: tuple(sorted((groups[g] for g in matcher.groups_of(phrase)), key=lambda g: -g.max_bid_micros))
        for phrase in range(matcher.phrase_count)
    }
    return ServingIndex(version, groups, matcher, everywhere, by_country, phrase_groups=phrase_groups)


# --- the per-process copy and its version -----------------------------------------------------

_lock = threading.Lock()
_current: ServingIndex | None = None


def current_version() -> str:
    """The shared version (one cache read); created when the cache has none."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), None)
        version = cache.get(VERSION_KEY)
    return str(version)


def serving_index() -> ServingIndex:
    """This process's index, rebuilt first when the shared version moved."""
    return index_at(current_version())


def index_at(version: str) -> ServingIndex:
    """This process's index at `version` (just read from the cache), rebuilt when it is another."""
    global _current
    index = _current
    if index is not None and index.version == version:
        return index
    with _lock:
        if _current is None or _current.version != version:
            _current = build(version)
        return _current


def held_index() -> ServingIndex | None:
    """This process's index as it stands, unchecked (None before the first build). A bid uses it
    and confirms its version in the round trip that caches the bid (bids.services.bid_place)."""
    return _current


def version_bump() -> None:
    cache.set(VERSION_KEY, f"{time.time_ns():x}{secrets.token_hex(4)}", None)


def version_bump_on_commit() -> None:
    """Bump once the surrounding transaction commits (at once outside a transaction).

    Robust: a cache failure here is logged, never turned into an error for a write that
    already committed."""
    transaction.on_commit(version_bump, robust=True)
