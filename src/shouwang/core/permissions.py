"""The groups of roles every app's permissions are written in, and who may do what with the platform's
own machinery (the audit log, the outbox of outgoing messages).

A role set is written only in a ``permissions.py`` (``tests/core/test_permission_vocabulary.py`` fails
on one anywhere else); services, APIs and views ask the named predicates there."""

from .roles import Role

EVERY_ROLE = frozenset(Role)
# The civil-affairs bureau: platform admins and officials. They keep policy (catalogue, benefits,
# admission of providers) and oversee everyone's work in their regions.
BUREAU_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL})
# The bureau and the region-scoped staff who work with elders directly: call-centre operators and
# community workers. The registry, the order desk and the alarm console are theirs.
REGION_STAFF_ROLES = BUREAU_ROLES | {Role.OPERATOR, Role.COMMUNITY_WORKER}
# Roles that work for a provider organisation.
PROVIDER_STAFF_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.CAREGIVER})


def role_of(user) -> str:
    """The role that decides what a user may do ("" for nobody): a superuser counts as a platform admin;
    an anonymous user holds no role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return user.effective_role


def may_view_audit_log(user) -> bool:
    """The audit log records what colleagues did, which is a supervisor's business: the bureau's."""
    return role_of(user) in BUREAU_ROLES


def may_manage_outbox(user) -> bool:
    """Outgoing messages carry phone numbers from every region, so only the platform admin sees the ones
    that failed and queues them again."""
    return user is not None and user.is_authenticated and user.is_platform_admin
