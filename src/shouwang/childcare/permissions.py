"""Who may do what with childcare institutions; which institutions they reach is still limited by scope
(``selectors``): officials and community workers their regions', an institution's account its own."""

from shouwang.core.permissions import BUREAU_ROLES, role_of
from shouwang.core.roles import Role

# The region's planners read the registry; an institution reads its own record.
INSTITUTION_READERS = BUREAU_ROLES | {Role.COMMUNITY_WORKER, Role.CHILDCARE_ADMIN}
# Filing review (备案审核), the 普惠 designation and its subsidy are the bureau's decisions.
REGISTRATION_REVIEWERS = BUREAU_ROLES
# The record's figures (places, enrolment, fees, staff) are kept by the institution, or by the bureau.
RECORD_KEEPERS = BUREAU_ROLES | {Role.CHILDCARE_ADMIN}
# Population figures and plan targets are the bureau's; the indicators are planning reads.
POPULATION_KEEPERS = BUREAU_ROLES
INDICATOR_READERS = BUREAU_ROLES | {Role.COMMUNITY_WORKER}
INSTITUTION_ROLES = frozenset({Role.CHILDCARE_ADMIN})


def may_read_institutions(user) -> bool:
    return role_of(user) in INSTITUTION_READERS


def may_review_registration(user) -> bool:
    """File an institution, decide its filing, suspend it, set its 普惠 status and subsidy."""
    return role_of(user) in REGISTRATION_REVIEWERS


def may_keep_record(user) -> bool:
    return role_of(user) in RECORD_KEEPERS


def is_institution_account(user) -> bool:
    """An institution's own login: it sees exactly its own record (``Institution.account``)."""
    return role_of(user) in INSTITUTION_ROLES


def may_keep_population(user) -> bool:
    return role_of(user) in POPULATION_KEEPERS


def may_read_indicators(user) -> bool:
    return role_of(user) in INDICATOR_READERS
