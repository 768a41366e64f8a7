"""Staff admin: organizations (quota, suspension, allowlist, members) and API keys (issue, rotate, revoke)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils.html import strip_tags
from rest_framework.test import APIClient

from thrad.models import ApiKey, AuditLog, Membership, Organization
from thrad.services import audit_log_record

SECRET_RE = re.compile(r'value="(ak_[0-9a-f]{12}_[0-9A-Za-z]{40})"')
KEYS = "/admin/thrad/apikey/"


@pytest.fixture
def staff(client, db):
    user = get_user_model().objects.create_superuser("sam", "sam@example.com", "pw-123456789")
    client.force_login(user)
    return client


def _v1_status(secret: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/v1/ad_account").status_code


def _org_form(org: Organization, **changes) -> dict:
    data = {
        "name": org.name,
        "domain": org.domain,
        "logo_url": org.logo_url,
        "storage_quota_bytes": org.storage_quota_bytes,
        "ip_allowlist": "\n".join(org.ip_allowlist),
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_non_staff_users_are_sent_to_the_admin_login(client, owner):
    client.force_login(owner.user)
    response = client.get(KEYS)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


# --- organizations ----------------------------------------------------------------------------


def test_the_organization_list_shows_quota_use_and_suspension(staff, owner):
    Organization.objects.filter(pk=owner.org.pk).update(storage_used_bytes=1_048_576)
    html = staff.get("/admin/thrad/organization/").content.decode()
    assert "Acme" in html and "1.0\xa0MB" in html and "200.0\xa0MB" in html


def test_suspending_refuses_the_organizations_keys_and_is_audited(staff, owner):
    response = staff.post(
        "/admin/thrad/organization/",
        {"action": "suspend_organizations", "_selected_action": [owner.org.pk]},
        REMOTE_ADDR="192.0.2.5",
    )
    assert response.status_code == 302
    owner.org.refresh_from_db()
    assert owner.org.is_suspended and owner.org.suspended_at is not None
    assert owner.client().get("/v1/ad_account").json()["error"]["code"] == "account_suspended"
    entry = AuditLog.objects.get(action="organization.suspend")
    assert (entry.actor_label, entry.ip_address) == ("sam (staff)", "192.0.2.5")
    staff.post("/admin/thrad/organization/", {"action": "unsuspend_organizations", "_selected_action": [owner.org.pk]})
    owner.org.refresh_from_db()
    assert not owner.org.is_suspended and owner.org.suspended_at is None
    assert owner.client().get("/v1/ad_account").status_code == 200
    assert AuditLog.objects.filter(action="organization.unsuspend").count() == 1


def test_suspending_twice_records_one_entry(staff, owner):
    for _ in range(2):
        staff.post(
            "/admin/thrad/organization/", {"action": "suspend_organizations", "_selected_action": [owner.org.pk]}
        )
    assert AuditLog.objects.filter(action="organization.suspend").count() == 1


def test_the_change_form_validates_the_allowlist_line_by_line(staff, owner):
    url = f"/admin/thrad/organization/{owner.org.pk}/change/"
    response = staff.post(url, _org_form(owner.org, ip_allowlist="10.0.0.0/8\nnope"))
    assert response.status_code == 200
    assert "Line 2: “nope” is not an IP address or network" in response.content.decode()
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == []


def test_editing_quota_and_allowlist_saves_canonical_values_and_audits_each(staff, owner):
    url = f"/admin/thrad/organization/{owner.org.pk}/change/"
    response = staff.post(url, _org_form(owner.org, ip_allowlist="192.0.2.9\n10.1.0.0/8", storage_quota_bytes="1000"))
    assert response.status_code == 302
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == ["192.0.2.9/32", "10.0.0.0/8"]
    assert owner.org.storage_quota_bytes == 1000
    assert AuditLog.objects.get(action="organization.quota").target == "1000 bytes"
    assert AuditLog.objects.get(action="organization.ip_allowlist").target == "192.0.2.9/32, 10.0.0.0/8"
    page = staff.get(url).content.decode()
    assert ">\n192.0.2.9/32\n10.0.0.0/8</textarea>" in page


def test_saving_without_changes_records_nothing(staff, owner):
    Organization.objects.filter(pk=owner.org.pk).update(ip_allowlist=["10.0.0.0/8"])
    owner.org.refresh_from_db()
    AuditLog.objects.all().delete()
    staff.post(f"/admin/thrad/organization/{owner.org.pk}/change/", _org_form(owner.org))
    assert not AuditLog.objects.exists()


def test_a_negative_quota_is_refused(staff, owner):
    response = staff.post(
        f"/admin/thrad/organization/{owner.org.pk}/change/", _org_form(owner.org, storage_quota_bytes="-1")
    )
    assert response.status_code == 200
    owner.org.refresh_from_db()
    assert owner.org.storage_quota_bytes > 0


def test_members_are_managed_inline(staff, owner):
    user = get_user_model().objects.create_user("nina")
    data = _org_form(
        owner.org,
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-user": str(user.pk),
            "memberships-0-role": "admin",
            "memberships-0-organization": str(owner.org.pk),
        },
    )
    Membership.objects.filter(organization=owner.org).delete()
    response = staff.post(f"/admin/thrad/organization/{owner.org.pk}/change/", data)
    assert response.status_code == 302
    assert Membership.objects.get(organization=owner.org).role == "admin"


def test_creating_an_organization_is_audited(staff, db):
    response = staff.post(
        "/admin/thrad/organization/add/", _org_form(Organization(name="Newco", domain="newco.example"))
    )
    assert response.status_code == 302
    org = Organization.objects.get(name="Newco")
    assert AuditLog.objects.get(organization=org).action == "organization.create"


# --- API keys ---------------------------------------------------------------------------------


def test_the_key_list_shows_prefixes_only(staff, owner):
    html = staff.get(KEYS).content.decode()
    key = ApiKey.objects.get(pk=owner.key.pk)
    assert f"{key.display_prefix}_…" in html
    assert key.digest not in html and owner.secret not in html
    detail = staff.get(f"{KEYS}{key.pk}/change/").content.decode()
    assert key.digest not in detail and owner.secret not in detail


def test_issuing_a_key_shows_its_secret_once(staff, outsider):
    ApiKey.objects.filter(organization=outsider.org).update(status="revoked")
    response = staff.post(f"{KEYS}add/", {"organization": outsider.org.pk}, REMOTE_ADDR="192.0.2.77")
    assert response.status_code == 302 and response["Location"] == f"{KEYS}new-secret/"
    page = staff.get(f"{KEYS}new-secret/")
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    secrets = SECRET_RE.findall(page.content.decode())
    assert len(secrets) == 1
    assert _v1_status(secrets[0]) == 200
    again = staff.get(f"{KEYS}new-secret/")
    assert again.status_code == 302
    assert secrets[0] not in staff.get(KEYS).content.decode()
    entry = AuditLog.objects.filter(organization=outsider.org, action="api_key.create").latest("id")
    assert (entry.actor_label, entry.ip_address) == ("sam (staff)", "192.0.2.77")


def test_issuing_for_an_organization_with_an_active_key_says_to_rotate(staff, owner):
    response = staff.post(f"{KEYS}add/", {"organization": owner.org.pk})
    assert response.status_code == 200
    assert "already has an active API key" in response.content.decode()
    assert ApiKey.objects.filter(organization=owner.org).count() == 1


def test_rotating_in_the_admin_shows_the_new_secrets_and_keeps_the_old_keys_in_grace(staff, owner, outsider):
    response = staff.post(KEYS, {"action": "rotate_keys", "_selected_action": [owner.key.pk, outsider.key.pk]})
    assert response["Location"] == f"{KEYS}new-secret/"
    html = staff.get(f"{KEYS}new-secret/").content.decode()
    secrets = SECRET_RE.findall(html)
    assert len(secrets) == 2 and "Acme" in html and "Globex" in html
    assert all(_v1_status(secret) == 200 for secret in secrets)
    assert _v1_status(owner.secret) == 200
    assert ApiKey.objects.get(pk=owner.key.pk).status == "grace"


def test_revoking_in_the_admin_asks_first_then_the_key_is_refused(staff, owner):
    data = {"action": "revoke_keys", "_selected_action": [owner.key.pk]}
    confirm = staff.post(KEYS, data)
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.content.decode()
    assert _v1_status(owner.secret) == 200
    staff.post(KEYS, {**data, "post": "yes"})
    assert _v1_status(owner.secret) == 401
    assert AuditLog.objects.filter(action="api_key.revoke", actor_label="sam (staff)").count() == 1


def test_keys_cannot_be_deleted_or_edited(staff, owner):
    assert staff.get(f"{KEYS}{owner.key.pk}/delete/").status_code == 403
    staff.post(f"{KEYS}{owner.key.pk}/change/", {"status": "revoked"})
    assert ApiKey.objects.get(pk=owner.key.pk).status == "active"


def test_the_audit_log_is_read_only(staff, owner):
    entry = AuditLog.objects.filter(organization=owner.org).first()
    assert staff.get("/admin/thrad/auditlog/").status_code == 200
    assert staff.get("/admin/thrad/auditlog/add/").status_code == 403
    assert staff.get(f"/admin/thrad/auditlog/{entry.pk}/delete/").status_code == 403


@pytest.mark.parametrize("action", list(AuditLog.Action), ids=str)
def test_the_audit_log_list_shows_each_action_in_words(staff, owner, action):
    AuditLog.objects.all().delete()
    audit_log_record(org=owner.org, action=action, target="the target")
    html = staff.get("/admin/thrad/auditlog/").content.decode()
    rows = strip_tags(html[html.index('id="result_list"') :])
    assert action.label in rows
    assert action.value not in strip_tags(html)
