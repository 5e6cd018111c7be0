"""Who may change the catalogue. Reading it needs only a login: it is city-wide reference data."""

from django.utils.translation import gettext as _

from shouwang.core.actors import is_system, require_actor
from shouwang.core.errors import Forbidden
from shouwang.core.permissions import BUREAU_ROLES

# The catalogue is policy: platform admins and civil-affairs officials keep it.
CATALOG_EDITORS = BUREAU_ROLES


def may_read_catalog(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_edit_catalog(user) -> bool:
    if not may_read_catalog(user):
        return False
    return user.is_platform_admin or user.role in CATALOG_EDITORS


def require_editor(actor) -> None:
    """Forbidden unless ``actor`` may change the catalogue, or is the platform itself (``SYSTEM``, named
    explicitly); a missing actor is refused."""
    require_actor(actor)
    if not is_system(actor) and not may_edit_catalog(actor):
        raise Forbidden(
            _("Only platform administrators and civil-affairs officials may change the catalogue.")
        )
