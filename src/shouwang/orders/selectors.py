"""Reads of orders and complaints, always through the acting user's scope.

Who sees which orders: a platform admin all; officials and operators their region subtrees; a community
worker their community; a provider admin their own provider's orders; a caregiver only the orders assigned
to them (their ``StaffMember`` login); an elder or family account only their own elder's orders. Missing and
out-of-scope orders are both NotFound. Nothing here hands out an elder's ID number: the order's own
fields and the elder's name and phone are what the outputs use, the phone always masked.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from shouwang.accounts.models import Role
from shouwang.core.errors import NotFound
from shouwang.core.scope import Scope, scope_of
from shouwang.regions.models import prefix_of

from .models import Complaint, Order, OrderState, OrderTransition

# Who "own" orders are, by role: the caregiver through their staff login, the elder or family account
# through its assignment to the elder (the same link elders.selectors uses for the ``elder`` role).
OWNER_LOOKUPS = {
    Role.CAREGIVER: "caregiver__user_id",
    Role.ELDER: "elder__assignments__user_id",
}


def _scoped(user, queryset: QuerySet, *, provider: str = "provider_id", community: str = "community__code"):
    scope: Scope = scope_of(user)
    if scope.everything:
        return queryset
    role = getattr(user, "effective_role", "")
    return scope.filter(queryset, region=community, provider=provider, owner=OWNER_LOOKUPS.get(role))


def orders_for(user) -> QuerySet[Order]:
    """The orders the user may see (see the module docstring), with what lists show."""
    orders = Order.objects.select_related("elder", "community", "provider", "caregiver")
    return _scoped(user, orders)


def get_order_for(user, order_id: int) -> Order:
    """One order the user may see, with its lines; NotFound when missing or out of scope."""
    try:
        return orders_for(user).prefetch_related("lines__item").get(pk=order_id)
    except (Order.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This order does not exist or is outside your area.")) from None


def filter_orders(
    orders: QuerySet[Order],
    *,
    state: str = "",
    provider: int | None = None,
    community: str = "",
    elder: int | None = None,
    date=None,
    source: str = "",
) -> QuerySet[Order]:
    """Narrow an already scoped list by the board's and the API's filters (``date``: the service day,
    local time; ``community``: a community code, or a street/district code for everything under it)."""
    if state:
        orders = orders.filter(state=state)
    if provider:
        orders = orders.filter(provider_id=provider)
    if community:
        orders = orders.filter(community__code__startswith=prefix_of(community.strip().ljust(12, "0")))
    if elder:
        orders = orders.filter(elder_id=elder)
    if date:
        orders = orders.filter(window_start__date=date)
    if source:
        orders = orders.filter(source=source)
    return orders


def state_counts(orders: QuerySet[Order]) -> dict[str, int]:
    """How many of ``orders`` are in each state, every state present (0 when none)."""
    found = dict(orders.order_by().values_list("state").annotate(n=Count("id")))
    return {state: found.get(state, 0) for state in OrderState.values}


def transitions_for(user, order_id: int) -> QuerySet[OrderTransition]:
    """The order's timeline, oldest first, for a user who may see the order."""
    order = get_order_for(user, order_id)
    return OrderTransition.objects.filter(order=order).select_related("actor").order_by("at", "id")


# --- Complaints -----------------------------------------------------------------------------------------


def complaints_for(user) -> QuerySet[Complaint]:
    """Complaints the user may see: by community for region roles, against their provider for a provider
    admin, their own elder's for an elder or family account; caregivers see none."""
    complaints = Complaint.objects.select_related("provider", "elder", "order", "assignee", "received_by")
    if getattr(user, "effective_role", "") == Role.CAREGIVER:
        return complaints.none()
    scope: Scope = scope_of(user)
    if scope.everything:
        return complaints
    conditions = scope.conditions(region="community__code", provider="provider_id")
    if getattr(user, "effective_role", "") == Role.ELDER and scope.own and scope.user_id:
        conditions.append(Q(elder__assignments__user_id=scope.user_id))
    if not conditions:
        return complaints.none()
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return complaints.filter(combined)


def get_complaint_for(user, complaint_id: int) -> Complaint:
    try:
        return complaints_for(user).get(pk=complaint_id)
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This complaint does not exist or is outside your area.")) from None
