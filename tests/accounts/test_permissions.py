"""Every predicate of accounts.permissions against every role (tests/roles.py)."""

from shouwang.accounts import permissions as p
from shouwang.core.roles import Role
from tests.roles import as_role, roles, who_may

EVERY = set(Role.values)


def test_who_manages_users():
    assert who_may(p.may_manage_users) == roles("admin official provider_admin")


def test_which_roles_each_role_may_give():
    expected = {
        "admin": EVERY,
        "superuser": EVERY,
        "official": EVERY - {"admin"},
        "provider_admin": {"provider_admin", "caregiver"},
    }
    for role in [*Role.values, "superuser"]:
        assert set(p.roles_grantable_by(as_role(role))) == expected.get(role, set()), role
    assert p.roles_grantable_by(None) == frozenset()
