"""What reconciliation (thrad/reconcile.py) needs from uploads: which stored names rows refer to."""

from django.db.models import Expression, OuterRef, Subquery, Sum

from thrad import reconcile
from uploads.models import StoredFile, UploadedFile


def uploads_referenced(names: list[str]) -> set[str]:
    """Advertiser images (`uploads/...`) recorded as UploadedFile rows."""
    return set(UploadedFile.objects.filter(file_id__in=names).values_list("file_id", flat=True))


def files_referenced(names: list[str]) -> set[str]:
    """Files API objects (`files/...`) recorded as StoredFile rows."""
    return set(StoredFile.objects.filter(key__in=names).values_list("key", flat=True))


def files_usage() -> Expression:
    """An organization's stored Files API bytes: what its quota usage must add up to."""
    return Subquery(
        StoredFile.objects.filter(organization=OuterRef("pk"))
        .values("organization")
        .annotate(total=Sum("size"))
        .values("total")
    )


def register() -> None:
    reconcile.register_prefix("uploads/", uploads_referenced)
    reconcile.register_prefix("files/", files_referenced)
    reconcile.register_usage(files_usage)
