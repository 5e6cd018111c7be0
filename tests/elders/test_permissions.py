"""Every predicate of elders.permissions against every role (tests/roles.py)."""

import pytest

from shouwang.elders import permissions as p
from tests.roles import roles, who_may


@pytest.mark.parametrize(
    ("predicate", "allowed"),
    [
        (p.may_reveal, "admin official community_worker operator"),
        (p.may_export_registry, "admin official community_worker operator"),
        (p.may_write_registry, "admin official community_worker"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_who_may(predicate, allowed):
    assert who_may(predicate) == roles(allowed)
