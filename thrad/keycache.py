"""API keys remembered by each process, trusted only while a shared version says nothing changed.

Without this, the key check of every /v1 and Files API request is a database round trip (the key
by its prefix, with its organization) before the rate limit's Redis round trip. With Redis, each
process remembers the keys it read, and every request confirms what it used in the round trip
that counts its rate limits: `thrad.ratelimit.hit_all` reads the version key in the same script.
The version is replaced whenever an API key or an organization changes (any save, delete or
queryset update of those rows, except of the counters `last_used_at` and `storage_used_bytes`),
at once and again after the transaction commits.

The rules that keep a revoked key, a suspension or a new allowlist taking effect at once:
- A remembered key counts only if the version it was read under is still the current one; when
  it is not, the request reads the key afresh after that version read (so nothing remembered is
  older than the version it is filed under) and decides on what it read.
- A refusal never comes from memory: a remembered key that fails (wrong secret, revoked, expired,
  suspended, IP not allowed) is read from the database again before the request is refused.
- An entry older than MAX_AGE_SECONDS is read again anyway: a version change lost to a Redis
  error cannot keep a key alive longer than that.
- Without Redis (the embedded default) nothing is remembered: every request reads the database.
"""

import copy
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from thrad.models import ApiKey, Organization

logger = logging.getLogger(__name__)

MAX_AGE_SECONDS = 30.0
MAX_ENTRIES = 10_000
# Columns that change all the time and that no key check reads.
COUNTER_FIELDS = frozenset({"last_used_at", "storage_used_bytes"})

_KEY_FIELDS = [f.attname for f in ApiKey._meta.concrete_fields]
_ORG_FIELDS = [f.attname for f in Organization._meta.concrete_fields]
_LAST_USED = _KEY_FIELDS.index("last_used_at")


@dataclass
class Entry:
    key_values: list[Any]
    org_values: list[Any]
    version: str | None  # None: read before any version was seen; confirmed on next use
    read_at: float  # time.monotonic()


_entries: dict[str, Entry] = {}
_lock = threading.Lock()


def enabled() -> bool:
    return bool(settings.REDIS_URL)


def version_key() -> str:
    """A raw Redis key (not a Django cache entry): the Lua script of the rate limits reads it."""
    return f"{settings.CACHE_KEY_PREFIX}:auth:version"


def recall(prefix: str) -> tuple[ApiKey, str | None] | None:
    """A fresh copy of the remembered key (its organization loaded) and the version it was read
    under; None when nothing usable is remembered."""
    entry = _entries.get(prefix)
    if entry is None or time.monotonic() - entry.read_at > MAX_AGE_SECONDS:
        return None
    api_key = ApiKey.from_db("default", _KEY_FIELDS, _copy(entry.key_values))
    api_key.organization = Organization.from_db("default", _ORG_FIELDS, _copy(entry.org_values))
    return api_key, entry.version


def _copy(values: list[Any]) -> list[Any]:
    """Each request gets its own mutable values (an allowlist is a list)."""
    return [copy.deepcopy(v) if isinstance(v, (list, dict)) else v for v in values]


def remember(api_key: ApiKey, version: str | None) -> None:
    """File what was just read from the database under `version` (read before it)."""
    org = api_key.organization
    entry = Entry(
        key_values=_copy([getattr(api_key, name) for name in _KEY_FIELDS]),
        org_values=_copy([getattr(org, name) for name in _ORG_FIELDS]),
        version=version,
        read_at=time.monotonic(),
    )
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[api_key.prefix] = entry


def used(prefix: str, when: datetime | None) -> None:
    """The key's `last_used_at` as `api_key_mark_used` left it on the request's copy."""
    entry = _entries.get(prefix)
    if entry is not None and when is not None:
        entry.key_values[_LAST_USED] = when


def forget_all() -> None:
    with _lock:
        _entries.clear()


def _replace_version() -> None:
    try:
        from thrad.cache import default_client, guarded

        guarded(default_client().set, version_key(), secrets.token_hex(8))  # fails fast when Redis is down
    except Exception:
        # The entries still expire after MAX_AGE_SECONDS; the write itself must not fail for this.
        logger.exception("could not replace the API key cache version")


def changed(fields: Any = None) -> None:
    """An API key or organization row changed (`fields`: the columns, when known): every
    process's remembered keys stop counting, now and once the transaction commits."""
    if not enabled() or (fields is not None and set(fields) <= COUNTER_FIELDS):
        return
    _replace_version()
    transaction.on_commit(_replace_version)


def on_save(sender: Any, created: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    if not created:  # a new row is remembered nowhere yet
        changed(update_fields)


def on_delete(sender: Any, **kwargs: Any) -> None:
    changed()
