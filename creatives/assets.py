"""Creative assets: each ad's own copy of an uploaded image, public under `creatives/`.

Copies go through `thrad.storage`, so they work on local files and S3.
Bytes are written before the database commits, so every copy made inside
`removed_unless_committed()` is deleted again when the block fails (the transaction rolled
back): a failed create leaves no stored bytes behind.
"""

import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

from thrad import storage
from thrad.errors import V1Error
from thrad.models import Organization
from uploads.models import UploadedFile

logger = logging.getLogger(__name__)

PREFIX = "creatives/"
SOURCE_MISSING = "The file's stored bytes are no longer available; upload it again."
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
# creatives/<org uuid>/<ad uuid or 32 hex>.<ext>; nothing else is ever served.
ASSET_NAME = re.compile(r"creatives/[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}/[0-9a-f-]{32,36}\.(png|jpg|webp)")

_copies: ContextVar[list[str] | None] = ContextVar("creative_asset_copies", default=None)


@contextmanager
def removed_unless_committed() -> Iterator[None]:
    """Delete the copies made inside the block if it raises; an outer block takes them over."""
    outer = _copies.get()
    mine: list[str] = []
    token = _copies.set(mine)
    try:
        yield
    except BaseException:
        for name in mine:
            storage.delete_quietly(name)
        raise
    finally:
        _copies.reset(token)
    if outer is not None:
        outer.extend(mine)


def asset_copy(
    *, org: Organization, upload: UploadedFile, stem: str | None = None, param: str = "creative.file_id"
) -> str:
    """Copy `upload`'s bytes to `creatives/<org>/<stem>.<ext>` and return the stored name.

    A source whose bytes are gone is 400 invalid_value at `param`; a storage failure is 503.
    """
    ext = EXTENSIONS.get(upload.format) or upload.file_id.rsplit(".", 1)[-1]
    name = f"{PREFIX}{org.public_id}/{stem or secrets.token_hex(16)}.{ext}"
    try:
        stored = storage.copy(upload.file_id, name)
    except storage.ObjectMissing as exc:
        raise V1Error.INVALID_VALUE(SOURCE_MISSING, param=param) from exc
    tracked = _copies.get()
    if tracked is not None:
        tracked.append(stored)
    return stored


def public_url(asset_path: str) -> str | None:
    """The public URL of an asset (served by `creatives.views.creative_asset`), or None."""
    if not asset_path:
        return None
    return f"{settings.PUBLIC_BASE_URL}{settings.MEDIA_URL}{asset_path}"


def content_type_for(name: str) -> str | None:
    """The image content type of a servable asset name, or None if it must not be served."""
    match = ASSET_NAME.fullmatch(name)
    return CONTENT_TYPES[match.group(1)] if match else None
