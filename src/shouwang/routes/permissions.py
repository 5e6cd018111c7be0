"""Who may plan routes: a provider's administrator (its dispatcher) for its own caregivers and orders;
the plans and orders they reach are limited to their provider by ``selectors``."""

from shouwang.core.permissions import role_of
from shouwang.core.roles import Role

ROUTE_PLANNERS = frozenset({Role.PROVIDER_ADMIN})
ROUTE_PAGE_ROLES = ROUTE_PLANNERS


def may_plan_routes(user) -> bool:
    return role_of(user) in ROUTE_PLANNERS
