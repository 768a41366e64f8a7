"""Platform core: organizations, their members, API keys, the audit log, rate-limit counters,
storage quota reservations."""

import uuid
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

DEFAULT_STORAGE_QUOTA_BYTES = 200 * 1024 * 1024


_M = TypeVar("_M", bound=models.Model)


class _KeyCacheQuerySet(models.QuerySet[_M]):
    """Updates of these rows tell the processes' API key caches (thrad/keycache.py)."""

    def update(self, **kwargs: Any) -> int:
        from thrad import keycache

        rows = super().update(**kwargs)
        keycache.changed(kwargs)
        return rows


class OrganizationQuerySet(_KeyCacheQuerySet["Organization"]):
    def active(self) -> "OrganizationQuerySet":
        return self.filter(is_suspended=False)


class Organization(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    domain = models.CharField(max_length=253, blank=True, help_text="Advertiser's web domain.")
    logo_url = models.URLField(blank=True)
    is_suspended = models.BooleanField(default=False)
    suspended_at = models.DateTimeField(null=True, blank=True)
    storage_quota_bytes = models.BigIntegerField(default=DEFAULT_STORAGE_QUOTA_BYTES)
    storage_used_bytes = models.BigIntegerField(default=0)
    ip_allowlist = models.JSONField(
        default=list, blank=True, help_text="CIDRs allowed to call the Files API; empty = any."
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(storage_used_bytes__gte=0), name="org_storage_used_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner"
        ADMIN = "admin"
        MEMBER = "member"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class ApiKeyQuerySet(_KeyCacheQuerySet["ApiKey"]):
    def usable(self) -> "ApiKeyQuerySet":
        """Keys that authenticate now: active or in grace, and not past their expiry."""
        return self.filter(status__in=[ApiKey.Status.ACTIVE, ApiKey.Status.GRACE]).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )


class ApiKey(models.Model):
    """An organization's API key. Only a lookup prefix and a SHA-256 digest are stored."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        GRACE = "grace", "in rotation grace"
        REVOKED = "revoked"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(status="active"), name="one_active_key_per_org"
            ),
            models.UniqueConstraint(fields=["organization"], condition=Q(status="grace"), name="one_grace_key_per_org"),
        ]

    def __str__(self) -> str:
        return f"ak_{self.prefix}… ({self.status})"

    @property
    def display_prefix(self) -> str:
        return f"ak_{self.prefix}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        if self.status == self.Status.REVOKED:
            return False
        return self.expires_at is None or self.expires_at > now


class AuditLog(models.Model):
    """Who did what to an organization's keys and settings, when, and from where."""

    class Action(models.TextChoices):
        """Every action the code records, with the words the dashboard and the admin show for it.

        A label reads on its own and in front of the entry's target ("Revoked key ak_3f…")."""

        API_KEY_CREATE = "api_key.create", "Created key"
        API_KEY_ROTATE = "api_key.rotate", "Rotated to key"
        API_KEY_REVOKE = "api_key.revoke", "Revoked key"
        ORGANIZATION_CREATE = "organization.create", "Created the organization"
        ORGANIZATION_QUOTA = "organization.quota", "Set the storage quota to"
        ORGANIZATION_IP_ALLOWLIST = "organization.ip_allowlist", "Set the IP allowlist to"
        ORGANIZATION_SUSPEND = "organization.suspend", "Suspended the organization"
        ORGANIZATION_UNSUSPEND = "organization.unsuspend", "Lifted the suspension of"
        CAMPAIGN_APPROVE = "campaign_approved", "Approved the campaign"
        CAMPAIGN_REJECT = "campaign_rejected", "Rejected the campaign"
        FILE_DELETE = "file.delete", "Deleted the file"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text="e.g. 'cli', 'admin'.")
    action = models.CharField(max_length=50, choices=Action.choices)
    target = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"


class RateLimitCounter(models.Model):
    """Fixed-window counter for the database-backed rate limiter (no Redis configured)."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.count}"


class StorageReservation(models.Model):
    """Quota bytes an organization holds for an object being stored (a Files API part), from the
    reservation until the object's row is recorded (thrad/quota.py). One older than
    RECONCILE_GRACE belongs to a request that died half-way: reconciliation gives it back."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255, help_text="The storage name being written.")
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.size} bytes for {self.name}"
