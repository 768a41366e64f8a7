"""Writes of the DSP: supply partners, bids, renders (impressions and spend), clicks, clean-up.

Hot paths, in statements:
- bid: one cache round trip (the bid cached and the index version read in one script), one
  INSERT whose commit does not wait for the disk (two in one durable transaction for inline
  ad_data).
- render: one cache read; with `production` one atomic write that claims the bid
  (`UPDATE ... WHERE rendered_at IS NULL`), stores the click token, upserts the hourly counter
  and adds the spend to the campaign (one statement on PostgreSQL, see bids/accounting.py).
  A duplicate render claims nothing and charges nothing.
- click: one indexed read (token → ad); on the token's first click one transaction that marks it
  clicked (`UPDATE ... WHERE clicked_at IS NULL`) and upserts the counter.
- bid with a candidate that paces evenly or has a frequency cap: one read of the shared counters
  (bids/counters.py); render of such a bid: one counter write after the database write.
"""

import base64
import contextlib
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from redis.exceptions import RedisError

from bids import accounting, auction, pacing, selectors
from bids.bid_request import OPENER, BidRequest
from bids.counters import WEEK_SECONDS, counters, user_key
from bids.index import (
    VERSION_KEY,
    ServingIndex,
    current_version,
    held_index,
    index_at,
    serving_index,
    version_bump_on_commit,
)
from bids.models import Bid, ClickToken, FrequencyImpression, SupplyPartner
from bids.render import Creative
from bids.selectors import click_target_get
from bids.serializers import RenderDataSerializer
from thrad import dependencies, fastquery, keys
from thrad.cache import set_then_get
from thrad.errors import DspError

logger = logging.getLogger("bids.dsp")
BID_ID = re.compile(r"bid_[0-9a-f]{32}")
CLICK_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
CLICK_PATH = "/api/v1/dsp/redirect/"


@dataclass(frozen=True)
class PlacedBid:
    bid_id: str
    price: Decimal
    ad_data: dict[str, Any] | None


def supply_partner_create(*, name: str) -> tuple[SupplyPartner, str]:
    """Register an SSP; its key is returned once and only its prefix and digest are stored."""
    new = keys.generate("sp")
    partner = SupplyPartner.objects.create(name=name, prefix=new.prefix, digest=new.digest)
    return partner, new.secret


def supply_partner_key_rotate(*, partner: SupplyPartner) -> str:
    """Replace a partner's key at once (the old key stops working); returns the new key."""
    new = keys.generate("sp")
    SupplyPartner.objects.filter(pk=partner.pk).update(prefix=new.prefix, digest=new.digest)
    version_bump_on_commit()  # partner keys live in the serving index
    partner.prefix, partner.digest = new.prefix, new.digest
    return new.secret


def _bid_cache_key(bid_id: str) -> str:
    return f"dsp:bid:{bid_id}"


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _ranked(index: ServingIndex, request: BidRequest) -> Iterator[tuple[float, auction.GroupEntry]]:
    """Candidates best first: groups whose hints matched, then groups without hints (relevance 0,
    the only ones an opener considers)."""
    if request.request_type != OPENER:
        weights = index.matcher.phrase_weights(request.messages)
        if weights:
            yield from auction.rank(weights, index.phrase_groups)
    for group in index.no_hint_groups(request.country_code):
        yield 0.0, group


def _choose(index: ServingIndex, request: BidRequest, now: float) -> auction.AdEntry | None:
    """Most relevant eligible ad whose campaign's pacing and group's frequency cap let it bid."""
    floor, country = settings.DSP_BID_FLOOR_CPM, request.country_code
    found = auction.candidates(_ranked(index, request), now=now, country=country, floor=floor)
    held = _held_back(found, request, now)
    return auction.pick(found, now=now, country=country, floor=floor, blocked=held)


