"""Advertiser image uploads (`POST /v1/upload`): validate, store, record. Every write lives here.

A file part is judged here, in the web process. A URL is fetched by the Celery task
`uploads.tasks.fetch_image`, which fetches, validates and stores under a name the web process
chose, and returns the image's metadata; the web process then writes the row. Nothing is left
behind on failure: no row without bytes, no bytes without a row.
"""

import logging
import secrets
import tempfile
import time
from typing import IO, Any

from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile as UploadedPart
from django.db import transaction
from django.utils import timezone

from filecheck import ImageInfo
from thrad import bounds, storage, workers
from thrad.clientip import parse_networks
from thrad.dependencies import retry_after
from thrad.errors import ApplicationError, PlatformError, V1Error
from thrad.models import ApiKey, Organization
from thrad.request_body import is_oversized
from uploads import fetch, ssrf
from uploads.models import UploadedFile
from uploads.validation import EXTENSIONS, MAX_BYTES, image_check

logger = logging.getLogger("uploads")

_FORMAT_FIELD = {"PNG": UploadedFile.Format.PNG, "JPEG": UploadedFile.Format.JPEG, "WEBP": UploadedFile.Format.WEBP}


def upload_error(code: str, message: str | None = None, *, param: str | None) -> ApplicationError:
    """The contract's error for a failure code a fetch task returned (codes cross the broker as
    strings); storage failures carry no param."""
    if code == PlatformError.STORAGE_UNAVAILABLE.code:
        return PlatformError.STORAGE_UNAVAILABLE(message)
    return V1Error.from_code(code)(message, param=param)


# --- storage ---------------------------------------------------------------------------------


def upload_stem_new() -> str:
    """A fresh storage name without extension: `uploads/YYYY/MM/<32 lowercase hex>`."""
    return f"uploads/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


def image_store(*, name: str, fp: IO[bytes], replace: bool = False) -> None:
    """Write `fp` to storage at exactly `name`; storage_unavailable (and nothing left behind)
    when the storage fails. `replace` makes a re-run idempotent (a task retry)."""
    try:
        if replace:
            storage.delete(name)
        storage.save(name, fp)
    except ApplicationError:
        storage.delete_quietly(name)
        raise


def stored_image_discard(*, stem: str) -> None:
    """Delete the bytes stored under `stem` (any image extension) that no UploadedFile row
    refers to: what a fetch left after the web process stopped waiting. Safe to repeat."""
    names = [f"{stem}.{ext}" for ext in EXTENSIONS]
    kept = set(UploadedFile.objects.filter(file_id__in=names).values_list("file_id", flat=True))
    storage.delete_quietly(*(name for name in names if name not in kept))


def _row_create(
    *, org: Organization, api_key: ApiKey | None, name: str, meta: dict[str, Any], source: str, source_url: str = ""
) -> UploadedFile:
    """Write the row for bytes already stored at `name`; on failure delete the bytes."""
    try:
        with transaction.atomic():
            return UploadedFile.objects.create(
                organization=org,
                api_key=api_key,
                file_id=name,
                format=_FORMAT_FIELD[meta["format"]],
                size=meta["size"],
                sha256=meta["sha256"],
                width=meta["width"],
                height=meta["height"],
                source=source,
                source_url=source_url,
            )
    except BaseException:
        storage.delete_quietly(name)
        raise


def _meta(info: ImageInfo, size: int, digest: str) -> dict[str, Any]:
    return {
        "format": info.format,
        "ext": info.ext,
        "size": size,
        "sha256": digest,
        "width": info.width,
        "height": info.height,
    }


# --- the two ways in -------------------------------------------------------------------------


def upload_create_from_file(*, org: Organization, api_key: ApiKey | None, part: UploadedPart) -> UploadedFile:
    """Validate an uploaded file part, store it and record it. Errors carry param `file`."""
    try:
        info, size, digest = image_check(part, oversized=is_oversized(part))
    except ApplicationError as exc:
        exc.param = "file"
        raise
    name = f"{upload_stem_new()}.{info.ext}"
    image_store(name=name, fp=part)
    return _row_create(
        org=org, api_key=api_key, name=name, meta=_meta(info, size, digest), source=UploadedFile.Source.UPLOAD
    )


def fetch_policy() -> fetch.FetchPolicy:
    """This request's fetch limits, from settings; the deadline starts now."""
    return fetch.FetchPolicy(
        max_bytes=MAX_BYTES,
        deadline=time.time() + settings.UPLOAD_FETCH_DEADLINE,
        connect_timeout=settings.UPLOAD_FETCH_CONNECT_TIMEOUT,
        read_timeout=settings.UPLOAD_FETCH_READ_TIMEOUT,
        allowed=parse_networks(settings.UPLOAD_FETCH_ALLOWED_CIDRS),
        denied=parse_networks(settings.UPLOAD_FETCH_DENIED_CIDRS),
    )


