import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from files.models import StoredFile
from tests import factories
from tests.files.samples import FILES, UPLOAD, org_used
from tests.support import servers
from thrad.models import Organization
from thrad.services import api_key_create, api_key_rotate

pytestmark = pytest.mark.django_db


def _avoid_window_edge(window: int = 60) -> None:
    """Don't start a counting test in the last seconds of a window (the count would split)."""
    remaining = window - time.time() % window
    if remaining < 15:
        time.sleep(remaining + 0.1)


def _upload(client, **extra):
    return client.post(UPLOAD, {"files": [SimpleUploadedFile("a.txt", b"hello")]}, format="multipart", **extra)


def _allow(org: Organization, *cidrs: str) -> None:
    Organization.objects.filter(pk=org.pk).update(ip_allowlist=list(cidrs))


# --- 403 -------------------------------------------------------------------------------------


def test_a_suspended_organization_is_403_account_suspended_before_the_allowlist(owner):
    Organization.objects.filter(pk=owner.org.pk).update(is_suspended=True, ip_allowlist=["10.0.0.0/8"])
    for response in (_upload(owner.client()), owner.client().get(FILES)):
        assert response.status_code == 403
        assert response.json() == {
            "success": False,
            "error": {"code": "account_suspended", "message": response.json()["error"]["message"]},
        }
    assert StoredFile.objects.count() == 0


def test_a_caller_outside_the_allowlist_is_403_ip_not_allowed_on_every_endpoint(owner):
    _allow(owner.org, "10.20.0.0/16", "2001:db8::/32")
    key = f"files/{owner.org.public_id}/x_a.txt"
    client = owner.client()
    for response in (
        _upload(client, REMOTE_ADDR="10.21.0.1"),
        client.get(FILES, REMOTE_ADDR="192.0.2.1"),
        client.get(f"{FILES}/{key}"),
        client.delete(f"{FILES}/{key}"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "ip_not_allowed"
        assert response.json()["success"] is False
    assert StoredFile.objects.count() == 0
    assert org_used(owner.org) == 0


def test_a_caller_inside_the_allowlist_gets_through(owner):
    _allow(owner.org, "10.20.0.0/16", "2001:db8::/32")
    assert _upload(owner.client(), REMOTE_ADDR="10.20.3.4").status_code == 200
    assert _upload(owner.client(), REMOTE_ADDR="2001:db8::7").status_code == 200


def test_an_ipv4_mapped_ipv6_peer_is_matched_as_its_ipv4_address(owner):
    _allow(owner.org, "203.0.113.0/24")
    assert _upload(owner.client(), REMOTE_ADDR="::ffff:203.0.113.9").status_code == 200
    assert _upload(owner.client(), REMOTE_ADDR="::ffff:198.51.100.9").status_code == 403


def test_behind_a_trusted_proxy_the_right_most_untrusted_forwarded_hop_is_the_caller(owner, settings):
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    _allow(owner.org, "203.0.113.0/24")
    hit = _upload(owner.client(), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9, 10.0.0.5")
    assert hit.status_code == 200
    spoofed = _upload(owner.client(), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1")
    assert spoofed.status_code == 403
    assert spoofed.json()["error"]["code"] == "ip_not_allowed"


def test_forwarded_for_from_an_untrusted_peer_is_ignored(owner, settings):
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    _allow(owner.org, "203.0.113.0/24")
    response = _upload(owner.client(), REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403


def test_a_malformed_allowlist_entry_matches_nothing_and_is_never_a_500(owner):
    _allow(owner.org, "not-a-network", "300.1.2.3/8")
    response = _upload(owner.client(), REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 403
    _allow(owner.org, "not-a-network", "127.0.0.0/8")
    assert _upload(owner.client(), REMOTE_ADDR="127.0.0.1").status_code == 200


# --- 429 -------------------------------------------------------------------------------------


def test_over_the_limit_is_429_rate_limited_with_retry_after(owner, settings):
    settings.RATE_LIMIT_FILES_PER_MINUTE = 3
    _avoid_window_edge()
    client = owner.client()
    statuses = [_upload(client).status_code, client.post(UPLOAD, {}, format="multipart").status_code]
    assert statuses == [200, 400]  # a failed request counts too
    assert _upload(client).status_code == 200
    refused = _upload(client)
    assert refused.status_code == 429
    assert refused.json() == {
        "success": False,
        "error": {"code": "rate_limited", "message": refused.json()["error"]["message"]},
    }
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["X-RateLimit-Remaining"] == "0"
    assert StoredFile.objects.count() == 2


def test_the_limit_is_per_organization_not_per_key(owner, outsider, settings):
    settings.RATE_LIMIT_FILES_PER_MINUTE = 2
    _avoid_window_edge()
    old = owner.client()
    _, new_secret = api_key_rotate(org=owner.org)
    assert _upload(old).status_code == 200
    assert _upload(old, HTTP_AUTHORIZATION=f"Bearer {new_secret}").status_code == 200
    assert _upload(old, HTTP_AUTHORIZATION=f"Bearer {new_secret}").status_code == 429
    assert _upload(outsider.client()).status_code == 200


def test_listing_and_downloads_do_not_count_toward_the_upload_limit(owner, settings):
    settings.RATE_LIMIT_FILES_PER_MINUTE = 1
    _avoid_window_edge()
    for _ in range(3):
        assert owner.client().get(FILES).status_code == 200
    assert _upload(owner.client()).status_code == 200


def test_refused_callers_do_not_move_the_counter(owner, anon_client, settings):
    settings.RATE_LIMIT_FILES_PER_MINUTE = 1
    _avoid_window_edge()
    _allow(owner.org, "10.0.0.0/8")
    assert _upload(anon_client).status_code == 401
    assert _upload(owner.client(), REMOTE_ADDR="192.0.2.1").status_code == 403
    assert _upload(owner.client(), REMOTE_ADDR="10.0.0.1").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_from_several_processes_allow_exactly_the_limit():
    limit, total = 6, 30
    org = factories.organization(name="Burst", domain="")
    _, secret = api_key_create(org=org)
    _avoid_window_edge()
    with servers.gunicorn(workers=3, env={"RATE_LIMIT_FILES_PER_MINUTE": str(limit)}) as base:

        def call(i: int) -> int:
            files = {"files": (f"{i}.txt", b"hello")}
            with requests.Session() as session:
                return session.post(
                    f"{base}{UPLOAD}", files=files, headers={"x-api-key": secret}, timeout=60
                ).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(call, range(total)))
    assert statuses.count(200) == limit
    assert statuses.count(429) == total - limit
    assert StoredFile.objects.filter(organization=org).count() == limit
