"""Who may manage which accounts, and which grant each role's scope is made of (``User.scope``)."""

from shouwang.core.permissions import BUREAU_ROLES, EVERY_ROLE, PROVIDER_STAFF_ROLES, role_of
from shouwang.core.roles import Role

# Which grant each role's scope is made of.
REGION_ROLES = frozenset({Role.OFFICIAL, Role.OPERATOR, Role.COMMUNITY_WORKER})
PROVIDER_ROLES = PROVIDER_STAFF_ROLES
OWN_ASSIGNMENT_ROLES = frozenset({Role.ASSESSOR, Role.CAREGIVER, Role.VOLUNTEER, Role.ELDER})
# Roles whose account sits in a region (for officials to manage) rather than in a provider.
REGION_HOMED_ROLES = frozenset(
    {Role.OFFICIAL, Role.OPERATOR, Role.COMMUNITY_WORKER, Role.ASSESSOR, Role.VOLUNTEER, Role.ELDER}
)

# The bureau manages the accounts in its regions, a provider admin its own organisation's staff.
USER_MANAGERS = BUREAU_ROLES | {Role.PROVIDER_ADMIN}
ROLES_AN_OFFICIAL_MANAGES = EVERY_ROLE - {Role.ADMIN}
ROLES_A_PROVIDER_ADMIN_MANAGES = PROVIDER_STAFF_ROLES


def may_manage_users(user) -> bool:
    return role_of(user) in USER_MANAGERS


def roles_grantable_by(user) -> frozenset:
    """The roles ``user`` may give an account: every role for a platform admin, every role but that for
    an official, provider staff roles for a provider admin, none for anyone else."""
    role = role_of(user)
    if role == Role.ADMIN:
        return EVERY_ROLE
    if role == Role.OFFICIAL:
        return ROLES_AN_OFFICIAL_MANAGES
    if role == Role.PROVIDER_ADMIN:
        return ROLES_A_PROVIDER_ADMIN_MANAGES
    return frozenset()
