"""Every predicate of providers.permissions against every role (tests/roles.py)."""

import pytest

from shouwang.providers import permissions as p
from tests.roles import roles, who_may


@pytest.mark.parametrize(
    ("predicate", "allowed"),
    [
        (p.may_decide_admission, "admin official"),
        (p.may_evaluate_providers, "admin official"),
        (p.may_manage_staff, "admin official provider_admin"),
        (p.may_set_prices, "admin official provider_admin"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_who_may(predicate, allowed):
    assert who_may(predicate) == roles(allowed)
