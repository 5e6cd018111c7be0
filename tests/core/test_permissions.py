"""Every predicate of core.permissions against every role (tests/roles.py)."""

import pytest

from shouwang.core import permissions as p
from tests.roles import roles, who_may


@pytest.mark.parametrize(
    ("predicate", "allowed"),
    [
        (p.may_view_audit_log, "admin official"),
        (p.may_manage_outbox, "admin"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_who_may(predicate, allowed):
    assert who_may(predicate) == roles(allowed)


def test_role_of_counts_a_superuser_as_platform_admin_and_nobody_as_no_role():
    from tests.roles import as_role

    assert p.role_of(as_role("superuser")) == "admin"
    assert p.role_of(as_role("caregiver")) == "caregiver"
    assert p.role_of(None) == ""
