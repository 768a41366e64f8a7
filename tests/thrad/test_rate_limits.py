import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests import factories
from tests.support import servers
from thrad import ratelimit
from thrad.models import RateLimitCounter

URL = "/v1/ad_account"


def _avoid_window_edge(window: int) -> None:
    """Don't start a counting test in the last seconds of a window (the count would split)."""
    remaining = window - time.time() % window
    if remaining < 10:
        time.sleep(remaining + 0.1)


def test_every_response_carries_the_rate_limit_headers(owner, settings):
    settings.RATE_LIMIT_V1_PER_HOUR = 5
    first = owner.client().get(URL)
    second = owner.client().get(URL)
    assert first["X-RateLimit-Limit"] == "5"
    assert first["X-RateLimit-Remaining"] == "4"
    assert second["X-RateLimit-Remaining"] == "3"
    reset = int(first["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 3600


def test_over_the_limit_is_429_with_retry_after_and_the_error_object(owner, settings):
    settings.RATE_LIMIT_V1_PER_HOUR = 2
    _avoid_window_edge(3600)
    for _ in range(2):
        assert owner.client().get(URL).status_code == 200
    response = owner.client().get(URL)
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert response["X-RateLimit-Remaining"] == "0"


def test_limits_are_per_key(owner, outsider, settings):
    settings.RATE_LIMIT_V1_PER_HOUR = 1
    _avoid_window_edge(3600)
    assert owner.client().get(URL).status_code == 200
    assert owner.client().get(URL).status_code == 429
    assert outsider.client().get(URL).status_code == 200


def test_unauthenticated_requests_do_not_move_a_counter(owner, anon_client, settings):
    settings.RATE_LIMIT_V1_PER_HOUR = 1
    _avoid_window_edge(3600)
    for _ in range(3):
        assert anon_client.get(URL).status_code == 401
    assert owner.client().get(URL).status_code == 200


def test_a_new_window_starts_a_new_count(db):
    limit = ratelimit.Limit("unit", 2, 60)
    t0 = 1_800_000_000.0
    assert [ratelimit.hit(limit, "k", now=t0 + i).allowed for i in range(3)] == [True, True, False]
    refused = ratelimit.hit(limit, "k", now=t0 + 3)
    assert refused.retry_after == 60 - ((t0 + 3) % 60)
    assert ratelimit.hit(limit, "k", now=t0 + 60).allowed


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_from_several_processes_allow_exactly_the_limit(settings):
    from thrad.services import api_key_create

    limit = 25
    org = factories.organization(name="Burst", domain="")
    _, secret = api_key_create(org=org)
    _avoid_window_edge(3600)
    with servers.gunicorn(workers=3, env={"RATE_LIMIT_V1_PER_HOUR": str(limit)}) as base:

        def call(_: int) -> int:
            with requests.Session() as session:
                return session.get(
                    f"{base}{URL}", headers={"Authorization": f"Bearer {secret}"}, timeout=30
                ).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(call, range(80)))
    assert statuses.count(200) == limit
    assert statuses.count(429) == 80 - limit


@pytest.mark.django_db
def test_expired_database_counters_are_cleaned_up():
    limit = ratelimit.Limit("old", 5, 60)
    ratelimit.counter()  # whichever backend; the SQL table is cleaned either way
    RateLimitCounter.objects.create(key="x:old", count=3, expires_at="2000-01-01T00:00:00Z")
    ratelimit.hit(limit, "fresh")
    assert ratelimit.expired_counters_delete() == 1
    assert not RateLimitCounter.objects.filter(key="x:old").exists()
