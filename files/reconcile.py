"""What reconciliation (thrad/reconcile.py) needs from the Files API: which stored keys rows
refer to, and the bytes an organization's rows hold (what its quota usage must add up to)."""

from django.db.models import OuterRef, Subquery, Sum

from files.models import StoredFile
from thrad import reconcile


def files_referenced(names: list[str]) -> set[str]:
    """Files API objects (`files/...`) recorded as StoredFile rows."""
    return set(StoredFile.objects.filter(key__in=names).values_list("key", flat=True))


def files_usage() -> Subquery:
    """An organization's stored Files API bytes."""
    return Subquery(
        StoredFile.objects.filter(organization=OuterRef("pk"))
        .values("organization")
        .annotate(total=Sum("size"))
        .values("total")
    )


def register() -> None:
    reconcile.register_prefix("files/", files_referenced)
    reconcile.register_usage(files_usage)
