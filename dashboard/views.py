"""Dashboard pages. Views stay thin: reads through selectors, writes through services.

Every page belongs to the signed-in user's current organization (kept in the session, chosen
with the switcher among the user's own memberships). Members read; any POST to an
organization's page needs the owner or admin role.
"""

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View

from dashboard import charts, selectors
from dashboard.forms import AllowlistForm, allowlist_leaves_out
from files.models import StoredFile
from files.selectors import stored_file_get, stored_file_list
from files.services import stored_file_delete
from thrad import ratelimit
from thrad.clientip import request_ip
from thrad.errors import FilesError, PlatformError, V1Error
from thrad.models import ApiKey, AuditLog, Membership, Organization
from thrad.services import (
    api_key_create,
    api_key_revoke,
    api_key_rotate,
    audit_log_record,
    organization_ip_allowlist_set,
)

SESSION_ORG = "dashboard_org"
SESSION_SECRET = "dashboard_new_secret"
SECRET_WAIT_SECONDS = 300  # a secret not shown within this time after the action is dropped
LOGIN_LIMIT = ratelimit.Limit("dashboard-login", 20, 900)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def secure_page(response: HttpResponseBase) -> HttpResponseBase:
    """No caching of private pages, and a CSP that allows only this site's own files."""
    add_never_cache_headers(response)
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def _current(memberships: list[Membership], wanted: str | None) -> Membership | None:
    for membership in memberships:
        if str(membership.organization.public_id) == wanted:
            return membership
    return memberships[0] if memberships else None


class DashboardView(View):
    """Base page: signed-in user, current organization, members read-only."""

    template_name = ""
    nav = ""
    memberships: list[Membership]
    membership: Membership
    org: Organization

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.memberships = selectors.membership_list(user=request.user)
        membership = _current(self.memberships, request.session.get(SESSION_ORG))
        if membership is None:
            return secure_page(render(request, "dashboard/no_organization.html", status=403))
        self.membership, self.org = membership, membership.organization
        if request.method == "POST" and not self.membership.can_manage:
            raise PermissionDenied("Members can read this organization's pages but not change them.")
        return secure_page(super().dispatch(request, *args, **kwargs))

    def page(self, context: dict[str, Any] | None = None, *, status: int = 200) -> HttpResponse:
        base = {
            "org": self.org,
            "membership": self.membership,
            "memberships": self.memberships,
            "can_manage": self.membership.can_manage,
            "nav": self.nav,
            "nav_url": reverse(f"dashboard:{self.nav or 'overview'}"),
        }
        return render(self.request, self.template_name, {**base, **(context or {})}, status=status)

    def audit_kwargs(self) -> dict[str, Any]:
        return {"org": self.org, "by_user": self.request.user, "ip": request_ip(self.request)}


class OverviewView(DashboardView):
    template_name = "dashboard/overview.html"
    nav = "overview"

    def get(self, request: HttpRequest) -> HttpResponse:
        series = selectors.overview_series(org=self.org, days=30)
        panels = [p._replace(svg=mark_safe(p.svg)) for p in charts.daily_chart(series)]  # noqa: S308 - built escaped
        return self.page(
            {
                "campaigns": selectors.campaign_list_for_overview(org=self.org),
                "chart": panels,
                "chart_empty": not any(p.impressions or p.clicks or p.spend_micros for p in series),
                "chart_axis": charts.axis_labels(series),
                "daily_rows": charts.daily_rows(series),
                "usage": selectors.storage_usage(org=self.org),
            }
        )


class FileListView(DashboardView):
    """The Files API's stored files, newest first, 50 a page, with the usage bar."""

    template_name = "dashboard/files.html"
    nav = "files"

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            page = stored_file_list(org=self.org, cursor=request.GET.get("cursor") or None, limit=50)
        except FilesError.INVALID_CURSOR.exc as exc:
            raise Http404("No such page.") from exc
        usage = selectors.StorageUsage(used_bytes=page.used_bytes, quota_bytes=page.quota_bytes)
        return self.page({"usage": usage, "files": page.files, "next_cursor": page.next_cursor})


class FileDeleteView(DashboardView):
    """Delete one stored file (bytes, row, quota given back) after a confirmation page; audited."""

    template_name = "dashboard/file_delete.html"
    nav = "files"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not self.membership.can_manage:
            raise PermissionDenied("Only owners and admins can delete files.")
        return self.page({"file": self._file(request.GET.get("key", ""))})

    def post(self, request: HttpRequest) -> HttpResponse:
        stored = self._file(request.POST.get("key", ""))
        try:
            stored_file_delete(org=self.org, key=stored.key)
        except PlatformError.NOT_FOUND.exc as exc:  # deleted by someone else meanwhile
            raise Http404("No such file.") from exc
        except PlatformError.STORAGE_UNAVAILABLE.exc:
            messages.error(request, "File storage is unavailable; nothing was deleted. Try again later.")
            return redirect("dashboard:files")
        audit_log_record(action=AuditLog.Action.FILE_DELETE, target=stored.key[:200], **self.audit_kwargs())
        messages.success(request, f"Deleted {stored.filename}.")
        return redirect("dashboard:files")

    def _file(self, key: str) -> StoredFile:
        try:
            return stored_file_get(org=self.org, key=key)
        except PlatformError.NOT_FOUND.exc as exc:
            raise Http404("No such file.") from exc


class ApiKeyListView(DashboardView):
    template_name = "dashboard/api_keys.html"
    nav = "api-keys"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(
            {
                "keys": selectors.api_key_overview(org=self.org),
                "audit": selectors.audit_log_list(org=self.org),
            }
        )