def _held_back(found: list[tuple[float, auction.GroupEntry]], request: BidRequest, now: float) -> set[int]:
    """One read of the shared counters when a candidate paces evenly or has a frequency cap (else
    none). Counters down: those candidates sit this bid out; the others still bid."""
    paced = sorted({group.campaign_id for _, group in found if group.even_pacing})
    caps = [pacing.Cap(group.ad_group_id, *group.cap) for _, group in found if group.cap is not None]
    if not paced and not caps:
        return set()
    day = datetime.fromtimestamp(now, tz=UTC).date()
    try:
        readings = counters().read(day=day, campaign_ids=paced, user=user_key(request.user_id), caps=caps, now=now)
    except (RedisError, DatabaseError):
        logger.warning("pacing and frequency counters unavailable; constrained candidates held back", exc_info=True)
        return {group.ad_group_id for _, group in found if group.constrained}
    return pacing.held_back(found, readings, now=now)


def _limits(group: auction.GroupEntry, request: BidRequest) -> dict[str, Any] | None:
    """What render must count for this bid besides the database figures: the spend mirror of a
    campaign with a daily limit, the end user's impression of a capped group."""
    if group.daily_limit_micros is None and group.cap is None:
        return None
    return {
        "mirror": group.daily_limit_micros is not None,
        "cap": group.cap,
        "user": user_key(request.user_id),
    }


def bid_place(*, partner: SupplyPartner, request: BidRequest, index: ServingIndex | None = None) -> PlacedBid | None:
    """Answer a bid request: the chosen ad's price and a bid id, or None (no bid).

    The bid is stored in the database and cached for BID_TTL_SECONDS with its render data;
    openers (and every bid under DSP_PRERENDER) carry that data inline. The index this process
    holds is confirmed by the same cache round trip that caches the bid (a no-bid reads the
    version alone); when the shared version moved, the index is rebuilt, the partner checked
    against it and the ad chosen again.
    """
    if not request.wants_sponsored_message:
        return _no_bid(request, partner, "sponsored_message not wanted")
    now = time.time()
    index = index or held_index() or serving_index()
    secret = secrets.token_bytes(48)  # the bid id and the click token from one system call
    bid_id, token = f"bid_{secret[:16].hex()}", base64.urlsafe_b64encode(secret[16:]).rstrip(b"=").decode("ascii")
    inline = request.request_type == OPENER or settings.DSP_PRERENDER
    token_now = inline and request.production  # an inline creative may be shown without a render
    cached, version = False, index.version
    for attempt in range(3):
        if attempt:
            index = index_at(version)
            _partner_check(index, partner)
        ad = _choose(index, request, now)
        if ad is None:
            version = current_version()
        else:
            group = index.groups[ad.ad_group_id]
            price = group.price
            data = RenderDataSerializer.render(
                Creative(
                    ad,
                    url=f"{settings.PUBLIC_BASE_URL}{CLICK_PATH}{token}",
                    max_headline_chars=request.max_headline_chars,
                    image_enabled=request.image_enabled,
                )
            )
            render_token, limits = None if token_now else _token_digest(token), _limits(group, request)
            version = _bid_cache(
                bid_id,
                {
                    "exp": now + settings.BID_TTL_SECONDS,
                    "price_micros": auction.price_micros(price),
                    "ids": tuple(ad.ids),
                    "data": data,
                    "token": render_token,
                    "limits": limits,
                },
            )
            cached = True
        if version == index.version:
            break
    if ad is None:
        if cached:
            cache.delete(_bid_cache_key(bid_id))  # chosen on an index that had moved
        return _no_bid(request, partner, "nothing eligible")
    try:
        _bid_store(
            bid_id=bid_id,
            partner=partner,
            ad=ad,
            price=price,
            request=request,
            now=now,
            token_digest=_token_digest(token) if token_now else None,
            data=data,
            render_token=render_token,
            limits=limits,
        )
    except Exception:
        with contextlib.suppress(Exception):  # the store's error is the one to tell
            cache.delete(_bid_cache_key(bid_id))  # a bid without its row is never answered
        raise
    logger.info(
        "bid request_id=%r partner=%s bid_id=%s price=%s ad=%s", request.request_id, partner.pk, bid_id, price, ad.ad_id
    )
    return PlacedBid(bid_id=bid_id, price=price, ad_data=data if inline else None)


