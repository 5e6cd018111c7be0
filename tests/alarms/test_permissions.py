"""Every predicate of alarms.permissions against every role (tests/roles.py)."""

import pytest

from shouwang.alarms import permissions as p
from tests.roles import as_role, roles, who_may


@pytest.mark.parametrize(
    ("predicate", "allowed"),
    [
        (p.may_see_alarms, "admin official operator community_worker"),
        (p.may_manage_devices, "admin official operator community_worker"),
        (p.may_handle_incidents, "admin official operator community_worker"),
        (p.may_register_unbound_device, "admin"),
        (p.may_read_rejections, "admin"),
        (p.may_read_answer_times, "admin official operator"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_who_may(predicate, allowed):
    assert who_may(predicate) == roles(allowed)


def test_a_deactivated_account_sees_no_alarms():
    admin = as_role("admin")
    assert p.may_see_alarms(admin) and p.may_read_rejections(admin)
    admin.is_active = False
    assert not p.may_see_alarms(admin)
    assert not p.may_read_rejections(admin)
