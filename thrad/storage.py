"""The one adapter to file storage: the only module that calls `default_storage`.

Local files in the embedded default, S3 through django-storages in production (`S3Storage`
below: one PUT per object). One set of timeouts (the S3 client's connect/read timeouts and
bounded retries, in settings) and one error map: a missing object is `ObjectMissing` (the
caller decides what that means to its user); anything else the store does wrong is 503
`storage_unavailable`, never a 500.
"""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import default_storage
from storages.backends import s3
from storages.utils import clean_name

from thrad.errors import PlatformError

logger = logging.getLogger(__name__)

_MISSING_CODES = ("404", "NoSuchKey", "NotFound")


class ObjectMissing(Exception):
    """No object is stored under that name."""


class S3Storage(s3.S3Storage):
    """django-storages' S3 backend, writing each object of up to SINGLE_PUT_MAX_BYTES with one
    PutObject request on the storage's client (its timeouts, retries and write parameters: ACL,
    content type, object parameters). django-storages goes through boto3's transfer manager,
    which builds a resource object and a thread pool per write and, from 8 MB on, splits the
    object into a multipart upload (three requests for one 8 MB part): most of a write's CPU.
    Bigger objects, and gzip-compressed ones, still go through it."""

    SINGLE_PUT_MAX_BYTES = 64 * 1024 * 1024

    def _save(self, name: str, content: Any) -> str:
        size = _size(content)
        if self.gzip or size is None or size > self.SINGLE_PUT_MAX_BYTES:
            return super()._save(name, content)
        cleaned = clean_name(name)
        key = self._normalize_name(cleaned)
        params = self._get_write_parameters(key, content)
        content.seek(0, os.SEEK_SET)
        self.connection.meta.client.put_object(Bucket=self.bucket_name, Key=key, Body=content, ContentLength=size, **params)  # fmt: skip
        return cleaned


def _size(content: Any) -> int | None:
    """The bytes of a seekable file-like object, or None when it cannot tell."""
    try:
        size = getattr(content, "size", None)
        if size is None:
            content.seek(0, os.SEEK_END)
            size = content.tell()
        return int(size)
    except (AttributeError, OSError, TypeError, ValueError):
        return None


@contextmanager
def _mapped(name: str) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError as exc:
        raise ObjectMissing(name) from exc
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
            raise ObjectMissing(name) from exc
        logger.warning("storage failed on %s: %r", name, exc)
        raise PlatformError.STORAGE_UNAVAILABLE() from exc
    except (BotoCoreError, Boto3Error, OSError) as exc:
        logger.warning("storage failed on %s: %r", name, exc)
        raise PlatformError.STORAGE_UNAVAILABLE() from exc


def save(name: str, content: IO[bytes]) -> str:
    """Write `content` (from its start) at exactly `name`; 503 and nothing left on failure."""
    content.seek(0)
    with _mapped(name):
        saved = default_storage.save(name, content)
    if saved != name:  # the backend picked another name: ours must be exact
        delete_quietly(name, saved)
        raise PlatformError.STORAGE_UNAVAILABLE()
    return saved


def open_stream(name: str) -> IO[bytes]:
    """The stored bytes as a stream read as they arrive (S3: the object's body, not a download)."""
    with _mapped(name):
        bucket = getattr(default_storage, "bucket_name", None)
        if bucket is None:
            return default_storage.open(name, "rb")
        client = default_storage.connection.meta.client  # type: ignore[attr-defined]
        return client.get_object(Bucket=bucket, Key=name)["Body"]


def copy(source: str, name: str) -> str:
    """Copy the object at `source` to exactly `name`; ObjectMissing when the source is gone."""
    with _mapped(source), default_storage.open(source, "rb") as stream:
        return save(name, stream)


def delete(name: str) -> None:
    """Delete the object at `name` (no error when there is none)."""
    with _mapped(name):
        default_storage.delete(name)


def delete_quietly(*names: str) -> None:
    """Best-effort delete on a failure path: the original error matters more; say what lingers."""
    for name in names:
        try:
            delete(name)
        except Exception as exc:  # noqa: BLE001 - storage down too: the object may linger
            logger.warning("could not delete %s: %r", name, exc)


def exists(name: str) -> bool:
    with _mapped(name):
        return default_storage.exists(name)