def _no_bid(request: BidRequest, partner: SupplyPartner, reason: str) -> PlacedBid | None:
    logger.info("no bid request_id=%r partner=%s: %s", request.request_id, partner.pk, reason)
    return None


def _partner_check(index: ServingIndex, partner: SupplyPartner) -> None:
    """The partner is still active with the same key in the newer index (else the uniform 401)."""
    entry = index.partners.get(partner.prefix)
    if entry is None or entry[0] != partner.pk or entry[2] != partner.digest:
        raise DspError.INVALID_PARTNER_KEY()


def _bid_cache(bid_id: str, payload: dict[str, Any]) -> str:
    """Cache everything render needs for BID_TTL_SECONDS and read the serving index's shared
    version, in one round trip; returns the version. The cache down is no bid (the caller's
    204): this process could not tell whether its index is current."""
    version = set_then_get(_bid_cache_key(bid_id), payload, settings.BID_TTL_SECONDS, VERSION_KEY)
    return str(version) if version is not None else current_version()


def _bid_store(
    *,
    bid_id: str,
    partner: SupplyPartner,
    ad: auction.AdEntry,
    price: Decimal,
    request: BidRequest,
    now: float,
    token_digest: str | None,
    data: dict[str, Any],
    render_token: str | None,
    limits: dict[str, Any] | None,
) -> None:
    """One INSERT in autocommit (bulk_create would wrap it in BEGIN/COMMIT: two more round trips),
    its SQL built once, and its commit not waiting for the WAL flush: a bid is no money (the
    render that charges it commits durably, and that flush covers the bid row too). With an
    inline creative shown for real, its click token in the same (durable) transaction. The row
    carries the render data and the render-time token digest (render's fallback)."""
    created = datetime.fromtimestamp(now, tz=UTC)
    row = dict(
        id=bid_id,
        partner_id=partner.pk,
        ad_id=ad.ad_id,
        campaign_id=ad.campaign_id,
        price_micros=auction.price_micros(price),
        request_type=request.request_type,
        request_id=request.request_id[:100],
        country_code=request.country_code[:8],
        created_at=created,
        expires_at=created + timedelta(seconds=settings.BID_TTL_SECONDS),
        render_data=data,
        render_limits=limits,
        token_digest=render_token or "",
    )
    if token_digest is None:
        fastquery.insert(Bid, row, wait_for_flush=False)
        return
    with transaction.atomic():
        Bid(**row).save(force_insert=True)
        _click_token_create(digest=token_digest, ad_id=ad.ad_id, bid_id=bid_id, now=created)


def _click_token_create(*, digest: str, ad_id: int, bid_id: str, now: datetime) -> None:
    expires = now + timedelta(days=settings.CLICK_TOKEN_TTL_DAYS)
    ClickToken.objects.create(digest=digest, ad_id=ad_id, bid_id=bid_id, created_at=now, expires_at=expires)


def bid_render(*, bid_id: str, realized_price: Decimal, production: bool) -> dict[str, Any]:
    """The bid's render data (the same every time). With `production` the first render records
    one impression and realizedPrice/1000 dollars of spend, atomically and exactly once."""
    payload = _render_payload(bid_id) if BID_ID.fullmatch(bid_id) else None
    if payload is None or time.time() >= payload["exp"]:
        raise DspError.BID_NOT_FOUND()
    bid_price = Decimal(payload["price_micros"]) / auction.MICROS
    if realized_price > bid_price:
        raise DspError.REALIZED_PRICE_ABOVE_BID(f"realizedPrice {realized_price} is above the bid {bid_price}.")
    if production:
        _impression_record(bid_id=bid_id, payload=payload, cpm=realized_price)
    return payload["data"]


