"""Who may do what with facilities; the facilities they reach are still limited by their scope
(``selectors``): officials their region's, a provider's administrator only its own."""

from shouwang.core.permissions import BUREAU_ROLES, REGION_STAFF_ROLES, role_of
from shouwang.core.roles import Role
from shouwang.elders.permissions import REGISTRY_WRITERS

# Everybody who works with the registry of facilities: the region's staff, and operators for their own.
FACILITY_READERS = REGION_STAFF_ROLES | {Role.PROVIDER_ADMIN}
# The registry of facilities is the bureau's: it registers facilities, edits them and reviews changes.
FACILITY_KEEPERS = BUREAU_ROLES
# An operator proposes changes to its own facilities and reports its monthly figures.
CHANGE_PROPOSERS = frozenset({Role.PROVIDER_ADMIN})
FIGURE_REPORTERS = BUREAU_ROLES | {Role.PROVIDER_ADMIN}
# Meal points (the operator's staff at the counter) and the bureau record meals served.
MEAL_RECORDERS = BUREAU_ROLES | {Role.PROVIDER_ADMIN}
MEAL_READERS = BUREAU_ROLES | {Role.PROVIDER_ADMIN, Role.COMMUNITY_WORKER}
# Moving an elder into an institution changes the registry (their living arrangement): its writers.
RESIDENCY_KEEPERS = REGISTRY_WRITERS
# The 15-minute circle and site suggestions are planning: the bureau and community workers.
COVERAGE_READERS = BUREAU_ROLES | {Role.COMMUNITY_WORKER}


def may_read_facilities(user) -> bool:
    return role_of(user) in FACILITY_READERS


def may_keep_facilities(user) -> bool:
    """Register a facility, change it directly, approve or refuse an operator's change."""
    return role_of(user) in FACILITY_KEEPERS


def may_propose_change(user) -> bool:
    return role_of(user) in CHANGE_PROPOSERS


def may_report_figures(user) -> bool:
    return role_of(user) in FIGURE_REPORTERS


def may_record_meals(user) -> bool:
    return role_of(user) in MEAL_RECORDERS


def may_read_meals(user) -> bool:
    return role_of(user) in MEAL_READERS


def may_keep_residents(user) -> bool:
    return role_of(user) in RESIDENCY_KEEPERS


def may_read_coverage(user) -> bool:
    return role_of(user) in COVERAGE_READERS