def upload_create_from_url(*, org: Organization, api_key: ApiKey | None, image_url: object) -> UploadedFile:
    """Fetch `image_url` in the Celery task, wait for it with a bound, record the stored image.
    Errors carry param `image_url` (storage failures: none).

    Waiting holds one of this process's `fetch` slots (thrad/bounds.py); when none is free, or
    no worker consumes the queue, or the task never started before the deadline (a backlog),
    the answer is 503 service_unavailable: the fault is ours, not the image host's."""
    try:
        ssrf.check_url(image_url)
    except ssrf.UrlRefused as exc:
        raise V1Error.INVALID_IMAGE_URL(exc.message, param="image_url") from exc
    url = str(image_url)
    with bounds.slot("fetch"):
        if not workers.consuming():
            raise PlatformError.SERVICE_UNAVAILABLE(NO_WORKER, headers={"Retry-After": retry_after()})
        outcome = _fetch_and_wait(url)
    if not outcome.get("ok"):
        raise upload_error(outcome["code"], outcome["message"], param="image_url")
    return _row_create(
        org=org, api_key=api_key, name=outcome["name"], meta=outcome, source=UploadedFile.Source.URL, source_url=url
    )


NO_WORKER = "No image fetch worker is running; try again shortly."
NOT_STARTED = "The image fetch could not start in time (the fetch workers are busy); try again shortly."


def _fetch_and_wait(url: str) -> dict[str, Any]:
    from uploads.tasks import fetch_image, stored_image_cleanup

    policy, stem = fetch_policy(), upload_stem_new()
    result = fetch_image.apply_async((url, stem, policy.as_json()))
    try:
        # disable_sync_subtasks=False: this is a web request, never a task; in eager mode Celery
        # flags "inside a task" process-wide while any thread runs one, which would refuse this.
        return result.get(
            timeout=policy.deadline - time.time() + settings.UPLOAD_FETCH_WAIT_MARGIN, disable_sync_subtasks=False
        )
    except CeleryTimeoutError as exc:
        _cleanup_later(stored_image_cleanup, stem)
        if _never_started(result):
            raise PlatformError.SERVICE_UNAVAILABLE(NOT_STARTED, headers={"Retry-After": retry_after()}) from exc
        raise V1Error.IMAGE_FETCH_FAILED("Fetching the image took too long.", param="image_url") from exc
    except Exception:
        _cleanup_later(stored_image_cleanup, stem)  # e.g. the result backend went away: a 503
        raise
    finally:
        try:
            result.forget()
        except Exception as exc:  # noqa: BLE001 - the result expires by itself
            logger.info("could not forget fetch result: %r", exc)


def _never_started(result: Any) -> bool:
    try:
        return result.state == "PENDING"  # track_started: a task that ran is STARTED or done
    except Exception:  # noqa: BLE001 - the backend is down: we can't tell, and it is our fault
        return True


def _cleanup_later(task: Any, stem: str) -> None:
    """Have a worker delete what the fetch may still store under `stem`, once it surely stopped."""
    try:
        task.apply_async((stem,), countdown=settings.UPLOAD_FETCH_CLEANUP_DELAY)
    except Exception as exc:  # noqa: BLE001 - the broker is down too: say what may linger
        logger.warning("could not schedule the clean-up of %s: %r", stem, exc)


def image_fetch_store(*, url: str, stem: str, policy: fetch.FetchPolicy) -> dict[str, Any]:
    """Fetch `url` under `policy`, validate the bytes and store them at `stem.<ext>`.

    Returns the metadata ({"ok": True, name, format, size, sha256, width, height}) or
    {"ok": False, code, message}. Stores nothing once the deadline has passed.
    """
    with tempfile.TemporaryFile() as out:
        try:
            fetch.fetch(url, out, policy=policy)
            info, size, digest = image_check(out)
            policy.remaining()  # the web process stops waiting at the deadline: don't store after it
            name = f"{stem}.{info.ext}"
            image_store(name=name, fp=out, replace=True)
        except fetch.FetchError as exc:
            return {"ok": False, "code": exc.error.code, "message": exc.message}
        except ApplicationError as exc:
            return {"ok": False, "code": exc.code, "message": exc.message}
    return {"ok": True, "name": name, **_meta(info, size, digest)}
