"""Staff admin: organizations (quota, suspension, IP allowlist, members), API keys (issue,
rotate, revoke, secrets shown once on the next page, prefixes only in lists) and the audit log.

Every change goes through the services, so it lands in the organization's audit log with the
staff user and their address.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from thrad.clientip import request_ip
from thrad.errors import PlatformError, V1Error
from thrad.forms import CidrListField
from thrad.models import ApiKey, AuditLog, Membership, Organization
from thrad.services import (
    allowlist_summary,
    api_key_create,
    api_key_revoke,
    api_key_rotate,
    audit_log_record,
    organization_suspend,
    organization_unsuspend,
)

SESSION_SECRETS = "admin_new_secrets"
admin.site.site_header = "Thrad admin"
admin.site.site_title = "Thrad admin"
admin.site.index_title = "Platform administration"


def staff_audit(request: HttpRequest) -> dict[str, Any]:
    """The who and from-where of an audit entry made in the admin."""
    return {"by_user": request.user, "actor_label": f"{request.user.get_username()} (staff)", "ip": request_ip(request)}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


class OrganizationForm(forms.ModelForm):
    ip_allowlist = CidrListField(
        label="IP allowlist",
        help_text="Networks allowed to call the Files API, one IP or CIDR per line; empty allows any address.",
    )
    storage_quota_bytes = forms.IntegerField(min_value=0, label="Storage quota (bytes)")
    logo_url = forms.URLField(required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Organization
        fields = ["name", "domain", "logo_url", "storage_quota_bytes", "ip_allowlist"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse, search and filter records that only the application itself writes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationForm
    list_display = ["name", "domain", "is_suspended", "storage_used", "storage_quota", "created_at"]
    list_filter = ["is_suspended"]
    search_fields = ["name", "domain"]
    readonly_fields = ["public_id", "is_suspended", "suspended_at", "storage_used_bytes", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "domain", "logo_url", "public_id", "created_at"]}),
        ("Storage", {"fields": ["storage_quota_bytes", "storage_used_bytes"]}),
        ("Security", {"fields": ["ip_allowlist", "is_suspended", "suspended_at"]}),
    ]
    inlines = [MembershipInline]
    actions = ["suspend_organizations", "unsuspend_organizations"]

    @admin.display(description="used", ordering="storage_used_bytes")
    def storage_used(self, org: Organization) -> str:
        return filesizeformat(org.storage_used_bytes)

    @admin.display(description="quota", ordering="storage_quota_bytes")
    def storage_quota(self, org: Organization) -> str:
        return filesizeformat(org.storage_quota_bytes)

    def save_model(self, request: HttpRequest, obj: Organization, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)  # inside the admin's transaction
        if not change:
            audit_log_record(
                org=obj, action=AuditLog.Action.ORGANIZATION_CREATE, target=obj.name, **staff_audit(request)
            )
            return
        if "storage_quota_bytes" in form.changed_data:
            audit_log_record(
                org=obj,
                action=AuditLog.Action.ORGANIZATION_QUOTA,
                target=f"{obj.storage_quota_bytes} bytes",
                **staff_audit(request),
            )
        if "ip_allowlist" in form.changed_data:
            audit_log_record(
                org=obj,
                action=AuditLog.Action.ORGANIZATION_IP_ALLOWLIST,
                target=allowlist_summary(obj.ip_allowlist),
                **staff_audit(request),
            )

    @admin.action(description="Suspend selected organizations")
    def suspend_organizations(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        count = sum(organization_suspend(org=org, **staff_audit(request)) for org in queryset)
        self.message_user(request, f"{count} organization(s) suspended; their API keys now get 403 account_suspended.")

    @admin.action(description="Lift the suspension of selected organizations")
    def unsuspend_organizations(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        count = sum(organization_unsuspend(org=org, **staff_audit(request)) for org in queryset)
        self.message_user(request, f"{count} organization(s) no longer suspended.")


class IssueKeyForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.all())
    expires_at = forms.DateTimeField(required=False, help_text="Optional, UTC: YYYY-MM-DD HH:MM.")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued here (the secret is shown once), rotated and revoked; never edited or deleted."""

    list_display = ["key_prefix", "organization", "status", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["status"]
    search_fields = ["prefix", "organization__name"]
    list_select_related = ["organization"]
    fields = readonly_fields = (
        "key_prefix",
        "organization",
        "status",
        "created_by",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    actions = ["rotate_keys", "revoke_keys"]

    @admin.display(description="key", ordering="prefix")
    def key_prefix(self, key: ApiKey) -> str:
        return f"{key.display_prefix}_…"

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False  # revoke instead: the row is the audit trail's target

    def get_urls(self) -> list[URLPattern]:
        secret = path("new-secret/", self.admin_site.admin_view(self.secret_view), name="thrad_apikey_secret")
        return [secret, *super().get_urls()]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IssueKeyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            org, expires_at = form.cleaned_data["organization"], form.cleaned_data["expires_at"]
            try:
                key, secret = api_key_create(org=org, expires_at=expires_at, **staff_audit(request))
            except V1Error.ACTIVE_KEY_EXISTS.exc as exc:
                form.add_error("organization", f"{exc.message} (select its key in the list and use “Rotate”.)")
            else:
                return self._show_secrets(request, [(key, secret)])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": "Issue an API key",
        }
        return TemplateResponse(request, "admin/thrad/apikey/issue.html", context)

    def _show_secrets(self, request: HttpRequest, issued: list[tuple[ApiKey, str]]) -> HttpResponseRedirect:
        request.session[SESSION_SECRETS] = [
            {"org": key.organization.name, "prefix": key.display_prefix, "secret": secret} for key, secret in issued
        ]
        return redirect("admin:thrad_apikey_secret")

    def secret_view(self, request: HttpRequest) -> HttpResponse:
        """Shows the secrets just issued, once: they leave the session as the page renders."""
        shown = request.session.pop(SESSION_SECRETS, None)
        if not shown:
            self.message_user(request, "A key's secret is shown only once, right after it is issued.", messages.WARNING)
            return redirect("admin:thrad_apikey_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "shown": shown,
            "title": "New API key secrets",
        }
        return TemplateResponse(request, "admin/thrad/apikey/secret.html", context)

    @admin.action(description="Rotate selected active keys (new secrets shown once)")
    def rotate_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> HttpResponse | None:
        active = [key for key in queryset.select_related("organization") if key.status == ApiKey.Status.ACTIVE]
        if not active:
            self.message_user(request, "Only active keys can be rotated.", messages.WARNING)
            return None
        issued = [api_key_rotate(org=key.organization, **staff_audit(request)) for key in active]
        return self._show_secrets(request, issued)

    @admin.action(description="Revoke selected keys…")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> HttpResponse | None:
        keys = [key for key in queryset.select_related("organization") if key.status != ApiKey.Status.REVOKED]
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "keys": keys,
                "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "title": "Revoke API keys?",
            }
            return TemplateResponse(request, "admin/thrad/apikey/revoke_confirmation.html", context)
        revoked = 0
        for key in keys:
            try:
                api_key_revoke(org=key.organization, key_id=str(key.public_id), **staff_audit(request))
                revoked += 1
            except PlatformError.NOT_FOUND.exc:
                continue  # revoked meanwhile
        self.message_user(request, f"{revoked} key(s) revoked.")
        return None


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "organization", "actor_label", "action", "target", "ip_address"]
    list_filter = ["action"]
    search_fields = ["organization__name", "actor_label", "target", "ip_address"]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"
