"""Dashboard access: login and logout, the organization switcher, roles and organization isolation."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from thrad.models import ApiKey, AuditLog, Membership, Organization
from thrad.services import organization_create

PAGES = ["/dashboard/", "/dashboard/files", "/dashboard/settings/api-keys", "/dashboard/settings/security"]


def owner_key_prefix(actor) -> str:
    return ApiKey.objects.get(organization=actor.org, status="active").display_prefix


def _login(client: Client, actor) -> Client:
    client.force_login(actor.user)
    return client


@pytest.mark.parametrize(
    "url", [*PAGES, "/dashboard/settings/api-keys/rotate", "/dashboard/settings/api-keys/new-secret"]
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/login?next={url}"


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/settings/api-keys/create",
        "/dashboard/settings/api-keys/rotate",
        "/dashboard/settings/security",
        "/dashboard/organization",
    ],
)
def test_anonymous_posts_change_nothing(client, owner, url):
    response = client.post(url, {"ip_allowlist": "10.0.0.0/8", "org": str(owner.org.public_id)})
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login")
    assert ApiKey.objects.filter(organization=owner.org).count() == 1
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == []


def test_the_login_page_has_a_csrf_protected_form(db):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/dashboard/login")
    assert page.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in page.content
    assert page["X-Frame-Options"] == "DENY"
    response = client.post("/dashboard/login", {"username": "x", "password": "y"})
    assert response.status_code == 403  # no CSRF token


def test_a_user_logs_in_with_the_right_password_and_lands_on_the_overview(client, owner):
    response = client.post("/dashboard/login", {"username": "olive", "password": "pw-123456789"})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert b"Acme" in client.get("/dashboard/").content


def test_a_wrong_password_is_refused_with_a_message(client, owner):
    response = client.post("/dashboard/login", {"username": "olive", "password": "wrong"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content
    assert client.get("/dashboard/").status_code == 302


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(client, owner):
    creds = {"username": "olive", "password": "pw-123456789"}
    response = client.post("/dashboard/login", {**creds, "next": "/dashboard/settings/security"})
    assert response["Location"] == "/dashboard/settings/security"
    client.logout()
    response = client.post("/dashboard/login", {**creds, "next": "https://evil.example/"})
    assert response["Location"] == "/dashboard/"


def test_login_attempts_from_one_address_are_throttled(client, owner):
    for _ in range(20):
        client.post("/dashboard/login", {"username": "olive", "password": "wrong"})
    response = client.post("/dashboard/login", {"username": "olive", "password": "pw-123456789"})
    assert response.status_code == 429
    assert b"Too many login attempts" in response.content
    assert client.get("/dashboard/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(client, owner):
    _login(client, owner)
    assert client.get("/dashboard/logout").status_code == 405
    response = client.post("/dashboard/logout")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/login"
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.parametrize("url", PAGES)
def test_pages_send_security_headers_and_are_never_cached(client, owner, url):
    response = _login(client, owner).get(url)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("url", PAGES)
def test_every_form_on_every_page_carries_a_csrf_token(client, owner, url):
    Membership.objects.create(user=owner.user, organization=organization_create(name="Second"), role="owner")
    api_key = ApiKey.objects.get(organization=owner.org)
    api_key.delete()  # so the Create form shows too
    html = _login(client, owner).get(url).content.decode()
    forms = html.count("<form")
    assert forms >= 2  # the organization switcher and logout, at least
    assert html.count('name="csrfmiddlewaretoken"') == forms


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_members_can_read_every_page(client, member, url):
    response = _login(client, member).get(url)
    assert response.status_code == 200
    assert b"Acme" in response.content


def test_members_see_no_buttons_that_change_keys_or_settings(client, member):
    _login(client, member)
    keys = client.get("/dashboard/settings/api-keys").content.decode()
    assert owner_key_prefix(member) in keys
    assert "/rotate" not in keys and "/revoke" not in keys and "Create key" not in keys
    assert "only owners and admins can change them" in keys
    security = client.get("/dashboard/settings/security").content.decode()
    assert "Save allowlist" not in security
    assert "readonly" in security


@pytest.mark.parametrize(
    "url, data",
    [
        ("/dashboard/settings/api-keys/create", {}),
        ("/dashboard/settings/api-keys/rotate", {}),
        ("/dashboard/settings/api-keys/{key}/revoke", {}),
        ("/dashboard/settings/security", {"ip_allowlist": "10.0.0.0/8"}),
    ],
)
def test_members_get_403_on_every_post_and_nothing_changes(client, member, owner, url, data):
    if "create" in url:
        ApiKey.objects.filter(organization=owner.org).delete()
    before = list(ApiKey.objects.filter(organization=owner.org).values_list("prefix", "status"))
    response = _login(client, member).post(url.format(key=owner.key.public_id), data)
    assert response.status_code == 403
    assert b"Members can read" in response.content
    assert list(ApiKey.objects.filter(organization=owner.org).values_list("prefix", "status")) == before
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == []
    assert not AuditLog.objects.filter(organization=owner.org, actor=member.user).exists()


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_may_change_settings(client, owner, role):
    user = get_user_model().objects.create_user("ada", password="pw-123456789")
    Membership.objects.create(user=user, organization=owner.org, role=role)
    client.force_login(user)
    response = client.post("/dashboard/settings/security", {"ip_allowlist": "10.0.0.0/8", "confirm_lockout": "on"})
    assert response.status_code == 302
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == ["10.0.0.0/8"]


def test_a_user_in_no_organization_sees_nothing_but_a_note(client, db):
    user = get_user_model().objects.create_user("nobody", password="pw-123456789")
    client.force_login(user)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 403
        assert b"not in any organization" in response.content


# --- organization isolation -------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_an_outsider_sees_nothing_of_another_organization(client, owner, outsider, url):
    response = _login(client, outsider).get(url)
    html = response.content.decode()
    assert "Globex" in html
    assert "Acme" not in html
    assert owner.key.prefix not in html


def test_an_outsider_cannot_reach_another_organizations_key_by_its_id(client, owner, outsider):
    _login(client, outsider)
    url = f"/dashboard/settings/api-keys/{owner.key.public_id}/revoke"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    owner.key.refresh_from_db()
    assert owner.key.status == ApiKey.Status.ACTIVE


# --- organization switcher --------------------------------------------------------------------


@pytest.fixture
def two_orgs(owner):
    """The owner is also a member (read only) of a second organization, Initech."""
    initech = organization_create(name="Initech")
    Membership.objects.create(user=owner.user, organization=initech, role=Membership.Role.MEMBER)
    return owner, initech


def test_a_user_in_one_organization_gets_no_switcher(client, owner):
    html = _login(client, owner).get("/dashboard/").content.decode()
    assert 'name="org"' not in html


def test_the_switcher_lists_only_the_users_own_organizations(client, two_orgs, outsider):
    owner, initech = two_orgs
    html = _login(client, owner).get("/dashboard/").content.decode()
    assert str(owner.org.public_id) in html and str(initech.public_id) in html
    assert "Globex" not in html


def test_switching_shows_the_other_organization_with_its_role(client, two_orgs):
    owner, initech = two_orgs
    _login(client, owner)
    response = client.post(
        "/dashboard/organization", {"org": str(initech.public_id), "next": "/dashboard/settings/api-keys"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/settings/api-keys"
    page = client.get("/dashboard/settings/api-keys").content.decode()
    assert f'<option value="{initech.public_id}" selected>Initech</option>' in page
    assert owner.key.prefix not in page  # Acme's key is not shown under Initech
    assert "Create key" not in page  # a member of Initech: read only
    assert client.post("/dashboard/settings/api-keys/create").status_code == 403
    assert not ApiKey.objects.filter(organization=initech).exists()


def test_switching_to_a_foreign_organization_is_404_and_keeps_the_current_one(client, two_orgs, outsider):
    owner, initech = two_orgs
    _login(client, owner)
    client.post("/dashboard/organization", {"org": str(initech.public_id)})
    for bad in [str(outsider.org.public_id), "not-a-uuid", ""]:
        assert client.post("/dashboard/organization", {"org": bad}).status_code == 404
    html = client.get("/dashboard/").content.decode()
    assert f'<option value="{initech.public_id}" selected>Initech</option>' in html
    assert "Globex" not in html


def test_switching_never_redirects_off_site(client, two_orgs):
    owner, initech = two_orgs
    response = _login(client, owner).post(
        "/dashboard/organization", {"org": str(initech.public_id), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/dashboard/"


def test_losing_a_membership_falls_back_to_a_remaining_organization(client, two_orgs):
    owner, initech = two_orgs
    _login(client, owner)
    client.post("/dashboard/organization", {"org": str(initech.public_id)})
    Membership.objects.filter(user=owner.user, organization=initech).delete()
    html = client.get("/dashboard/").content.decode()
    assert "Acme" in html and "Initech" not in html


def test_a_suspended_organization_says_so_on_every_page(client, owner):
    Organization.objects.filter(pk=owner.org.pk).update(is_suspended=True)
    for url in PAGES:
        assert b"is suspended" in _login(client, owner).get(url).content
