"""Which roles may do what in the registry; the data they reach is still limited by their scope."""

from shouwang.core.permissions import role_of
from shouwang.core.roles import Role

# Roles whose work needs the full ID number and phones; providers never see ID numbers.
REVEAL_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.OPERATOR})
# Roles that search the registry and export what they find (the registry pages of the console).
REGISTRY_READERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.OPERATOR})
# Roles that register elders, correct their records and import spreadsheets.
REGISTRY_WRITERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER})
# Who links a family login to an elder in the console (after hearing the elder's consent): the community
# worker of the elder's community, and the platform admin.
FAMILY_LINKERS = frozenset({Role.ADMIN, Role.COMMUNITY_WORKER})
# Who keeps an elder's emergency contacts up to date: the registry's writers and the elder's own family.
CONTACT_EDITORS = REGISTRY_WRITERS | {Role.ELDER}


def may_reveal(user) -> bool:
    return role_of(user) in REVEAL_ROLES


def may_write_registry(user) -> bool:
    return role_of(user) in REGISTRY_WRITERS


def may_export_registry(user) -> bool:
    return role_of(user) in REGISTRY_READERS


def is_family(user) -> bool:
    """An elder or family login (老人/家属): its own elders are those linked to it (``FamilyLink``)."""
    return role_of(user) == Role.ELDER


def may_edit_contacts(user) -> bool:
    return role_of(user) in CONTACT_EDITORS


def may_link_families(user) -> bool:
    """Link or unlink a family login and an elder in the actor's scope (the console's family page)."""
    return role_of(user) in FAMILY_LINKERS
