"""Who may do what with orders, visits (EVV), confirmations and complaints. The orders a user reaches are
still limited by their scope (``selectors.orders_for``, ``evv.supervised_orders``); these predicates say
which roles may take which step, and, given an order, whether the user is its provider or its caregiver.
Services, the API and the console all ask them."""

from shouwang.core.permissions import BUREAU_ROLES, REGION_STAFF_ROLES, role_of
from shouwang.core.roles import Role

# --- orders --------------------------------------------------------------------------------------------

# Who places orders: the desk and the community, the bureau, a provider for the elders it serves, and
# the family for its own elder.
ORDER_PLACERS = REGION_STAFF_ROLES | {Role.PROVIDER_ADMIN, Role.ELDER}
# Who may call an order off, or dispute a finished one: the desk and the community, the bureau, and the
# family for its own elder.
CANCELLERS = REGION_STAFF_ROLES | {Role.ELDER}
DISPUTERS = REGION_STAFF_ROLES | {Role.ELDER}
DISPUTE_RESOLVERS = BUREAU_ROLES | {Role.OPERATOR}
SETTLERS = BUREAU_ROLES
# Who sends an order to a provider (matching and dispatch).
DISPATCHERS = REGION_STAFF_ROLES

# --- visits (EVV) and the elder's confirmation --------------------------------------------------------

# Who resolves visit exceptions and decides corrections of a visit's times: the provider's administrator
# for its own orders, officials for their region, the platform admin everywhere.
VISIT_REVIEWERS = BUREAU_ROLES | {Role.PROVIDER_ADMIN}
CAREGIVER_ROLES = frozenset({Role.CAREGIVER})
# Correction requests are read by those who decide them and by the caregivers who made them.
CORRECTION_READERS = VISIT_REVIEWERS | CAREGIVER_ROLES
# Who may hand the elder a confirmation code or type it: the visit's caregiver, the elder's account, and
# the desk; who records a call-back: the desk.
CODE_CONFIRMERS = BUREAU_ROLES | {Role.OPERATOR, Role.CAREGIVER, Role.ELDER}
CALLBACK_CONFIRMERS = BUREAU_ROLES | {Role.OPERATOR}
# The elder signs on the caregiver's phone.
SIGNATURE_CONFIRMERS = CAREGIVER_ROLES
# The elder or family confirms in the portal, logged in on their own login (linked with the elder's consent).
PORTAL_CONFIRMERS = frozenset({Role.ELDER})

# --- complaints ----------------------------------------------------------------------------------------

COMPLAINT_FILERS = REGION_STAFF_ROLES | {Role.ELDER}
# Who may be given a complaint to handle.
COMPLAINT_HANDLERS = REGION_STAFF_ROLES
# The accounts listed as handlers to choose from (a platform admin is not one).
ASSIGNABLE_COMPLAINT_HANDLERS = COMPLAINT_HANDLERS - {Role.ADMIN}
# Who assigns and closes complaints and may resolve any of them: the bureau and the call centre.
COMPLAINT_MANAGERS = BUREAU_ROLES | {Role.OPERATOR}

# --- console pages -------------------------------------------------------------------------------------

DESK_ROLES = REGION_STAFF_ROLES | {Role.PROVIDER_ADMIN}
BOARD_ROLES = REGION_STAFF_ROLES | {Role.PROVIDER_ADMIN}
PROVIDER_BOARD_ROLES = frozenset({Role.PROVIDER_ADMIN})
COMPLAINT_PAGE_ROLES = REGION_STAFF_ROLES | {Role.PROVIDER_ADMIN, Role.ELDER}


def may_confirm_in_portal(user) -> bool:
    return role_of(user) in PORTAL_CONFIRMERS


def may_place_orders(user) -> bool:
    return role_of(user) in ORDER_PLACERS


def places_orders_as_provider(user) -> bool:
    """A provider's administrator orders only for the elders its provider serves, and takes the order
    itself (``selectors.elders_to_order_for``)."""
    return role_of(user) == Role.PROVIDER_ADMIN


def is_order_provider(user, order) -> bool:
    """The administrator of the provider the order was sent to: it accepts, rejects and assigns it."""
    return role_of(user) == Role.PROVIDER_ADMIN and user.provider_id == order.provider_id


def may_cancel_orders(user) -> bool:
    return role_of(user) in CANCELLERS


def may_dispute_orders(user) -> bool:
    return role_of(user) in DISPUTERS


def may_resolve_disputes(user) -> bool:
    return role_of(user) in DISPUTE_RESOLVERS


def may_settle_orders(user) -> bool:
    return role_of(user) in SETTLERS


def may_dispatch(user) -> bool:
    return role_of(user) in DISPATCHERS


def is_caregiver(user) -> bool:
    return role_of(user) in CAREGIVER_ROLES


def is_visit_caregiver(user, order) -> bool:
    """The caregiver the order is assigned to (through their staff login)."""
    return is_caregiver(user) and order.caregiver is not None and order.caregiver.user_id == user.pk


def may_review_visits(user) -> bool:
    """Resolve visit exceptions and decide corrections (of the orders the user supervises)."""
    return role_of(user) in VISIT_REVIEWERS


def may_confirm_by_signature(user) -> bool:
    return role_of(user) in SIGNATURE_CONFIRMERS


def may_confirm_by_code(user) -> bool:
    return role_of(user) in CODE_CONFIRMERS


def may_call_back(user) -> bool:
    return role_of(user) in CALLBACK_CONFIRMERS


def may_file_complaints(user) -> bool:
    return role_of(user) in COMPLAINT_FILERS


def may_handle_complaints(user) -> bool:
    """Whether ``user`` may be given a complaint to handle (their scope must still cover it)."""
    return role_of(user) in COMPLAINT_HANDLERS


def may_manage_complaints(user) -> bool:
    """Assign and close complaints, and resolve any of them."""
    return role_of(user) in COMPLAINT_MANAGERS


def may_resolve_complaint(user, complaint) -> bool:
    """The complaint's handler, or a complaint manager."""
    is_handler = complaint.assignee_id is not None and complaint.assignee_id == getattr(user, "pk", None)
    return is_handler or may_manage_complaints(user)
