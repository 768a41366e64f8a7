"""Keep the serving index fresh: any saved or deleted campaign, ad group or ad (whoever saves it,
whichever API or admin page), every `creatives.signals.serving_changed` and every
`thrad.signals.organization_suspension_changed` bumps the index version once its transaction
commits."""

from typing import Any

from django.db.models.signals import post_delete, post_save

from bids.index import version_bump_on_commit
from bids.models import SupplyPartner
from creatives.models import Ad, AdGroup, Campaign
from creatives.signals import serving_changed
from thrad.models import Organization
from thrad.signals import organization_suspension_changed

# Organization fields that show up in render data or decide whether its ads may serve.
ORGANIZATION_SERVING_FIELDS = frozenset({"name", "domain", "logo_url", "is_suspended"})


def _serving_changed(sender: type, **kwargs: Any) -> None:
    version_bump_on_commit()


def _organization_saved(sender: type, update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    if update_fields is None or ORGANIZATION_SERVING_FIELDS & set(update_fields):
        version_bump_on_commit()


def connect() -> None:
    for model in (Campaign, AdGroup, Ad, SupplyPartner):
        post_save.connect(_serving_changed, sender=model, dispatch_uid=f"bids-index-save-{model.__name__}")
        post_delete.connect(_serving_changed, sender=model, dispatch_uid=f"bids-index-delete-{model.__name__}")
    post_save.connect(_organization_saved, sender=Organization, dispatch_uid="bids-index-org-save")
    post_delete.connect(_serving_changed, sender=Organization, dispatch_uid="bids-index-org-delete")
    _connect_creatives_signal()
    _connect_core_signals()


def _connect_creatives_signal() -> None:
    """The creatives app's services change statuses with bulk updates that send no model signals;
    they send `serving_changed` after commit instead."""
    serving_changed.connect(_serving_changed, dispatch_uid="bids-index-creatives-signal")


def _connect_core_signals() -> None:
    """The core suspends an organization with a bulk update that sends no model signal; its one
    suspension service sends `organization_suspension_changed` after commit instead."""
    organization_suspension_changed.connect(_serving_changed, dispatch_uid="bids-index-org-suspension")
