"""The dashboard and the admin in a real Chromium (Playwright), against the live test server.

Screenshots of the overview and the API keys page at 1280 and 390 px wide are saved into
test-artifacts/screenshots/ (git-ignored).
"""

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image

from creatives.models import Campaign
from thrad.models import AuditLog, Membership
from thrad.services import api_key_create, organization_create

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
PASSWORD = "pw-browser-123456"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def olive(transactional_db: None) -> object:
    """An owner of Acme, which has no API key yet, with a campaign in review."""
    user = get_user_model().objects.create_user("olive", "olive@example.com", PASSWORD)
    org = organization_create(name="Acme", domain="acme.example", owner=user)
    org.storage_used_bytes = 37 * 1024 * 1024
    org.save(update_fields=["storage_used_bytes"])
    Campaign.objects.create(
        organization=org,
        name="Spring sale",
        start_time=timezone.now(),
        lifetime_spend_limit_micros=50_000_000,
        status="active",
    )
    return user


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    """A desktop-sized tab that may use the clipboard."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=WIDTHS["desktop"],
        permissions=["clipboard-read", "clipboard-write"],
    )
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def _log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/dashboard/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/")


def _api_status(base: str, secret: str) -> int:
    """Upload a creative image with the key, as the advertiser's code would (201 when accepted)."""
    image = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(image, "PNG")
    files = {"file": ("creative.png", image.getvalue(), "image/png")}
    with requests.post(
        f"{base}/v1/upload", headers={"Authorization": f"Bearer {secret}"}, files=files, timeout=30
    ) as response:
        return response.status_code


def _copy_secret(page) -> str:
    """Press the copy button and read the key back from the clipboard."""
    page.get_by_role("button", name="Copy").click()
    page.get_by_text("Copied to the clipboard.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#new-secret").input_value()
    assert re.fullmatch(r"ak_[0-9a-f]{12}_[0-9A-Za-z]{40}", copied)
    return copied


