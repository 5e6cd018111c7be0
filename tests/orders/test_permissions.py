"""Every predicate of orders.permissions: the role-only ones against every role, those about one order or
complaint against every role with the object its own and someone else's (tests/roles.py)."""

import pytest

from shouwang.orders import permissions as p
from shouwang.orders.models import Complaint, Order
from shouwang.providers.models import StaffMember
from tests.roles import as_role, roles, who_may

REGION_STAFF = "admin official operator community_worker"


@pytest.mark.parametrize(
    ("predicate", "allowed"),
    [
        (p.may_place_orders, f"{REGION_STAFF} provider_admin elder"),
        (p.places_orders_as_provider, "provider_admin"),
        (p.may_cancel_orders, f"{REGION_STAFF} elder"),
        (p.may_dispute_orders, f"{REGION_STAFF} elder"),
        (p.may_resolve_disputes, "admin official operator"),
        (p.may_settle_orders, "admin official"),
        (p.may_dispatch, REGION_STAFF),
        (p.is_caregiver, "caregiver"),
        (p.may_review_visits, "admin official provider_admin"),
        (p.may_confirm_by_signature, "caregiver"),
        (p.may_confirm_by_code, "admin official operator caregiver elder"),
        (p.may_call_back, "admin official operator"),
        (p.may_file_complaints, f"{REGION_STAFF} elder"),
        (p.may_handle_complaints, REGION_STAFF),
        (p.may_manage_complaints, "admin official operator"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_who_may(predicate, allowed):
    assert who_may(predicate) == roles(allowed)


def test_page_role_sets():
    assert p.DESK_ROLES == p.BOARD_ROLES == roles(f"{REGION_STAFF} provider_admin") - {"superuser"}
    assert {"provider_admin"} == p.PROVIDER_BOARD_ROLES
    assert roles(f"{REGION_STAFF} provider_admin elder") - {"superuser"} == p.COMPLAINT_PAGE_ROLES
    assert {"admin", "official", "provider_admin", "caregiver"} == p.CORRECTION_READERS
    assert {"official", "operator", "community_worker"} == p.ASSIGNABLE_COMPLAINT_HANDLERS


OWN, OTHER = 10, 20  # the acting user's provider (and user id), and someone else's


@pytest.mark.parametrize("role", ["provider_admin", "admin", "superuser", "official", "caregiver", "elder"])
@pytest.mark.parametrize("whose", ["own", "other"])
def test_is_order_provider(role, whose):
    """Only the administrator of the provider the order was sent to answers it; not the bureau, not
    another provider's administrator."""
    user = as_role(role, pk=OWN, provider_id=OWN)
    order = Order(provider_id=OWN if whose == "own" else OTHER)
    assert p.is_order_provider(user, order) is (role == "provider_admin" and whose == "own")


@pytest.mark.parametrize("role", ["caregiver", "provider_admin", "admin", "elder"])
@pytest.mark.parametrize("whose", ["own", "other", "unassigned"])
def test_is_visit_caregiver(role, whose):
    user = as_role(role, pk=OWN, provider_id=OWN)
    caregiver = {"own": StaffMember(user_id=OWN), "other": StaffMember(user_id=OTHER), "unassigned": None}
    order = Order(provider_id=OWN, caregiver=caregiver[whose])
    assert p.is_visit_caregiver(user, order) is (role == "caregiver" and whose == "own")


@pytest.mark.parametrize(
    ("role", "whose", "expected"),
    [
        ("community_worker", "own", True),  # the handler it was given to
        ("community_worker", "other", False),
        ("official", "own", True),
        ("official", "other", True),  # managers resolve any complaint (of their scope)
        ("operator", "other", True),
        ("admin", "other", True),
        ("provider_admin", "other", False),
        ("elder", "other", False),
    ],
)
def test_may_resolve_complaint(role, whose, expected):
    user = as_role(role, pk=OWN)
    complaint = Complaint(assignee_id=OWN if whose == "own" else OTHER)
    assert p.may_resolve_complaint(user, complaint) is expected
    assert not p.may_resolve_complaint(None, complaint)


def test_nobody_handles_an_unassigned_complaint_by_having_no_id():
    assert not p.may_resolve_complaint(None, Complaint(assignee_id=None))
    assert not p.may_resolve_complaint(as_role("community_worker", pk=None), Complaint(assignee_id=None))
