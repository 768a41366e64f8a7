"""Scoped reads of advertiser uploads."""

from thrad.models import Organization
from uploads.models import UploadedFile, UploadedFileQuerySet


def uploaded_file_get(*, org: Organization, file_id: str) -> UploadedFile | None:
    """The organization's upload stored at `file_id`, or None (another org's file is None too)."""
    return UploadedFile.objects.for_org(org).filter(file_id=file_id).first()


def uploaded_file_list(*, org: Organization) -> UploadedFileQuerySet:
    """The organization's uploads, newest first."""
    return UploadedFile.objects.for_org(org).order_by("-created_at", "-id")
