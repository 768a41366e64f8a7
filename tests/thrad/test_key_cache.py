"""Keys remembered by the server processes (thrad/keycache.py, with Redis) never outlive a change:
a revocation, a suspension, its lifting or a new allowlist holds for the very next request in
every worker, and a request refused that way does not use up the rate limit. Without Redis every
request reads the database, and the same tests hold."""

import time
from collections.abc import Iterator

import pytest
import requests

from tests.support import servers
from thrad import ratelimit
from thrad.models import ApiKey, Organization
from thrad.services import (
    api_key_create,
    api_key_revoke,
    organization_ip_allowlist_set,
    organization_suspend,
    organization_unsuspend,
)

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/v1/ad_account"
# Sync workers take one connection at a time; this many requests reach both workers.
WARM = 12


@pytest.fixture
def key() -> tuple[Organization, ApiKey, str]:
    org = Organization.objects.create(name="Memo", domain="memo.example")
    api_key, secret = api_key_create(org=org)
    return org, api_key, secret


@pytest.fixture
def server() -> Iterator[str]:
    with servers.gunicorn(
        workers=2, env={"RATE_LIMIT_V1_PER_HOUR": "1000", "RATE_LIMIT_FILES_PER_MINUTE": "1000"}
    ) as base:
        yield base


def _statuses(base: str, secret: str, path: str = URL, n: int = WARM) -> list[int]:
    headers = {"Authorization": f"Bearer {secret}"}
    return [requests.get(f"{base}{path}", headers=headers, timeout=10).status_code for _ in range(n)]


def test_a_revoked_key_is_refused_by_every_worker_at_once(key, server):
    org, api_key, secret = key
    assert set(_statuses(server, secret)) == {200}
    api_key_revoke(org=org, key_id=str(api_key.public_id))
    assert set(_statuses(server, secret)) == {401}


def test_a_suspension_and_its_lifting_hold_at_once(key, server):
    org, _, secret = key
    assert set(_statuses(server, secret)) == {200}
    organization_suspend(org=org)
    assert set(_statuses(server, secret)) == {403}
    organization_unsuspend(org=org)
    assert set(_statuses(server, secret)) == {200}


def test_the_new_name_shows_at_once(key, server):
    org, _, secret = key
    assert set(_statuses(server, secret)) == {200}
    Organization.objects.filter(pk=org.pk).update(name="Memo Renamed")
    headers = {"Authorization": f"Bearer {secret}"}
    names = {requests.get(f"{server}{URL}", headers=headers, timeout=10).json()["name"] for _ in range(WARM)}
    assert names == {"Memo Renamed"}


def test_an_allowlist_holds_at_once_and_clearing_it_too(key, server):
    org, _, secret = key
    assert set(_statuses(server, secret, "/api/v1/files")) == {200}
    organization_ip_allowlist_set(org=org, cidrs=["203.0.113.0/24"])
    assert set(_statuses(server, secret, "/api/v1/files")) == {403}
    organization_ip_allowlist_set(org=org, cidrs=[])
    assert set(_statuses(server, secret, "/api/v1/files")) == {200}


def test_requests_refused_after_a_change_do_not_count_toward_the_limit():
    org = Organization.objects.create(name="Counted")
    _, secret = api_key_create(org=org)
    if 3600 - time.time() % 3600 < 20:
        time.sleep(3600 - time.time() % 3600 + 0.1)  # one window for the whole test
    with servers.gunicorn(workers=2, env={"RATE_LIMIT_V1_PER_HOUR": "4"}) as base:
        assert _statuses(base, secret, n=2) == [200, 200]  # remembered by at least one worker
        organization_suspend(org=org)
        assert _statuses(base, secret, n=6) == [403] * 6
        organization_unsuspend(org=org)
        assert _statuses(base, secret, n=3) == [200, 200, 429]


def test_all_limits_of_a_request_count_in_order_and_stop_at_the_first_refusal(db):
    first, second = ratelimit.Limit("first", 2, 60), ratelimit.Limit("second", 10, 60)
    now = 1_800_000_000.0
    outcomes = [ratelimit.hit_all([first, second], "who", now=now) for _ in range(3)]
    assert [[d.allowed for d in hits.decisions] for hits in outcomes] == [[True, True], [True, True], [False]]
    assert [d.remaining for d in outcomes[1].decisions] == [0, 8]
    assert ratelimit.hit(second, "who", now=now).remaining == 7  # the refused request did not count


def test_a_refund_takes_a_count_back(db):
    limit = ratelimit.Limit("refund", 1, 60)
    now = 1_800_000_000.0
    ratelimit.refund(ratelimit.hit_all([limit], "who", now=now))
    assert ratelimit.hit_all([limit], "who", now=now).decisions[0].allowed
