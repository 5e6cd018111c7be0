"""Every predicate of catalog.permissions against every role (tests/roles.py)."""

from django.contrib.auth.models import AnonymousUser

from shouwang.catalog import permissions as p
from shouwang.core.roles import Role
from tests.roles import as_role, roles, who_may


def test_who_edits_the_catalogue():
    assert who_may(p.may_edit_catalog) == roles("admin official")


def test_any_active_login_reads_the_catalogue():
    """City-wide reference data: a login is enough, whatever the role (even none)."""
    for role in [*Role.values, "superuser", ""]:
        assert p.may_read_catalog(as_role(role)), role
    inactive = as_role("caregiver")
    inactive.is_active = False
    assert not p.may_read_catalog(inactive)
    assert not p.may_read_catalog(AnonymousUser())
    assert not p.may_read_catalog(None)
