"""Which roles may do what in the registry; the data they reach is still limited by their scope."""

from shouwang.core.permissions import role_of
from shouwang.core.roles import Role

# Roles whose work needs the full ID number and phones; providers never see ID numbers.
REVEAL_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.OPERATOR})
# Roles that search the registry and export what they find (the registry pages of the console).
REGISTRY_READERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.OPERATOR})
# Roles that register elders, correct their records and import spreadsheets.
REGISTRY_WRITERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER})


def may_reveal(user) -> bool:
    return role_of(user) in REVEAL_ROLES


def may_write_registry(user) -> bool:
    return role_of(user) in REGISTRY_WRITERS


def may_export_registry(user) -> bool:
    return role_of(user) in REGISTRY_READERS
