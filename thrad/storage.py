"""The one adapter to file storage: the only module that calls `default_storage`.

Local files in the embedded default, S3 through django-storages in production. One set of
timeouts (the S3 client's connect/read timeouts and bounded retries, in settings) and one error
map: a missing object is `ObjectMissing` (the caller decides what that means to its user);
anything else the store does wrong is 503 `storage_unavailable`, never a 500.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import default_storage

from thrad.errors import PlatformError

logger = logging.getLogger(__name__)

_MISSING_CODES = ("404", "NoSuchKey", "NotFound")


class ObjectMissing(Exception):
    """No object is stored under that name."""


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
