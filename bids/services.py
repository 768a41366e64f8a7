"""Writes of the DSP: supply partners, bids, renders (impressions and spend), clicks, clean-up.

Hot paths, in statements:
- bid: one cache read (index version), one INSERT (two in one transaction for inline ad_data),
  one cache write.
- render: one cache read; with `production` one atomic write that claims the bid
  (`UPDATE ... WHERE rendered_at IS NULL`), stores the click token, upserts the hourly counter
  and adds the spend to the campaign (one statement on PostgreSQL, see bids/accounting.py).
  A duplicate render claims nothing and charges nothing.
- click: one indexed read (token → ad), one counter upsert.
"""

import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bids import accounting, auction, selectors
from bids.bid_request import OPENER, BidRequest
from bids.index import ServingIndex, serving_index, version_bump_on_commit
from bids.models import Bid, ClickToken, SupplyPartner
from bids.render import render_data
from bids.selectors import click_target_get
from thrad import dependencies, keys
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


def _choose(index: ServingIndex, request: BidRequest, now: float) -> auction.AdEntry | None:
    """Most relevant eligible ad; groups without hints come last (openers: only those)."""
    floor, country = settings.DSP_BID_FLOOR_CPM, request.country_code
    if request.request_type != OPENER:
        scores = index.matcher.relevance(request.messages)
        if scores:
            ranked = auction.rank(scores, index.groups)
            winner = auction.pick(ranked, now=now, country=country, floor=floor)
            if winner is not None:
                return winner
    plain = ((0.0, group) for group in index.no_hint_groups(country))
    return auction.pick(plain, now=now, country=country, floor=floor)


def bid_place(
    *, partner: SupplyPartner, request: BidRequest, index: ServingIndex | None = None
) -> PlacedBid | None:
    """Answer a bid request: the chosen ad's price and a bid id, or None (no bid).

    The bid is stored in the database and cached for BID_TTL_SECONDS with its render data;
    openers (and every bid under DSP_PRERENDER) carry that data inline.
    """
    if not request.wants_sponsored_message:
        return _no_bid(request, partner, "sponsored_message not wanted")
    now, index = time.time(), index or serving_index()
    ad = _choose(index, request, now)
    if ad is None:
        return _no_bid(request, partner, "nothing eligible")
    price = index.groups[ad.ad_group_id].price
    bid_id, token = f"bid_{secrets.token_hex(16)}", secrets.token_urlsafe(32)
    inline = request.request_type == OPENER or settings.DSP_PRERENDER
    data = render_data(ad, click_url=f"{settings.PUBLIC_BASE_URL}{CLICK_PATH}{token}",
                       max_headline_chars=request.max_headline_chars, image_enabled=request.image_enabled)  # fmt: skip
    token_now = inline and request.production  # an inline creative may be shown without a render
    render_token = None if token_now else _token_digest(token)
    _bid_store(bid_id=bid_id, partner=partner, ad=ad, price=price, request=request, now=now,
               token_digest=_token_digest(token) if token_now else None, data=data, render_token=render_token)  # fmt: skip
    _bid_cache(bid_id, {"exp": now + settings.BID_TTL_SECONDS, "price_micros": auction.price_micros(price),
                        "ids": tuple(ad.ids), "data": data, "token": render_token})  # fmt: skip
    logger.info("bid request_id=%r partner=%s bid_id=%s price=%s ad=%s", request.request_id, partner.pk, bid_id, price, ad.ad_id)  # fmt: skip
    return PlacedBid(bid_id=bid_id, price=price, ad_data=data if inline else None)


def _no_bid(request: BidRequest, partner: SupplyPartner, reason: str) -> PlacedBid | None:
    logger.info("no bid request_id=%r partner=%s: %s", request.request_id, partner.pk, reason)
    return None


def _bid_cache(bid_id: str, payload: dict[str, Any]) -> None:
    """Everything render needs, for BID_TTL_SECONDS. The row holds it too, so a cache that fails
    here costs render one indexed read, not the bid."""
    try:
        cache.set(_bid_cache_key(bid_id), payload, settings.BID_TTL_SECONDS)
    except dependencies.DOWN_ERRORS as exc:
        logger.warning("bid %s not cached (render reads the database): %r", bid_id, exc)


def _bid_store(*, bid_id: str, partner: SupplyPartner, ad: auction.AdEntry, price: Decimal,
               request: BidRequest, now: float, token_digest: str | None, data: dict[str, Any],
               render_token: str | None) -> None:  # fmt: skip
    """One INSERT in autocommit (bulk_create would wrap it in BEGIN/COMMIT: two more round trips);
    with an inline creative shown for real, its click token in the same transaction. The row
    carries the render data and the render-time token digest (render's fallback)."""
    created = datetime.fromtimestamp(now, tz=UTC)
    bid = Bid(id=bid_id, partner=partner, ad_id=ad.ad_id, campaign_id=ad.campaign_id,
              price_micros=auction.price_micros(price), request_type=request.request_type,
              request_id=request.request_id[:100], country_code=request.country_code[:8],
              created_at=created, expires_at=created + timedelta(seconds=settings.BID_TTL_SECONDS),
              render_data=data, token_digest=render_token or "")  # fmt: skip
    if token_digest is None:
        bid.save(force_insert=True)
        return
    with transaction.atomic():
        bid.save(force_insert=True)
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
        raise DspError.REALIZED_PRICE_ABOVE_BID(
            f"realizedPrice {realized_price} is above the bid {bid_price}."
        )
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
    outcome = accounting.impression_record(
        accounting.Impression(
            bid_id=bid_id, ids=auction.AdIds(*payload["ids"]), at=now,
            realized_cpm_micros=auction.price_micros(cpm), cost_micros=auction.impression_cost_micros(cpm),
            token_digest=payload["token"], token_expires_at=now + timedelta(days=settings.CLICK_TOKEN_TTL_DAYS),
        )
    )  # fmt: skip
    if outcome.budget_spent:
        version_bump_on_commit()  # the budget is spent: every process stops bidding for this campaign


def click_record(*, token: str) -> str:
    """Count one click on the token's ad and return the ad's target URL (the only destination)."""
    now = timezone.now()
    target = click_target_get(digest=_token_digest(token), now=now) if CLICK_TOKEN.fullmatch(token) else None
    if target is None:
        raise DspError.CLICK_NOT_FOUND()
    ids = auction.AdIds(target["ad_id"], target["ad__ad_group_id"], target["ad__ad_group__campaign_id"],
                        target["ad__organization_id"])  # fmt: skip
    accounting.stats_add(ids=ids, at=now, clicks=1)
    return target["ad__target_url"]


def bids_expired_delete(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete bids expired more than DSP_BID_RETENTION_DAYS ago and expired click tokens, in batches."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DSP_BID_RETENTION_DAYS)
    old_bids = _delete_in_batches(Bid.objects.filter(expires_at__lt=cutoff), batch)
    return old_bids + _delete_in_batches(ClickToken.objects.filter(expires_at__lt=now), batch)


def _delete_in_batches(queryset: QuerySet[Any], batch: int) -> int:
    """Delete in short statements so the clean-up never holds long locks on hot tables."""
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:batch]):
        deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]
    return deleted