def _remember_secret(request: HttpRequest, key: ApiKey, secret: str, action: str) -> None:
    """Hand the secret to the next page only; that page removes it from the session."""
    request.session[SESSION_SECRET] = {
        "secret": secret,
        "prefix": key.display_prefix,
        "org": str(key.organization.public_id),
        "action": action,
        "at": time.time(),
    }


class ApiKeyCreateView(DashboardView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            key, secret = api_key_create(**self.audit_kwargs())
        except V1Error.ACTIVE_KEY_EXISTS.exc as exc:
            messages.error(request, exc.message)
            return redirect("dashboard:api-keys")
        _remember_secret(request, key, secret, "created")
        return redirect("dashboard:api-key-secret")


class ApiKeyRotateView(DashboardView):
    template_name = "dashboard/api_key_rotate.html"
    nav = "api-keys"

    def get(self, request: HttpRequest) -> HttpResponse:
        keys = selectors.api_key_overview(org=self.org)
        if keys.active is None:
            messages.info(request, "There is no active key to rotate; create one instead.")
            return redirect("dashboard:api-keys")
        now = timezone.now()
        grace_until = now + timedelta(seconds=settings.API_KEY_ROTATION_GRACE)
        return self.page({"keys": keys, "now": now, "grace_until": grace_until})

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            key, secret = api_key_rotate(**self.audit_kwargs())
        except V1Error.ACTIVE_KEY_EXISTS.exc as exc:  # a concurrent rotation won
            messages.error(request, exc.message)
            return redirect("dashboard:api-keys")
        _remember_secret(request, key, secret, "rotated")
        return redirect("dashboard:api-key-secret")


class ApiKeyRevokeView(DashboardView):
    template_name = "dashboard/api_key_revoke.html"
    nav = "api-keys"

    def get(self, request: HttpRequest, key_id: str) -> HttpResponse:
        key = selectors.api_key_get_revocable(org=self.org, key_id=key_id)
        if key is None:
            raise Http404("No such key.")
        return self.page({"key": key})

    def post(self, request: HttpRequest, key_id: str) -> HttpResponse:
        if selectors.api_key_get_revocable(org=self.org, key_id=key_id) is None:
            raise Http404("No such key.")
        try:
            key = api_key_revoke(key_id=key_id, **self.audit_kwargs())
        except PlatformError.NOT_FOUND.exc as exc:  # revoked by someone else meanwhile
            raise Http404("No such key.") from exc
        messages.success(request, f"Key {key.display_prefix}… is revoked; it no longer authenticates.")
        return redirect("dashboard:api-keys")


class ApiKeySecretView(DashboardView):
    """The one page that shows a new secret; reloading it shows nothing."""

    template_name = "dashboard/api_key_secret.html"
    nav = "api-keys"

    def get(self, request: HttpRequest) -> HttpResponse:
        shown = request.session.pop(SESSION_SECRET, None)
        fresh = shown and time.time() - shown.get("at", 0) < SECRET_WAIT_SECONDS
        if not fresh or shown["org"] != str(self.org.public_id):
            messages.info(request, "A key's secret is shown only once, right after it is made.")
            return redirect("dashboard:api-keys")
        return self.page({"shown": shown})


class SecuritySettingsView(DashboardView):
    """The Files API allowlist. A list that leaves out the user's own address is saved only once
    they confirm, on a page that names the address and says its Files API calls will be refused."""

    template_name = "dashboard/security.html"
    nav = "security"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = self._form(initial={"ip_allowlist": self.org.ip_allowlist})
        return self.page(
            {"form": form, "saved_leaves_you_out": allowlist_leaves_out(self.org.ip_allowlist, form.your_ip)}
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(data=request.POST)
        if not form.is_valid():
            return self.page({"form": form}, status=400)
        if form.needs_confirmation():
            return self.page({"form": form, "confirming": True})
        changed = organization_ip_allowlist_set(cidrs=form.cleaned_data["ip_allowlist"], **self.audit_kwargs())
        if changed and form.leaves_out_your_ip():
            messages.warning(
                request, f"IP allowlist saved. Files API calls from your address {form.your_ip} are now refused."
            )
        else:
            messages.success(request, "IP allowlist saved." if changed else "No changes to save.")
        return redirect("dashboard:security")

    def _form(self, **kwargs: Any) -> AllowlistForm:
        return AllowlistForm(your_ip=request_ip(self.request), **kwargs)

    def page(self, context: dict[str, Any] | None = None, **kwargs: Any) -> HttpResponse:
        return super().page({"your_ip": request_ip(self.request), **(context or {})}, **kwargs)


class OrgSwitchView(View):
    """Make another of the user's organizations the current one; any other id is 404."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login("/dashboard/")
        membership = selectors.membership_get(user=request.user, org_id=request.POST.get("org", ""))
        if membership is None:
            raise Http404("No such organization.")
        request.session[SESSION_ORG] = str(membership.organization.public_id)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = "/dashboard/"
        return redirect(target)


class DashboardLoginView(LoginView):
    """Django's login, throttled per client address, with the dashboard's security headers."""

    template_name = "dashboard/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not ratelimit.hit(LOGIN_LIMIT, request_ip(request) or "unknown").allowed:
            form = self.get_form()
            form.errors.clear()
            response = self.render_to_response(self.get_context_data(form=form, throttled=True))
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return secure_page(super().dispatch(request, *args, **kwargs))
