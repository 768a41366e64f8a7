"""Settings → API keys: create, rotate with grace, revoke with confirmation, the secret shown once, the audit log."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils.html import strip_tags
from rest_framework.test import APIClient

from thrad.models import ApiKey, AuditLog
from thrad.services import api_key_rotate, audit_log_record

KEYS = "/dashboard/settings/api-keys"
SECRET_PAGE = f"{KEYS}/new-secret"
SECRET_RE = re.compile(r'value="(ak_[0-9a-f]{12}_[0-9A-Za-z]{40})"')


@pytest.fixture
def admin_client_for(client):
    def login(actor) -> Client:
        client.force_login(actor.user)
        return client

    return login


def _v1_status(secret: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/v1/ad_account").status_code


def _shown_secret(response) -> str:
    match = SECRET_RE.search(response.content.decode())
    assert match, "the secret page shows no key"
    return match.group(1)


def test_the_page_shows_the_active_key_by_prefix_with_created_and_last_used(admin_client_for, owner):
    assert _v1_status(owner.secret) == 200  # sets last_used_at
    html = admin_client_for(owner).get(KEYS).content.decode()
    key = ApiKey.objects.get(pk=owner.key.pk)
    assert f"{key.display_prefix}_…" in html
    assert f"{key.created_at:%Y-%m-%d %H:%M} UTC" in html
    assert f"{key.last_used_at:%Y-%m-%d %H:%M} UTC" in html
    assert owner.secret not in html and key.digest not in html
    assert "Create key" not in html  # only when there is no active key


def test_a_never_used_key_says_never(admin_client_for, owner):
    html = admin_client_for(owner).get(KEYS).content.decode()
    assert re.search(r"<dt>Last used</dt><dd>never</dd>", html)


def test_create_is_offered_only_without_an_active_key_and_shows_the_secret_once(admin_client_for, owner):
    client = admin_client_for(owner)
    ApiKey.objects.filter(pk=owner.key.pk).update(status="revoked")
    assert "Create key" in client.get(KEYS).content.decode()
    response = client.post(f"{KEYS}/create")
    assert response.status_code == 302 and response["Location"] == SECRET_PAGE
    page = client.get(SECRET_PAGE)
    secret = _shown_secret(page)
    assert "no-store" in page["Cache-Control"]
    assert 'data-copy="new-secret"' in page.content.decode()
    assert _v1_status(secret) == 200
    again = client.get(SECRET_PAGE)
    assert again.status_code == 302 and again["Location"] == KEYS
    followed = client.get(KEYS).content.decode()
    assert secret not in followed
    assert "shown only once" in followed


def test_the_secret_never_reaches_the_session_store_after_it_is_shown(admin_client_for, owner):
    from django.contrib.sessions.models import Session

    client = admin_client_for(owner)
    ApiKey.objects.filter(pk=owner.key.pk).update(status="revoked")
    client.post(f"{KEYS}/create")
    secret = _shown_secret(client.get(SECRET_PAGE))
    session = Session.objects.get(session_key=client.session.session_key)
    assert secret not in str(session.get_decoded())


def test_a_secret_not_shown_within_five_minutes_is_dropped(admin_client_for, owner):
    client = admin_client_for(owner)
    with time_machine.travel("2026-06-01 12:00:00+00:00", tick=False) as clock:
        client.post(f"{KEYS}/rotate")
        clock.shift(timedelta(seconds=301))
        response = client.get(SECRET_PAGE)
    assert response.status_code == 302
    assert not SECRET_RE.search(client.get(KEYS).content.decode())


def test_create_with_an_active_key_is_refused_with_a_message(admin_client_for, owner):
    client = admin_client_for(owner)
    response = client.post(f"{KEYS}/create", follow=True)
    assert b"already has an active API key" in response.content
    assert ApiKey.objects.filter(organization=owner.org).count() == 1


def test_create_is_post_only(admin_client_for, owner):
    assert admin_client_for(owner).get(f"{KEYS}/create").status_code == 405


def test_rotate_asks_for_confirmation_naming_the_grace_window(admin_client_for, owner, settings):
    settings.API_KEY_ROTATION_GRACE = 1800
    html = admin_client_for(owner).get(f"{KEYS}/rotate").content.decode()
    assert "Rotate the API key?" in html
    assert "30\xa0minutes" in html
    assert f"{owner.key.display_prefix}_…" in html
    assert ApiKey.objects.filter(organization=owner.org).count() == 1  # GET changed nothing


def test_rotate_shows_the_new_secret_and_keeps_the_old_key_in_grace(admin_client_for, owner, settings):
    settings.API_KEY_ROTATION_GRACE = 1800
    client = admin_client_for(owner)
    response = client.post(f"{KEYS}/rotate")
    assert response["Location"] == SECRET_PAGE
    new_secret = _shown_secret(client.get(SECRET_PAGE))
    assert _v1_status(new_secret) == 200
    assert _v1_status(owner.secret) == 200  # still in grace
    html = client.get(KEYS).content.decode()
    grace = html.split('id="grace-heading"')[1].split('id="ended-heading"')[0]
    assert f"{owner.key.display_prefix}_…" in grace
    assert re.search(r"in (29|30)\xa0minutes", grace)


def test_a_second_rotation_warns_that_the_grace_key_stops_at_once(admin_client_for, owner):
    api_key_rotate(org=owner.org)
    html = admin_client_for(owner).get(f"{KEYS}/rotate").content.decode()
    assert f"{owner.key.display_prefix}_…</code>, still in its grace window" in html


def test_rotate_without_an_active_key_sends_back_to_the_list(admin_client_for, owner):
    ApiKey.objects.filter(pk=owner.key.pk).update(status="revoked")
    response = admin_client_for(owner).get(f"{KEYS}/rotate")
    assert response.status_code == 302 and response["Location"] == KEYS


def test_revoke_asks_for_confirmation_then_the_key_is_refused(admin_client_for, owner):
    client = admin_client_for(owner)
    url = f"{KEYS}/{owner.key.public_id}/revoke"
    confirm = client.get(url).content.decode()
    assert "This cannot be undone" in confirm and "rotate it" in confirm
    assert _v1_status(owner.secret) == 200
    response = client.post(url, follow=True)
    assert b"is revoked" in response.content
    assert _v1_status(owner.secret) == 401
    ended = response.content.decode().split('id="ended-heading"')[1]
    assert f"{owner.key.display_prefix}_…" in ended and "revoked " in ended
    assert "Create key" in response.content.decode()


def test_a_key_in_grace_can_be_revoked_at_once(admin_client_for, owner):
    api_key_rotate(org=owner.org)
    client = admin_client_for(owner)
    assert _v1_status(owner.secret) == 200
    client.post(f"{KEYS}/{owner.key.public_id}/revoke")
    assert _v1_status(owner.secret) == 401


@pytest.mark.parametrize("key_id", ["revoked", "00000000-0000-0000-0000-000000000000", "nonsense"])
def test_revoking_an_unknown_or_revoked_key_is_404(admin_client_for, owner, key_id):
    if key_id == "revoked":
        ApiKey.objects.filter(pk=owner.key.pk).update(status="revoked")
        key_id = str(owner.key.public_id)
    client = admin_client_for(owner)
    assert client.get(f"{KEYS}/{key_id}/revoke").status_code == 404
    assert client.post(f"{KEYS}/{key_id}/revoke").status_code == 404


def test_every_key_action_lands_in_the_audit_log_with_who_and_where(admin_client_for, owner):
    AuditLog.objects.all().delete()
    client = admin_client_for(owner)
    client.post(f"{KEYS}/rotate", REMOTE_ADDR="198.51.100.7")
    client.get(SECRET_PAGE)
    client.post(f"{KEYS}/{owner.key.public_id}/revoke", REMOTE_ADDR="198.51.100.8")
    entries = list(AuditLog.objects.filter(organization=owner.org).order_by("id"))
    assert [(e.action, e.actor, e.ip_address) for e in entries] == [
        ("api_key.rotate", owner.user, "198.51.100.7"),
        ("api_key.revoke", owner.user, "198.51.100.8"),
    ]
    html = client.get(KEYS).content.decode()
    audit = html.split('id="audit-heading"')[1]
    assert "Rotated to key" in audit and "Revoked key" in audit
    assert "olive" in audit and "198.51.100.7" in audit and "198.51.100.8" in audit
    assert f"{entries[0].created_at:%Y-%m-%d %H:%M:%S}" in audit


def test_the_audit_log_believes_forwarded_addresses_only_from_trusted_proxies(admin_client_for, owner, settings):
    client = admin_client_for(owner)
    client.post(f"{KEYS}/rotate", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert AuditLog.objects.filter(action="api_key.rotate").get().ip_address == "203.0.113.9"
    settings.TRUSTED_PROXY_CIDRS = ["203.0.113.0/24"]
    client.get(SECRET_PAGE)
    client.post(f"{KEYS}/rotate", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert AuditLog.objects.filter(action="api_key.rotate").order_by("-id").first().ip_address == "192.0.2.1"


@pytest.mark.parametrize("action", list(AuditLog.Action), ids=str)
def test_every_audit_action_reads_as_words_never_as_its_code(admin_client_for, owner, action):
    AuditLog.objects.all().delete()
    audit_log_record(org=owner.org, action=action, target="the target", actor_label="olive")
    html = admin_client_for(owner).get(KEYS).content.decode()
    shown = strip_tags(html.split('id="audit-heading"')[1])
    assert f"{action.label} the target" in " ".join(shown.split())
    assert action.value not in shown
    assert not re.search(r"\b[a-z]+(?:[._][a-z]+)+\b", shown), "a raw code is on the page"


def test_an_action_without_words_is_never_recorded(owner):
    with pytest.raises(ValueError, match="campaign_paused"):
        audit_log_record(org=owner.org, action="campaign_paused")  # type: ignore[arg-type]
    assert not AuditLog.objects.filter(action="campaign_paused").exists()
