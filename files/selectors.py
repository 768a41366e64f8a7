"""Reads of the Files API, always scoped to the caller's organization.

Listing is newest first with an opaque cursor: base64url of `[created_at, key]` of the last
row shown, so pages stay stable while files are added or deleted.
"""

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.db.models import Q

from files.models import StoredFile
from thrad import storage
from thrad.errors import FilesError, PlatformError
from thrad.models import Organization

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
DOWNLOAD_CHUNK = 64 * 1024
_CURSOR_ALPHABET = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-")


@dataclass
class FilePage:
    files: list[StoredFile]
    next_cursor: str | None
    used_bytes: int
    quota_bytes: int


def stored_file_get(*, org: Organization, key: str) -> StoredFile:
    """One of the organization's files; another organization's key is NotFoundError too."""
    stored = StoredFile.objects.for_org(org).filter(key=key).first()
    if stored is None:
        raise PlatformError.NOT_FOUND("No such file.")
    return stored


def cursor_encode(stored: StoredFile) -> str:
    raw = json.dumps([stored.created_at.isoformat(), stored.key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, str]:
    """The position a cursor stands for; InvalidCursorError for anything we did not issue."""
    if len(cursor) > 1000 or not set(cursor) <= _CURSOR_ALPHABET:  # only what cursor_encode writes
        raise FilesError.INVALID_CURSOR()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, key = json.loads(raw)
        when = datetime.fromisoformat(created)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise FilesError.INVALID_CURSOR() from exc
    if when.tzinfo is None or not isinstance(key, str) or len(cursor) > 1000:
        raise FilesError.INVALID_CURSOR()
    return when, key


def page_size(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise FilesError.INVALID_LIMIT()
    return int(raw)


def stored_file_list(*, org: Organization, cursor: str | None, limit: int = DEFAULT_PAGE_SIZE) -> FilePage:
    """A page of the organization's files, newest first, with its storage usage."""
    files = StoredFile.objects.for_org(org).order_by("-created_at", "-key")
    if cursor:
        when, key = cursor_decode(cursor)
        files = files.filter(Q(created_at__lt=when) | Q(created_at=when, key__lt=key))
    rows = list(files[: limit + 1])
    usage = Organization.objects.values_list("storage_used_bytes", "storage_quota_bytes").get(pk=org.pk)
    next_cursor = cursor_encode(rows[limit - 1]) if len(rows) > limit else None
    return FilePage(files=rows[:limit], next_cursor=next_cursor, used_bytes=usage[0], quota_bytes=usage[1])


def stored_file_open(*, stored: StoredFile) -> IO[bytes]:
    """The stored bytes as a stream; 404 when they are gone, 503 when storage is down."""
    try:
        return storage.open_stream(stored.key)
    except storage.ObjectMissing as exc:
        raise PlatformError.NOT_FOUND("No such file.") from exc


def chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream in 64 KiB pieces; closes it when done or when the client goes away."""
    try:
        yield from iter(lambda: stream.read(DOWNLOAD_CHUNK), b"")
    finally:
        stream.close()
