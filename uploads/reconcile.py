"""What reconciliation (thrad/reconcile.py) needs from uploads: which stored names rows refer to."""

from thrad import reconcile
from uploads.models import UploadedFile


def uploads_referenced(names: list[str]) -> set[str]:
    """Advertiser images (`uploads/...`) recorded as UploadedFile rows."""
    return set(UploadedFile.objects.filter(file_id__in=names).values_list("file_id", flat=True))


def register() -> None:
    reconcile.register_prefix("uploads/", uploads_referenced)
