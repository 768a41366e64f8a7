"""Reads of the platform core. Reads never write: recording a key's use is
`thrad.services.api_key_mark_used`."""

from django.utils import timezone

from thrad import keys
from thrad.fastquery import CompiledFirst
from thrad.models import ApiKey

_key_by_prefix = CompiledFirst(lambda prefix: ApiKey.objects.select_related("organization").filter(prefix=prefix))


def api_key_authenticate(*, secret: str, kind: str = "ak") -> ApiKey | None:
    """The usable key matching `secret` (organization loaded), or None.

    Cost: one indexed lookup by prefix (its SQL compiled once per process), one SHA-256 and a
    constant-time compare.
    """
    prefix = keys.parse_prefix(kind, secret)
    if prefix is None:
        return None
    api_key = _key_by_prefix(prefix)
    if api_key is None or not keys.matches(secret, api_key.digest):
        return None
    if not api_key.is_usable(timezone.now()):
        return None
    return api_key
