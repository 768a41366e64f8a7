"""Writes of the platform core: organizations, memberships, API keys and the audit log.

Side effects are explicit: a change of suspension sends `thrad.signals.organization_suspension_changed`
after commit (the DSP's serving index listens), whatever path asked for it.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from thrad import keys
from thrad.clientip import parse_networks
from thrad.errors import PlatformError, V1Error
from thrad.models import ApiKey, AuditLog, Membership, Organization
from thrad.signals import organization_suspension_changed

logger = logging.getLogger(__name__)
LAST_USED_RESOLUTION = timedelta(seconds=60)


def audit_log_record(
    *,
    org: Organization,
    action: AuditLog.Action,
    target: str = "",
    by_user: User | None = None,
    actor_label: str = "",
    ip: str | None = None,
) -> AuditLog:
    """Append one audit entry (who, what, when, from where). The action must be one of
    `AuditLog.Action`, so every entry has words to show; anything else is a ValueError."""
    return AuditLog.objects.create(
        organization=org,
        actor=by_user,
        actor_label=actor_label or (by_user.get_username() if by_user else ""),
        action=AuditLog.Action(action),
        target=target,
        ip_address=ip,
    )


def organization_create(*, name: str, domain: str = "", owner: User | None = None) -> Organization:
    """Create an organization, with `owner` as its owner member when given."""
    with transaction.atomic():
        org = Organization.objects.create(name=name, domain=domain)
        if owner is not None:
            Membership.objects.create(user=owner, organization=org, role=Membership.Role.OWNER)
    return org


def _insert_key(*, org: Organization, by_user: User | None, expires_at: datetime | None) -> tuple[ApiKey, str]:
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
            audit_log_record(
                org=org,
                action=AuditLog.Action.API_KEY_CREATE,
                target=api_key.display_prefix,
                by_user=by_user,
                actor_label=actor_label,
                ip=ip,
            )
    except IntegrityError as exc:
        raise V1Error.ACTIVE_KEY_EXISTS() from exc
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
            audit_log_record(
                org=org,
                action=AuditLog.Action.API_KEY_ROTATE,
                target=api_key.display_prefix,
                by_user=by_user,
                actor_label=actor_label,
                ip=ip,
            )
    except IntegrityError as exc:  # a concurrent rotation won the race
        raise V1Error.ACTIVE_KEY_EXISTS("Another rotation happened at the same time; try again.") from exc
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
            raise PlatformError.NOT_FOUND("No such active API key.")
        api_key.status = ApiKey.Status.REVOKED
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["status", "revoked_at"])
        audit_log_record(
            org=org,
            action=AuditLog.Action.API_KEY_REVOKE,
            target=api_key.display_prefix,
            by_user=by_user,
            actor_label=actor_label,
            ip=ip,
        )
    return api_key


def api_key_mark_used(*, api_key: ApiKey, now: datetime | None = None) -> bool:
    """Record that the key authenticated a request: `last_used_at` moves at most once a minute
    per key (one conditional UPDATE, none at all within the minute), so the hot path barely writes.
    True when the row was written. After an UPDATE `api_key.last_used_at` is `now` whether this
    call or another within the minute wrote the row, so the instance asks again a minute later."""
    now = now or timezone.now()
    if api_key.last_used_at is not None and api_key.last_used_at >= now - LAST_USED_RESOLUTION:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    written = ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now) == 1
    api_key.last_used_at = now
    return written


MAX_ALLOWLIST_ENTRIES = 100


def allowlist_summary(cidrs: list[str]) -> str:
    """The audit target for an allowlist: the networks, shortened to fit, or 'cleared'."""
    text = ", ".join(cidrs) or "cleared (any address)"
    return text if len(text) <= 200 else text[:199] + "…"


def organization_ip_allowlist_set(
    *,
    org: Organization,
    cidrs: list[str],
    by_user: User | None = None,
    actor_label: str = "",
    ip: str | None = None,
) -> bool:
    """Replace the Files API allowlist with the canonical networks; audited. False if unchanged.

    Raises InvalidAllowlistError naming the first bad entry, or when there are too many.
    """
    try:
        networks = parse_networks(cidrs)
    except ValueError as exc:
        raise V1Error.INVALID_IP_ALLOWLIST(str(exc), param="ip_allowlist") from exc
    canonical = list(dict.fromkeys(str(network) for network in networks))
    if len(canonical) > MAX_ALLOWLIST_ENTRIES:
        raise V1Error.INVALID_IP_ALLOWLIST(f"At most {MAX_ALLOWLIST_ENTRIES} networks.", param="ip_allowlist")
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=org.pk)
        if locked.ip_allowlist == canonical:
            return False
        Organization.objects.filter(pk=org.pk).update(ip_allowlist=canonical)
        audit_log_record(
            org=org,
            action=AuditLog.Action.ORGANIZATION_IP_ALLOWLIST,
            target=allowlist_summary(canonical),
            by_user=by_user,
            actor_label=actor_label,
            ip=ip,
        )
    org.ip_allowlist = canonical
    return True


def _suspension_changed_send(*, organization_id: int, suspended: bool) -> None:
    results = organization_suspension_changed.send_robust(
        sender=Organization, organization_id=organization_id, suspended=suspended
    )
    for receiver, result in results:
        if isinstance(result, Exception):
            logger.error("organization_suspension_changed receiver %r failed", receiver, exc_info=result)


def _suspension_set(
    *, org: Organization, suspended: bool, by_user: User | None, actor_label: str, ip: str | None
) -> bool:
    with transaction.atomic():
        changed = Organization.objects.filter(pk=org.pk, is_suspended=not suspended).update(
            is_suspended=suspended, suspended_at=timezone.now() if suspended else None
        )
        if changed:
            action = AuditLog.Action.ORGANIZATION_SUSPEND if suspended else AuditLog.Action.ORGANIZATION_UNSUSPEND
            audit_log_record(org=org, action=action, target=org.name, by_user=by_user, actor_label=actor_label, ip=ip)
            transaction.on_commit(partial(_suspension_changed_send, organization_id=org.pk, suspended=suspended))
    org.refresh_from_db(fields=["is_suspended", "suspended_at"])
    return bool(changed)


def organization_suspend(
    *, org: Organization, by_user: User | None = None, actor_label: str = "", ip: str | None = None
) -> bool:
    """Suspend the organization (its keys then get 403 account_suspended, its ads stop serving); audited,
    and `organization_suspension_changed` is sent after commit. False if it already was."""
    return _suspension_set(org=org, suspended=True, by_user=by_user, actor_label=actor_label, ip=ip)


def organization_unsuspend(
    *, org: Organization, by_user: User | None = None, actor_label: str = "", ip: str | None = None
) -> bool:
    """Lift a suspension; audited, and `organization_suspension_changed` is sent after commit.
    False if the organization was not suspended."""
    return _suspension_set(org=org, suspended=False, by_user=by_user, actor_label=actor_label, ip=ip)