def _render_payload(bid_id: str) -> dict[str, Any] | None:
    """What render needs: from the cache, else (a miss, or the cache is down) from the bid's row."""
    try:
        payload = cache.get(_bid_cache_key(bid_id))
    except dependencies.DOWN_ERRORS as exc:
        logger.warning("bid cache unavailable, rendering %s from the database: %r", bid_id, exc)
        payload = None
    return payload if payload is not None else selectors.bid_render_payload(bid_id=bid_id)


def _impression_record(*, bid_id: str, payload: dict[str, Any], cpm: Decimal) -> None:
    """Claim the bid, then count the impression and the spend; all or nothing (bids/accounting.py)."""
    now = timezone.now()
    imp = accounting.Impression(
        bid_id=bid_id,
        ids=auction.AdIds(*payload["ids"]),
        at=now,
        realized_cpm_micros=auction.price_micros(cpm),
        cost_micros=auction.impression_cost_micros(cpm),
        token_digest=payload["token"],
        token_expires_at=now + timedelta(days=settings.CLICK_TOKEN_TTL_DAYS),
    )
    outcome = accounting.impression_record(imp)
    for kind in outcome.crossed:
        logger.info("budget reached campaign=%s limit=%s bid_id=%s", imp.ids.campaign_id, kind, bid_id)
    if outcome.limit_reached:
        version_bump_on_commit()  # every process stops bidding for this campaign (today, or for good)
    if outcome.claimed and payload.get("limits"):
        _counted(imp, payload["limits"], member=bid_id)


def _counted(imp: accounting.Impression, limits: dict[str, Any], *, member: str) -> None:
    """Tell the shared counters (one round trip). The impression is already recorded and charged:
    a counter failure is logged, never turned into a failed render."""
    cap = pacing.Cap(imp.ids.ad_group_id, *limits["cap"]) if limits["cap"] else None
    try:
        counters().impression_add(
            day=imp.at.astimezone(UTC).date(),
            campaign_id=imp.ids.campaign_id,
            cost_micros=imp.cost_micros,
            mirror_spend=limits["mirror"],
            user=limits["user"],
            cap=cap,
            now=imp.at.timestamp(),
            member=member,
        )
    except (RedisError, DatabaseError):
        logger.warning("render %s not added to the pacing and frequency counters", member, exc_info=True)


def click_record(*, token: str) -> str:
    """Return the ad's target URL (the only destination); the token's first follow counts one
    click, later ones count nothing (clicks are unique per rendered impression)."""
    now = timezone.now()
    target = click_target_get(digest=_token_digest(token), now=now) if CLICK_TOKEN.fullmatch(token) else None
    if target is None:
        raise DspError.CLICK_NOT_FOUND()
    if target["clicked_at"] is None:
        ids = auction.AdIds(
            target["ad_id"],
            target["ad__ad_group_id"],
            target["ad__ad_group__campaign_id"],
            target["ad__organization_id"],
        )
        accounting.click_record(token_id=target["pk"], ids=ids, at=now)
    return target["ad__target_url"]


def bids_expired_delete(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete bids expired more than DSP_BID_RETENTION_DAYS ago, expired click tokens and database
    frequency rows older than the longest window, in batches."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DSP_BID_RETENTION_DAYS)
    old_bids = _delete_in_batches(Bid.objects.filter(expires_at__lt=cutoff), batch)
    old_tokens = _delete_in_batches(ClickToken.objects.filter(expires_at__lt=now), batch)
    week_ago = now - timedelta(seconds=WEEK_SECONDS)
    old_windows = _delete_in_batches(FrequencyImpression.objects.filter(at__lt=week_ago), batch)
    return old_bids + old_tokens + old_windows


def _delete_in_batches(queryset: QuerySet[Any], batch: int) -> int:
    """Delete in short statements so the clean-up never holds long locks on hot tables."""
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:batch]):
        deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]
    return deleted
