"""Reads of orders and complaints, always through the acting user's scope.

Who sees which orders: a platform admin all; officials and operators their region subtrees; a community
worker their community; a provider admin their own provider's orders; a caregiver only the orders assigned
to them (their ``StaffMember`` login); an elder or family account only their own elder's orders. Missing and
out-of-scope orders are both NotFound. Nothing here hands out an elder's ID number: the order's own
fields and the elder's name and phone are what the outputs use, the phone always masked.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.roles import Role
from shouwang.core.scope import Scope, scope_of
from shouwang.elders.models import FAMILY_USER, Elder
from shouwang.elders.selectors import elders_for
from shouwang.providers.models import Provider
from shouwang.regions.models import prefix_of

from .models import Complaint, Order, OrderState, OrderTransition
from .permissions import places_orders_as_provider
from .states import SERVED_STATES, TAKEN_STATES

# Who "own" orders are, by role: the caregiver through their staff login, the elder or family account
# through its family link to the elder (the one definition, ``elders.models.FamilyLink``).
OWNER_LOOKUPS = {
    Role.CAREGIVER: "caregiver__user_id",
    Role.ELDER: f"elder__{FAMILY_USER}",
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


# How long after its last visit a provider still counts as serving an elder, so that it may order the
# follow-up visit itself; after that the desk or the community worker orders.
SERVED_WITHIN = dt.timedelta(days=90)


def elders_served_by(provider_id: int | None) -> QuerySet[Elder]:
    """The elders a provider serves, in its service areas: those with an order it has taken on (accepted,
    assigned, in service) or served within ``SERVED_WITHIN`` (completed, confirmed, disputed, settled).
    Care-plan orders count once the provider has accepted them; an offer it has not answered, a refusal
    and a cancelled order do not."""
    if provider_id is None:
        return Elder.objects.none()
    since = timezone.now() - SERVED_WITHIN
    orders = Order.objects.filter(provider_id=provider_id).filter(
        Q(state__in=TAKEN_STATES) | Q(state__in=SERVED_STATES, window_start__gte=since)
    )
    areas = Provider.service_areas.through.objects.filter(provider_id=provider_id).values("region_id")
    return Elder.objects.select_related("community").filter(
        pk__in=orders.values("elder_id"), community__in=areas
    )


def elders_to_order_for(user) -> QuerySet[Elder]:
    """The elders the user may place orders for: those in their scope; for a provider admin, the elders
    its provider serves (``elders_served_by``), so an order is no way to read a stranger's address. Others
    are ordered by the service desk or the community worker."""
    if places_orders_as_provider(user):
        return elders_served_by(user.provider_id)
    return elders_for(user)


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


def offers_to_answer(user) -> QuerySet[Order]:
    """Orders offered to the user's provider and not answered yet, the one whose answer is due first
    first (``dispatch.expire_overdue`` passes an order on when its ``respond_by`` is past)."""
    return orders_for(user).filter(state=OrderState.DISPATCHED).order_by("respond_by", "id")


# What a day's visits list shows: visits planned, going on or done that day (not offers, not cancelled).
VISIT_STATES = frozenset(
    {
        OrderState.ASSIGNED,
        OrderState.IN_SERVICE,
        OrderState.COMPLETED,
        OrderState.CONFIRMED,
        OrderState.DISPUTED,
        OrderState.SETTLED,
    }
)


def visits_of_day(user, day: dt.date | None = None) -> QuerySet[Order]:
    """The visits of ``day`` (today, local time, by default) among the orders the user may see, in time
    order, with their caregiver."""
    day = day or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return (
        orders_for(user)
        .filter(
            window_start__gte=start, window_start__lt=start + dt.timedelta(days=1), state__in=VISIT_STATES
        )
        .order_by("window_start", "id")
    )


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
        conditions.append(Q(**{OWNER_LOOKUPS[Role.ELDER]: scope.user_id}))
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
