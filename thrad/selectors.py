"""Reads of the platform core."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from thrad import keys
from thrad.models import ApiKey

LAST_USED_RESOLUTION = timedelta(seconds=60)


def api_key_authenticate(*, secret: str, kind: str = "ak") -> ApiKey | None:
    """The usable key matching `secret` (organization loaded), or None.

    Cost: one indexed lookup by prefix, one SHA-256 and a constant-time compare. `last_used_at`
    is written at most once a minute per key, so the hot path stays read-only.
    """
    prefix = keys.parse_prefix(kind, secret)
    if prefix is None:
        return None
    api_key = ApiKey.objects.select_related("organization").filter(prefix=prefix).first()
    if api_key is None or not keys.matches(secret, api_key.digest):
        return None
    now = timezone.now()
    if not api_key.is_usable(now):
        return None
    if api_key.last_used_at is None or api_key.last_used_at < now - LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return api_key
