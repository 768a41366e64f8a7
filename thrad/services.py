"""Writes of the platform core: organizations, memberships, API keys and the audit log."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from thrad import keys
from thrad.errors import ApplicationError, NotFoundError
from thrad.models import ApiKey, AuditLog, Membership, Organization


class ActiveKeyExistsError(ApplicationError):
    status_code = 409
    default_code = "active_key_exists"
    default_message = "This organization already has an active API key; rotate it instead."


def audit_log_record(
    *,
    org: Organization,
    action: str,
    target: str = "",
    by_user: User | None = None,
    actor_label: str = "",
    ip: str | None = None,
) -> AuditLog:
    """Append one audit entry (who, what, when, from where)."""
    return AuditLog.objects.create(
        organization=org,
        actor=by_user,
        actor_label=actor_label or (by_user.get_username() if by_user else ""),
        action=action,
        target=target,
        ip_address=ip,
    )


def organization_create(*, name: str, domain: str = "", owner: User | None = None) -> Organization:  # fmt: skip
    """Create an organization, with `owner` as its owner member when given."""
    with transaction.atomic():
        org = Organization.objects.create(name=name, domain=domain)
        if owner is not None:
            Membership.objects.create(user=owner, organization=org, role=Membership.Role.OWNER)
    return org


def _insert_key(*, org: Organization, by_user: User | None, expires_at: datetime | None) -> tuple[ApiKey, str]:  # fmt: skip
    new = keys.generate("ak")
    api_key = ApiKey.objects.create(
        organization=org, prefix=new.prefix, digest=new.digest, created_by=by_user, expires_at=expires_at
    )
    return api_key, new.secret


def api_key_create(
    *,
    org: Organization,
    by_user: User | None = None,
    actor_label: str = "",
    ip: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Issue the organization's active key; the secret is returned once and never stored.

    Raises ActiveKeyExistsError when one exists: the partial unique index decides, so two
    concurrent creates leave exactly one active key.
    """
    try:
        with transaction.atomic():
            api_key, secret = _insert_key(org=org, by_user=by_user, expires_at=expires_at)
            audit_log_record(org=org, action="api_key.create", target=api_key.display_prefix,
                             by_user=by_user, actor_label=actor_label, ip=ip)  # fmt: skip
    except IntegrityError as exc:
        raise ActiveKeyExistsError() from exc
    return api_key, secret


def api_key_rotate(
    *,
    org: Organization,
    by_user: User | None = None,
    actor_label: str = "",
    ip: str | None = None,
) -> tuple[ApiKey, str]:
    """Replace the active key; the old one keeps working for API_KEY_ROTATION_GRACE seconds.

    Only one key is ever in grace: a key still in grace from an earlier rotation is revoked.
    With no active key this simply creates one.
    """
    now = timezone.now()
    grace_until = now + timedelta(seconds=settings.API_KEY_ROTATION_GRACE)
    try:
        with transaction.atomic():
            Organization.objects.select_for_update().filter(pk=org.pk).first()
            ApiKey.objects.filter(organization=org, status=ApiKey.Status.GRACE).update(
                status=ApiKey.Status.REVOKED, revoked_at=now
            )
            for old in ApiKey.objects.filter(organization=org, status=ApiKey.Status.ACTIVE):
                old.status = ApiKey.Status.GRACE
                old.expires_at = min(grace_until, old.expires_at or grace_until)
                old.save(update_fields=["status", "expires_at"])
            api_key, secret = _insert_key(org=org, by_user=by_user, expires_at=None)
            audit_log_record(org=org, action="api_key.rotate", target=api_key.display_prefix,
                             by_user=by_user, actor_label=actor_label, ip=ip)  # fmt: skip
    except IntegrityError as exc:  # a concurrent rotation won the race
        raise ActiveKeyExistsError("Another rotation happened at the same time; try again.") from exc
    return api_key, secret


def api_key_revoke(
    *,
    org: Organization,
    key_id: str,
    by_user: User | None = None,
    actor_label: str = "",
    ip: str | None = None,
) -> ApiKey:
    """Stop a key at once. `key_id` is the key's public id; another org's key is not found."""
    with transaction.atomic():
        api_key = (
            ApiKey.objects.select_for_update()
            .filter(organization=org, public_id=key_id)
            .exclude(status=ApiKey.Status.REVOKED)
            .first()
        )
        if api_key is None:
            raise NotFoundError("No such active API key.")
        api_key.status = ApiKey.Status.REVOKED
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["status", "revoked_at"])
        audit_log_record(org=org, action="api_key.revoke", target=api_key.display_prefix,
                         by_user=by_user, actor_label=actor_label, ip=ip)  # fmt: skip
    return api_key