def _screenshots(page, name: str, *, reload: bool = True) -> None:
    """Full-page screenshots at both widths, checking that nothing scrolls sideways.

    `reload=False` for a page that a reload would change (a form showing errors).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size in WIDTHS.values():
        page.set_viewport_size(size)
        if reload:
            page.reload()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {size['width']} px"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(WIDTHS["desktop"])


def test_a_key_is_created_copied_used_rotated_and_revoked_in_the_browser(page, live_server, olive):
    _log_in(page, "olive")
    assert page.get_by_role("rowheader", name="Spring sale").is_visible()
    _screenshots(page, "overview")

    page.get_by_role("link", name="API keys").click()
    page.get_by_role("button", name="Create key").click()
    page.wait_for_url("**/settings/api-keys/new-secret")
    first = _copy_secret(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "new-secret-1280.png"), full_page=True)
    assert _api_status(live_server.url, first) == 201

    page.reload()  # the secret is gone for good
    page.wait_for_url("**/settings/api-keys")
    assert first not in page.content()
    assert page.get_by_text("shown only once").is_visible()

    page.get_by_role("link", name="Rotate…").click()
    page.get_by_role("button", name="Rotate key").click()
    page.wait_for_url("**/settings/api-keys/new-secret")
    second = _copy_secret(page)
    assert second != first
    assert _api_status(live_server.url, second) == 201
    assert _api_status(live_server.url, first) == 201  # the old key works within the grace window

    page.get_by_role("link", name="back to API keys").click()
    grace = page.locator("section", has=page.get_by_role("heading", name="In rotation grace"))
    assert re.search(r"in (29|30)\s+minutes", grace.inner_text())
    _screenshots(page, "api-keys")  # an active key and one in grace

    page.get_by_role("link", name="Revoke…").click()
    page.get_by_role("button", name="Revoke key").click()
    page.wait_for_url("**/settings/api-keys")
    assert _api_status(live_server.url, second) == 401

    page.get_by_role("link", name=re.compile("Revoke .* now")).click()
    page.get_by_role("button", name="Revoke key").click()
    page.wait_for_url("**/settings/api-keys")
    assert _api_status(live_server.url, first) == 401

    audit = page.locator("section", has=page.get_by_role("heading", name="Audit log")).inner_text()
    for what in ["Created key", "Rotated to key", "Revoked key"]:
        assert what in audit
    assert "127.0.0.1" in audit
    assert AuditLog.objects.filter(actor=olive, action="api_key.revoke").count() == 2
    _screenshots(page, "api-keys-revoked")


def test_the_dashboard_works_with_the_keyboard_alone(page, live_server, olive):
    page.goto("/dashboard/login")
    _screenshots(page, "login", reload=False)
    page.keyboard.type("olive")  # the username field has focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")

    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.textContent, getComputedStyle(document.activeElement).outlineStyle]"
    )
    assert focused == ["Skip to content", "solid"]

    page.goto("/dashboard/settings/api-keys")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Create key":
            break
    else:
        pytest.fail("Tab never reached the Create key button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/settings/api-keys/new-secret")
    assert page.locator("#new-secret").input_value().startswith("ak_")


def test_a_member_sees_the_key_page_without_any_button_that_changes_it(page, live_server, olive):
    acme = olive.memberships.get().organization
    mia = get_user_model().objects.create_user("mia", password=PASSWORD)
    Membership.objects.create(user=mia, organization=acme, role=Membership.Role.MEMBER)
    _log_in(page, "mia")
    page.get_by_role("link", name="API keys").click()
    assert page.get_by_text("only owners and admins can change them").is_visible()
    assert page.get_by_role("button", name="Create key").count() == 0


def test_the_allowlist_shows_each_bad_line_then_saves_a_fixed_list(page, live_server, olive):
    _log_in(page, "olive")
    page.get_by_role("link", name="Security").click()
    box = page.get_by_label("Allowed networks")
    box.fill("10.0.0.0/8\nnot-a-network\n2001:db8::/32")
    page.get_by_role("button", name="Save allowlist").click()
    assert page.get_by_text("Line 2: “not-a-network” is not an IP address").is_visible()
    assert box.get_attribute("aria-invalid") == "true"
    _screenshots(page, "security-errors", reload=False)
    box.fill("10.0.0.0/8\n2001:db8::/32")
    page.get_by_role("button", name="Save allowlist").click()
    # The browser calls from 127.0.0.1, which the list leaves out: nothing is saved until confirmed.
    warning = page.get_by_role("alert")
    assert "Your own address 127.0.0.1 is not in this list." in warning.inner_text()
    assert "Files API calls from 127.0.0.1 are refused with 403 ip_not_allowed" in warning.inner_text()
    assert box.input_value() == "10.0.0.0/8\n2001:db8::/32"
    olive.memberships.get().organization.refresh_from_db()
    assert olive.memberships.get().organization.ip_allowlist == []
    _screenshots(page, "security-confirm", reload=False)
    page.get_by_role("button", name="Save allowlist").click()  # without ticking the box: asked again
    assert page.get_by_role("alert").is_visible()
    page.get_by_label("Save anyway: Files API calls from 127.0.0.1 will be refused").check()
    page.get_by_role("button", name="Save allowlist").click()
    page.wait_for_url("**/settings/security")
    assert page.get_by_text(
        "IP allowlist saved. Files API calls from your address 127.0.0.1 are now refused."
    ).is_visible()
    assert page.get_by_text("is outside the saved list").is_visible()
    assert box.input_value() == "10.0.0.0/8\n2001:db8::/32"
    _screenshots(page, "security-saved", reload=False)


def test_deleting_a_file_asks_first_and_cancel_keeps_it(page, live_server, olive):
    acme = olive.memberships.get().organization
    _key, secret = api_key_create(org=acme)
    sent = requests.post(
        f"{live_server.url}/api/v1/upload",
        headers={"x-api-key": secret},
        files={"files": ("notes.txt", b"hello", "text/plain")},
        timeout=30,
    )
    assert sent.status_code == 200, sent.text
    _log_in(page, "olive")
    page.get_by_role("link", name="Files", exact=True).click()
    page.wait_for_url("**/dashboard/files")
    _screenshots(page, "files")
    page.get_by_role("link", name="Delete notes.txt…").click()
    page.wait_for_url(re.compile(r"/dashboard/files/delete\?key="))
    assert page.get_by_role("heading", name="Delete notes.txt?").is_visible()
    assert page.get_by_text("This cannot be undone.").is_visible()
    _screenshots(page, "file-delete")
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url("**/dashboard/files")
    assert page.get_by_role("rowheader", name="notes.txt").is_visible()  # nothing deleted
    page.get_by_role("link", name="Delete notes.txt…").click()
    page.get_by_role("button", name="Delete file").click()
    page.wait_for_url("**/dashboard/files")
    assert page.get_by_text("Deleted notes.txt.").is_visible()
    assert page.get_by_role("rowheader", name="notes.txt").count() == 0
    gone = requests.get(f"{live_server.url}/api/v1/files", headers={"x-api-key": secret}, timeout=30)
    assert gone.json()["files"] == []


def test_a_user_of_two_organizations_switches_between_them(page, live_server, olive):
    initech = organization_create(name="Initech")
    Membership.objects.create(user=olive, organization=initech, role=Membership.Role.MEMBER)
    _log_in(page, "olive")
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Organization").select_option(label="Initech")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_url("**/settings/api-keys")
    assert page.get_by_label("Organization").input_value() == str(initech.public_id)
    assert page.get_by_text("You are a member of Initech").is_visible()
    _screenshots(page, "switcher")


def _admin_log_in(page, username: str) -> None:
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def test_staff_issue_a_key_in_the_admin_and_see_its_secret_once(page, live_server, olive):
    get_user_model().objects.create_superuser("sam", "sam@example.com", PASSWORD)
    _admin_log_in(page, "sam")
    page.goto("/admin/thrad/apikey/add/")
    page.get_by_label("Organization").select_option(label="Acme")
    page.get_by_role("button", name="Issue key").click()
    page.wait_for_url("**/admin/thrad/apikey/new-secret/")
    page.get_by_role("button", name="Copy").click()
    secret = page.evaluate("navigator.clipboard.readText()")
    assert secret == page.locator("#secret-1").input_value()
    _screenshots(page, "admin-new-secret", reload=False)
    assert _api_status(live_server.url, secret) == 201
    page.reload()
    page.wait_for_url("**/admin/thrad/apikey/")
    assert secret not in page.content()
    assert page.get_by_text(re.compile(r"ak_[0-9a-f]{12}_…")).count() == 1


def test_staff_approve_a_campaign_from_the_admin_review_queue(page, live_server, transactional_db):
    get_user_model().objects.create_superuser("sam", "sam@example.com", PASSWORD)
    org = organization_create(name="Acme")
    campaign = Campaign.objects.create(
        organization=org, name="Needs review", start_time=timezone.now(), lifetime_spend_limit_micros=10_000_000
    )
    _admin_log_in(page, "sam")
    page.goto("/admin/creatives/campaign/?review_status__exact=in_review")
    page.get_by_role("row", name=re.compile("Needs review")).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("approve_campaigns")
    page.get_by_role("button", name="Go").click()
    page.wait_for_load_state()
    assert page.get_by_text("Campaign “Needs review” approved.").is_visible()
    campaign.refresh_from_db()
    assert campaign.review_status == "approved"


def test_staff_approve_on_the_campaign_page_and_the_advertiser_reads_it_in_words(page, browser, live_server, olive):
    get_user_model().objects.create_superuser("sam", "sam@example.com", PASSWORD)
    acme = olive.memberships.get().organization
    Campaign.objects.filter(organization=acme).update(review_status="approved")  # only the new one waits
    Campaign.objects.create(
        organization=acme, name="Autumn launch", start_time=timezone.now(), lifetime_spend_limit_micros=10_000_000
    )
    _admin_log_in(page, "sam")
    page.get_by_role("link", name="Campaigns in review").click()
    page.wait_for_url("**/admin/creatives/campaigninreview/")
    assert page.get_by_role("heading", name="Campaign review queue").is_visible()
    assert page.get_by_text("1 campaign in review").is_visible()
    page.get_by_role("link", name="Autumn launch").click()
    page.get_by_role("button", name="Approve").wait_for()
    assert page.get_by_role("button", name="Save").count() == 0
    _screenshots(page, "admin-campaign-review")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/admin/creatives/campaigninreview/")
    assert page.get_by_text("Campaign “Autumn launch” approved.").is_visible()
    assert page.get_by_text("0 campaigns in review").is_visible()
    _screenshots(page, "admin-review-queue-empty", reload=False)
    assert Campaign.objects.get(name="Autumn launch").review_status == "approved"
    page.goto("/admin/thrad/auditlog/")
    assert page.get_by_role("row", name=re.compile("Approved the campaign")).is_visible()
    _screenshots(page, "admin-audit-log")

    advertiser = browser.new_context(base_url=live_server.url, viewport=WIDTHS["desktop"])
    try:
        tab = advertiser.new_page()
        _log_in(tab, "olive")
        tab.get_by_role("link", name="API keys").click()
        tab.wait_for_url("**/settings/api-keys")
        audit = tab.locator("section", has=tab.get_by_role("heading", name="Audit log")).inner_text()
        assert "Approved the campaign Autumn launch" in audit and "sam (staff)" in audit
        assert "campaign_approved" not in audit
        tab.locator("#audit-heading").scroll_into_view_if_needed()
        _screenshots(tab, "audit-log")
    finally:
        advertiser.close()
