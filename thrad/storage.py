"""The one adapter to file storage: the only module that calls `default_storage`.

Local files in the embedded default, S3 through django-storages in production (`S3Storage`
below: one PUT per object). One set of timeouts (the S3 client's connect/read timeouts and
bounded retries, in settings), one breaker (after a network failure of the store, calls fail at
once for DEPENDENCY_COOLDOWN seconds, so a hung store costs one timeout, not one per request),
and one error map: a missing object is `ObjectMissing` (the caller decides what that means to
its user); anything else the store does wrong, including a read that fails half-way, is 503
`storage_unavailable`, never a 500.
"""

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import default_storage
from storages.backends import s3
from storages.utils import clean_name

from thrad import dependencies
from thrad.errors import PlatformError

logger = logging.getLogger(__name__)

_MISSING_CODES = ("404", "NoSuchKey", "NotFound")
BUFFER_IN_MEMORY = 1024 * 1024  # read_whole keeps up to this much in memory, the rest on disk
READ_CHUNK = 64 * 1024


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
        self.connection.meta.client.put_object(
            Bucket=self.bucket_name, Key=key, Body=content, ContentLength=size, **params
        )
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


@dataclass(frozen=True)
class StoredObject:
    name: str
    size: int
    modified_at: datetime


def _unavailable(name: str, exc: BaseException) -> Exception:
    logger.warning("storage failed on %s: %r", name, exc)
    return PlatformError.STORAGE_UNAVAILABLE()


@contextmanager
def _mapped(name: str) -> Iterator[None]:
    breaker = dependencies.breaker("storage")
    try:
        breaker.before()
    except dependencies.DependencyDown as exc:
        raise PlatformError.STORAGE_UNAVAILABLE() from exc
    try:
        yield
    except FileNotFoundError as exc:
        raise ObjectMissing(name) from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") in _MISSING_CODES:
            raise ObjectMissing(name) from exc
        if int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500) >= 500:
            breaker.failed()
        raise _unavailable(name, exc) from exc
    except (BotoCoreError, Boto3Error) as exc:  # connect, read timeouts, connection lost
        breaker.failed()
        raise _unavailable(name, exc) from exc
    except OSError as exc:
        raise _unavailable(name, exc) from exc
    breaker.succeeded()


def save(name: str, content: IO[bytes]) -> str:
    """Write `content` (from its start) at exactly `name`; 503 and nothing left on failure."""
    content.seek(0)
    with _mapped(name):
        saved = default_storage.save(name, content)
    if saved != name:  # the backend picked another name: ours must be exact
        delete_quietly(name, saved)
        raise PlatformError.STORAGE_UNAVAILABLE()
    return saved


class _MappedStream:
    """A stored object's stream whose read errors are 503 storage_unavailable (mid-read too)."""

    def __init__(self, name: str, raw: Any) -> None:
        self.name, self._raw = name, raw

    def read(self, size: int = -1) -> bytes:
        with _mapped(self.name):
            return self._raw.read(size) if size is not None and size >= 0 else self._raw.read()

    def close(self) -> None:
        try:
            self._raw.close()
        except Exception as exc:  # noqa: BLE001 - closing a broken stream: nothing to give back
            logger.debug("closing %s: %r", self.name, exc)


def open_stream(name: str) -> IO[bytes]:
    """The stored bytes as a stream read as they arrive (S3: the object's body, not a download).
    A read that fails half-way raises 503 storage_unavailable; the caller closes the stream."""
    with _mapped(name):
        bucket = getattr(default_storage, "bucket_name", None)
        if bucket is None:
            raw: Any = default_storage.open(name, "rb")
        else:
            client = default_storage.connection.meta.client  # type: ignore[attr-defined]
            raw = client.get_object(Bucket=bucket, Key=name)["Body"]
    return _MappedStream(name, raw)  # type: ignore[return-value]


def read_whole(name: str) -> IO[bytes]:
    """All of the stored bytes, read before anything is answered (so a read that fails half-way
    is still a clean 503): a temp file at position 0, in memory up to BUFFER_IN_MEMORY."""
    stream = open_stream(name)
    buffer = tempfile.SpooledTemporaryFile(max_size=BUFFER_IN_MEMORY)  # noqa: SIM115 - returned open
    try:
        for chunk in iter(lambda: stream.read(READ_CHUNK), b""):
            buffer.write(chunk)
    except BaseException:
        buffer.close()
        raise
    finally:
        stream.close()
    buffer.seek(0)
    return buffer  # type: ignore[return-value]


def copy(source: str, name: str) -> str:
    """Copy the object at `source` to exactly `name`; ObjectMissing when the source is gone."""
    with _mapped(source), default_storage.open(source, "rb") as stream:
        return save(name, stream)


def delete(name: str) -> None:
    """Delete the object at `name` (no error when there is none)."""
    with _mapped(name):
        default_storage.delete(name)


def delete_quietly(*names: str) -> None:
    """Best-effort delete on a failure path: the original error matters more; say what lingers
    (the periodic reconciliation deletes it later, see thrad/reconcile.py)."""
    for name in names:
        try:
            delete(name)
        except Exception as exc:  # noqa: BLE001 - storage down too: the object may linger
            logger.warning("could not delete %s: %r", name, exc)


def exists(name: str) -> bool:
    with _mapped(name):
        return default_storage.exists(name)


def listing(prefix: str) -> Iterator[StoredObject]:
    """Every object whose name starts with `prefix` (a folder such as "files/"), page by page."""
    bucket = getattr(default_storage, "bucket_name", None)
    if bucket is None:
        yield from _local_listing(prefix)
        return
    client = default_storage.connection.meta.client  # type: ignore[attr-defined]
    pages = iter(client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix))
    while True:
        with _mapped(prefix):
            page = next(pages, None)
        if page is None:
            return
        for entry in page.get("Contents", ()):
            yield StoredObject(entry["Key"], int(entry["Size"]), entry["LastModified"])


def _local_listing(prefix: str) -> Iterator[StoredObject]:
    root = default_storage.path("")  # type: ignore[misc]
    top = os.path.join(root, prefix)
    with _mapped(prefix):
        walked = list(os.walk(top))
    for folder, _, files in walked:
        for filename in sorted(files):
            path = os.path.join(folder, filename)
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                continue
            name = os.path.relpath(path, root).replace(os.sep, "/")
            yield StoredObject(name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, tz=UTC))
