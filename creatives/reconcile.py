"""What reconciliation (thrad/reconcile.py) needs from creatives: which asset copies ads use."""

from creatives.models import Ad
from thrad import reconcile


def assets_referenced(names: list[str]) -> set[str]:
    """Creative asset copies (`creatives/...`) an ad's `asset_path` names."""
    return set(Ad.objects.filter(asset_path__in=names).values_list("asset_path", flat=True))


def register() -> None:
    reconcile.register_prefix("creatives/", assets_referenced)
