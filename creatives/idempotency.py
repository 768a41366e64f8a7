"""`Idempotency-Key` for creates: the first successful response is kept 24 h and replayed.

The record is inserted first, in the same transaction as the create, and filled with the
response before commit. The unique constraint on (organization, endpoint, key) decides
between concurrent requests with one key: the second request's INSERT waits for the first
transaction, then fails, and the second request replays the first one's response (if the first
failed, its record rolled back with it and the second request runs the create itself). Failed
requests leave no record, so a corrected retry may reuse the key.
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from creatives.assets import removed_unless_committed
from creatives.models import IdempotencyRecord
from thrad.errors import V1Error
from thrad.models import Organization

KEY_TTL = timedelta(hours=24)
_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, no spaces


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool


def request_hash(payload: Any) -> str:
    """SHA-256 of the request body in a canonical form (key order and spacing don't matter)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(*, org: Organization, endpoint: str, key: str, digest: str) -> Outcome:
    record = IdempotencyRecord.objects.filter(organization=org, endpoint=endpoint, key=key).first()
    if record is not None and record.request_hash != digest:
        raise V1Error.IDEMPOTENCY_KEY_REUSED(param="Idempotency-Key")
    if record is None or record.response_status is None:  # a guard: not reachable through the API
        raise V1Error.IDEMPOTENCY_KEY_IN_USE(param="Idempotency-Key")
    return Outcome(status=record.response_status, body=record.response_body, replayed=True)


def idempotent_create(
    *,
    org: Organization,
    endpoint: str,
    key: str | None,
    payload: Any,
    create: Callable[[], Any],
    status: int = 201,
) -> Outcome:
    """Run `create()` once per (org, endpoint, key); replay its response for the same body."""
    if key is None:
        with removed_unless_committed():
            return Outcome(status=status, body=create(), replayed=False)
    if not _KEY.fullmatch(key):
        raise V1Error.INVALID_VALUE(
            "Idempotency-Key must be 1 to 255 visible ASCII characters.", param="Idempotency-Key"
        )
    digest = request_hash(payload)
    scope = {"organization": org, "endpoint": endpoint, "key": key}
    IdempotencyRecord.objects.filter(**scope, created_at__lt=timezone.now() - KEY_TTL).delete()
    with removed_unless_committed(), transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(**scope, request_hash=digest)
        except IntegrityError:
            return _replay(org=org, endpoint=endpoint, key=key, digest=digest)
        body = create()
        record.response_status, record.response_body = status, body
        record.save(update_fields=["response_status", "response_body"])
    return Outcome(status=status, body=body, replayed=False)


def expired_records_delete(*, now: Any = None) -> int:
    """Delete idempotency records older than 24 h; returns how many."""
    cutoff = (now or timezone.now()) - KEY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
