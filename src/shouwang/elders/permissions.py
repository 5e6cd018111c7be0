"""Which roles may do what in the registry; the data they reach is still limited by their scope."""

from shouwang.accounts.models import Role

# Roles whose work needs the full ID number and phones; providers never see ID numbers.
REVEAL_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.OPERATOR})
# Roles that register elders, correct their records and import spreadsheets.
REGISTRY_WRITERS = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER})


def _role(user) -> str:
    return Role.ADMIN if user.is_platform_admin else user.role


def may_reveal(user) -> bool:
    return _role(user) in REVEAL_ROLES


def may_write_registry(user) -> bool:
    return _role(user) in REGISTRY_WRITERS
