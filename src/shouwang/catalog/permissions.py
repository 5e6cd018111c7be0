"""Who may change the catalogue. Reading it needs only a login: it is city-wide reference data."""

from django.utils.translation import gettext as _

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
    """Forbidden unless ``actor`` may change the catalogue; ``None`` is a system job and may."""
    if actor is not None and not may_edit_catalog(actor):
        raise Forbidden(
            _("Only platform administrators and civil-affairs officials may change the catalogue.")
        )
