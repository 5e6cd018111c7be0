"""Who may do what with providers; the providers they reach are still limited by their scope
(``selectors``). Services, the API and the console all ask these predicates."""

from shouwang.core.permissions import BUREAU_ROLES, role_of
from shouwang.core.roles import Role

# Admission, contracts, forced exit, inspections and the red and black lists are the bureau's decisions.
ADMISSION_DECIDERS = BUREAU_ROLES
# A provider's staff and prices are kept by its own administrator, or by the bureau.
STAFF_MANAGERS = BUREAU_ROLES | {Role.PROVIDER_ADMIN}
PRICE_SETTERS = STAFF_MANAGERS


def may_decide_admission(user) -> bool:
    """Admit or reject a provider, contract it, force its exit, register one by hand."""
    return role_of(user) in ADMISSION_DECIDERS


def may_evaluate_providers(user) -> bool:
    """Record inspections and put providers on the red or black list."""
    return role_of(user) in ADMISSION_DECIDERS


def may_manage_staff(user) -> bool:
    return role_of(user) in STAFF_MANAGERS


def may_set_prices(user) -> bool:
    return role_of(user) in PRICE_SETTERS
