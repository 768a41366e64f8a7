"""Writes of the Files API: store parts against the organization's quota, delete files.

Quota rule (thrad/quota.py): a part's bytes are reserved with one conditional UPDATE before
anything is written, so concurrent requests can never push an organization past its quota; every
later failure (storage write, database row) gives the bytes back, and so does a delete, exactly
once. A request killed half-way leaves a reservation that reconciliation gives back.
"""

import secrets
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from files import validation
from files.models import StoredFile
from files.selectors import stored_file_get
from files.validation import Accepted, PartRejected
from thrad import quota, storage
from thrad.errors import FilesError, PlatformError
from thrad.models import ApiKey, Organization
from thrad.request_body import is_oversized


@dataclass
class UploadResult:
    uploaded: list[StoredFile] = field(default_factory=list)
    errors: list[tuple[str, PartRejected]] = field(default_factory=list)


def stored_file_key(*, org: Organization, filename: str) -> str:
    """`files/<org public_id>/<uuid>_<safe name>`; the uuid carries 128 bits from `secrets`."""
    token = uuid.UUID(bytes=secrets.token_bytes(16))
    return f"files/{org.public_id}/{token}_{validation.safe_name(filename)}"


def stored_file_create(
    *, org: Organization, api_key: ApiKey | None, upload: UploadedFile, accepted: Accepted
) -> StoredFile:
    """Reserve the part's bytes, write them to storage, record the row; undo on any failure.

    Raises PartRejected(FilesError.QUOTA_EXCEEDED) when the part does not fit, StorageUnavailableError
    when the object store fails (nothing charged).
    """
    size = int(upload.size or 0)
    key = stored_file_key(org=org, filename=upload.name or "file")
    reservation = quota.reserve(org_id=org.pk, size=size, name=key)  # reconciled if we die before settling
    if reservation is None:
        raise PartRejected(FilesError.QUOTA_EXCEEDED, "The organization's storage quota would be exceeded.")
    with ExitStack() as undo:
        undo.callback(quota.release, reservation)
        storage.save(key, upload)
        undo.callback(storage.delete_quietly, key)
        with transaction.atomic():
            stored = StoredFile.objects.create(
                organization=org,
                api_key=api_key,
                key=key,
                filename=upload.name or "file",
                mime_type=accepted.mime,
                size=size,
                is_image=accepted.is_image,
            )
            quota.settle(reservation)
        undo.pop_all()
    return stored


def _judge(upload: UploadedFile) -> Accepted:
    size, oversized = int(upload.size or 0), is_oversized(upload)
    return validation.judge(upload, name=upload.name or "", size=size, oversized=oversized)


def files_upload(*, org: Organization, api_key: ApiKey | None, uploads: list[UploadedFile]) -> UploadResult:
    """Judge and store each part alone, in order. When storage fails, the parts this request
    already stored are removed again and storage_unavailable propagates (nothing charged).
    """
    result = UploadResult()
    try:
        for upload in uploads:
            try:
                result.uploaded.append(
                    stored_file_create(org=org, api_key=api_key, upload=upload, accepted=_judge(upload))
                )
            except PartRejected as rejected:
                result.errors.append((upload.name or "", rejected))
    except PlatformError.STORAGE_UNAVAILABLE.exc:
        for stored in result.uploaded:
            _row_delete(stored)
            storage.delete_quietly(stored.key)
        raise
    return result


def _row_delete(stored: StoredFile) -> bool:
    """Delete the row and give its bytes back, once: only the caller whose DELETE hit the row does."""
    with transaction.atomic():
        deleted, _ = StoredFile.objects.filter(pk=stored.pk).delete()
        if deleted:
            quota.give_back(org_id=stored.organization_id, size=stored.size)
    return bool(deleted)


def stored_file_delete(*, org: Organization, key: str) -> None:
    """Delete one of the organization's files: bytes first (503 if storage is down, nothing
    changes), then the row, and the quota given back exactly once even under concurrent deletes.
    """
    stored = stored_file_get(org=org, key=key)
    try:
        storage.delete(stored.key)
    except PlatformError.STORAGE_UNAVAILABLE.exc as exc:
        raise PlatformError.STORAGE_UNAVAILABLE("File storage is unavailable; nothing was deleted.") from exc
    if not _row_delete(stored):
        raise PlatformError.NOT_FOUND()
