"""Who may do what with home care beds, home services and LTC insurance. What they reach is still limited
by their scope (``selectors``): officials and community workers the elders of their region, a provider's
administrator the beds, rentals, stays and claims of its own organisation."""

from shouwang.core.permissions import BUREAU_ROLES, REGION_STAFF_ROLES, role_of
from shouwang.core.roles import Role

from .models import BedState

# Everybody who follows home care: the region's staff, and providers for their own beds and claims.
HOMECARE_READERS = REGION_STAFF_ROLES | {Role.PROVIDER_ADMIN}
# A bed is applied for, and its assessment recorded, by the elder's community or the bureau.
BED_APPLICANTS = BUREAU_ROLES | {Role.COMMUNITY_WORKER}
# Each move of the lifecycle, by who makes it: the provider adapts the home and installs the devices, the
# bureau signs the contract that starts the service; either ends it.
BED_MOVERS: dict[str, frozenset[str]] = {
    BedState.ASSESSED: BED_APPLICANTS,
    BedState.EQUIPPED: BUREAU_ROLES | {Role.PROVIDER_ADMIN},
    BedState.IN_SERVICE: BUREAU_ROLES,
    BedState.ENDED: BUREAU_ROLES | {Role.PROVIDER_ADMIN},
}
# The package is agreed between provider and bureau before the service starts.
PACKAGE_KEEPERS = BUREAU_ROLES | {Role.PROVIDER_ADMIN}
# Closing a month pays the bed subsidy: the bureau's money.
MONTH_CLOSERS = BUREAU_ROLES
# Rentals and respite stays are recorded where the elder is known: the community and the bureau.
HOME_SERVICE_KEEPERS = BUREAU_ROLES | {Role.COMMUNITY_WORKER}
# LTC insurance: the bureau keeps designations, rules and the elders' statuses (the agency's file); a
# designated provider makes and answers its own claims, the bureau those of providers it oversees.
LTC_KEEPERS = BUREAU_ROLES
LTC_STATUS_READERS = REGION_STAFF_ROLES
CLAIM_MAKERS = BUREAU_ROLES | {Role.PROVIDER_ADMIN}


def may_read_homecare(user) -> bool:
    return role_of(user) in HOMECARE_READERS


def may_apply_for_bed(user) -> bool:
    return role_of(user) in BED_APPLICANTS


def may_move_bed(user, to_state: str) -> bool:
    return role_of(user) in BED_MOVERS.get(to_state, frozenset[str]())


def may_keep_package(user) -> bool:
    return role_of(user) in PACKAGE_KEEPERS


def may_close_month(user) -> bool:
    return role_of(user) in MONTH_CLOSERS


def may_keep_home_services(user) -> bool:
    return role_of(user) in HOME_SERVICE_KEEPERS


def may_keep_ltc(user) -> bool:
    return role_of(user) in LTC_KEEPERS


def may_read_ltc_status(user) -> bool:
    return role_of(user) in LTC_STATUS_READERS


def may_make_claims(user) -> bool:
    return role_of(user) in CLAIM_MAKERS
