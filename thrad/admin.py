from django.contrib import admin

from thrad.models import ApiKey, AuditLog, Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "is_suspended", "storage_used_bytes", "storage_quota_bytes"]
    search_fields = ["name", "domain"]
    inlines = [MembershipInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["display_prefix", "organization", "status", "created_at", "last_used_at", "expires_at"]
    list_filter = ["status"]
    exclude = ["digest"]
    readonly_fields = ["prefix", "status", "created_at", "last_used_at", "expires_at", "revoked_at"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organization", "actor_label", "action", "target", "ip_address"]
    list_filter = ["action"]
