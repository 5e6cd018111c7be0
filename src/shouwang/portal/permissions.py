"""Who uses the family portal, and who links and unlinks families. The elders a user reaches are still
limited by their scope (a family login: the elders linked to it; a community worker: their community)."""

from shouwang.core.permissions import role_of
from shouwang.core.roles import Role
from shouwang.elders.permissions import FAMILY_LINKERS, may_link_families

__all__ = ["FAMILY_LINKERS", "PORTAL_ROLES", "may_link_families", "may_use_portal"]

# The portal is the elder's or family's own login (老人/家属).
PORTAL_ROLES = frozenset({Role.ELDER})


def may_use_portal(user) -> bool:
    return role_of(user) in PORTAL_ROLES and user.is_active
