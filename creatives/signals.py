"""Signals other apps listen to for changes in the ad account tree."""

from django.dispatch import Signal

# Sent after commit by creatives.services whenever a write could change which ads can serve
# (create, update, activate/pause/archive, review decision). Keyword argument: organization_id
# (the Organization's integer primary key). Receivers must be cheap and must not raise.
serving_changed = Signal()
