"""What render needs is durable in the database: a bid renders (and charges once) after the
cache lost it or while the cache is down; bid answers no bid at once while the cache is down."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from bids.models import AdStatsHourly, Bid, ClickToken
from creatives.models import Campaign
from files.models import StoredFile
from tests import factories
from tests.bids.conftest import bid, render
from thrad import dependencies

DEAD_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens, connect is refused


@pytest.fixture
def ad(db):
    return factories.servable_ad(hints=["marathon training"], asset_path="creatives/2026/06/abc.png")


def _point_cache_at_dead_redis(settings) -> None:
    """The cache and the rate-limit counters become a Redis nobody runs."""
    settings.REDIS_URL = DEAD_REDIS
    settings.CACHES = {
        "default": {
            "BACKEND": "thrad.cache.GuardedRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def cache_down(settings):
    _point_cache_at_dead_redis(settings)
    yield
    dependencies.breakers_reset()


def _place(ssp) -> str:
    response = bid(ssp)
    assert response.status_code == 200, response.content
    return response.json()["data"]["bidId"]


@pytest.mark.usefixtures("committing_db")
def test_renders_committed_for_real_charge_once_and_a_repeat_nothing(ssp, ad):
    """Outside a test transaction the charge runs as it does in production (on PostgreSQL: one
    prepared statement on the connection's libpq object, thrad/fastquery.py)."""
    bid_id = _place(ssp)
    first, second = render(ssp, bid_id, 7.5), render(ssp, bid_id, 7.5)
    assert first.status_code == second.status_code == 200, first.content
    assert first.json()["data"] == second.json()["data"]
    assert Campaign.objects.get().spend_micros == 7500
    assert AdStatsHourly.objects.get().impressions == 1
    assert Bid.objects.get(pk=bid_id).rendered_at is not None
    assert render(ssp, "bid_" + "0" * 32, 1.0).status_code == 404


def test_a_bid_the_cache_lost_renders_from_its_row_and_is_charged_once(ssp, ad):
    bid_id = _place(ssp)
    cached = cache.get(f"dsp:bid:{bid_id}")
    cache.delete(f"dsp:bid:{bid_id}")  # what a Redis restart does
    first = render(ssp, bid_id, 7.5)
    second = render(ssp, bid_id, 7.5)
    assert first.status_code == second.status_code == 200, first.content
    assert first.json()["data"] == second.json()["data"] == cached["data"]
    assert Campaign.objects.get().spend_micros == 7500
    assert AdStatsHourly.objects.get().impressions == 1
    assert ClickToken.objects.filter(bid_id=bid_id).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="synchronous_commit is PostgreSQL's")
@pytest.mark.usefixtures("committing_db")
def test_the_bids_commit_without_waiting_for_the_disk_ends_with_the_bid(ssp, ad):
    """The bid row's INSERT commits without waiting for the WAL flush; the setting is local to
    that statement's transaction, so what the same connection commits next (the render's
    charge) waits for the disk as usual."""
    bid_id = _place(ssp)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert Bid.objects.filter(pk=bid_id).exists()  # committed, not left in an open transaction
    assert not connection.in_atomic_block


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pattern index is PostgreSQL's")
def test_a_bid_row_updates_only_the_indexes_something_reads(db):
    """No `varchar_pattern_ops` copy of the bid id's index (every INSERT paid for it; nothing
    makes LIKE lookups on bid ids): the key itself and the references' and expiry's indexes stay."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'bids_bid'")
        definitions = [definition for (definition,) in cursor.fetchall()]
    assert not [d for d in definitions if "pattern_ops" in d]
    assert len(definitions) == 5, definitions  # the key; ad, campaign, partner; expires_at


def test_a_bid_from_the_database_still_expires_and_still_caps_the_price(ssp, ad, time_machine, settings):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    bid_id = _place(ssp)
    cache.delete(f"dsp:bid:{bid_id}")
    assert render(ssp, bid_id, 9.99).status_code == 400  # above the bid of 7.50
    time_machine.move_to(start + timedelta(seconds=settings.BID_TTL_SECONDS), tick=False)
    assert render(ssp, bid_id, 7.5).status_code == 404
    assert Campaign.objects.get().spend_micros == 0


def test_while_the_cache_is_down_bids_are_no_bid_at_once_and_won_bids_still_render(ssp, ad, settings):
    bid_id = _place(ssp)
    _point_cache_at_dead_redis(settings)
    try:
        for _ in range(5):
            started = time.monotonic()
            assert bid(ssp).status_code == 204
            assert time.monotonic() - started < 1.0
        rendered = render(ssp, bid_id, 7.5)
        assert rendered.status_code == 200, rendered.content
    finally:
        dependencies.breakers_reset()
    assert Bid.objects.count() == 1  # no bid was stored while the cache was down
    assert Campaign.objects.get().spend_micros == 7500


def test_while_the_cache_is_down_v1_and_files_uploads_answer_503_fast_and_listing_still_works(owner, cache_down):
    client = owner.client()
    upload = {"files": [SimpleUploadedFile("a.txt", b"hello")]}
    for response_of in (
        lambda: client.get("/v1/ad_account"),
        lambda: client.post("/api/v1/upload", upload, format="multipart"),
    ):
        started = time.monotonic()
        response = response_of()
        assert time.monotonic() - started < 1.5
        assert response.status_code == 503, response.content
        assert response.json()["error"]["code"] == "service_unavailable"
        assert response["Retry-After"] == "5"
    assert client.get("/api/v1/files").status_code == 200  # needs only the database
    assert StoredFile.objects.count() == 0
