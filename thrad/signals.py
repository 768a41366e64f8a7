"""Events of the platform core that feature apps react to.

The core sends them and never imports the apps that listen: a feature app connects its
receiver in its `AppConfig.ready()`.
"""

from django.dispatch import Signal

# Sent after commit by `thrad.services.organization_suspend` / `organization_unsuspend` (the one
# way every path suspends: admin action, code, commands), only when the suspension changed.
# Keyword arguments: organization_id (the Organization's integer primary key), suspended (bool).
# Sent robustly: a receiver's exception is logged, never raised into the committed write.
organization_suspension_changed = Signal()
