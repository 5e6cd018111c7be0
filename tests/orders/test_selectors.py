"""Who sees which orders and complaints."""

import pytest

from shouwang.core.errors import NotFound
from shouwang.orders.models import Complaint
from shouwang.orders.models import OrderState as S
from shouwang.orders.selectors import (
    complaints_for,
    elders_served_by,
    elders_to_order_for,
    filter_orders,
    get_order_for,
    orders_for,
    state_counts,
    transitions_for,
)
from tests import factories
from tests.orders import factories as of

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(elder_a, elder_b, admitted_a, admitted_b, carer_a, carer_b):
    """One order of each provider in community A, one waiting in community B."""
    mine = of.OrderFactory(elder=elder_a, state=S.ASSIGNED, provider=admitted_a, caregiver=carer_a)
    theirs = of.OrderFactory(elder=elder_a, state=S.ASSIGNED, provider=admitted_b, caregiver=carer_b)
    other_community = of.OrderFactory(elder=elder_b)
    return mine, theirs, other_community


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_admin_and_district_roles_see_everything_in_their_subtree(admin_user, official, operator, orders):
    every = {order.pk for order in orders}
    assert ids(orders_for(admin_user)) == every
    assert ids(orders_for(official)) == every
    assert ids(orders_for(operator)) == every


def test_a_community_worker_sees_only_their_community(worker_a, worker_b, orders):
    mine, theirs, other_community = orders
    assert ids(orders_for(worker_a)) == {mine.pk, theirs.pk}
    assert ids(orders_for(worker_b)) == {other_community.pk}
    with pytest.raises(NotFound):
        get_order_for(worker_b, mine.pk)


def test_a_provider_admin_sees_only_its_own_orders(admitted_a, orders):
    mine, theirs, _ = orders
    padmin = factories.user("provider_admin", provider_id=admitted_a.pk)
    assert ids(orders_for(padmin)) == {mine.pk}
    with pytest.raises(NotFound):
        get_order_for(padmin, theirs.pk)


def test_a_caregiver_sees_only_orders_assigned_to_them(carer_a, admitted_a, elder_a, orders):
    mine, *_ = orders
    colleague = of.caregiver(admitted_a)
    of.OrderFactory(elder=elder_a, state=S.ASSIGNED, provider=admitted_a, caregiver=colleague)

    assert ids(orders_for(carer_a.user)) == {mine.pk}


def test_family_sees_only_their_own_elders_orders(elder_a, orders):
    mine, theirs, _ = orders
    family = of.family(elder_a)
    assert ids(orders_for(family)) == {mine.pk, theirs.pk}
    stranger = factories.user("elder", regions=(factories.COMMUNITY_A,))
    assert ids(orders_for(stranger)) == set()


def test_roles_without_orders_see_none(tree, orders):
    assessor = factories.user("assessor", regions=(factories.COMMUNITY_A,))
    volunteer = factories.user("volunteer", regions=(factories.COMMUNITY_A,))
    assert ids(orders_for(assessor)) == ids(orders_for(volunteer)) == set()


def test_filters_and_counts(official, orders, admitted_a):
    mine, theirs, other_community = orders
    scoped = orders_for(official)
    assert ids(filter_orders(scoped, provider=admitted_a.pk)) == {mine.pk}
    assert ids(filter_orders(scoped, community=factories.COMMUNITY_B)) == {other_community.pk}
    assert ids(filter_orders(scoped, community=factories.STREET_A)) == {mine.pk, theirs.pk}
    assert ids(filter_orders(scoped, state=S.CREATED)) == {other_community.pk}
    assert ids(filter_orders(scoped, date=mine.window_start.date())) == {o.pk for o in orders}
    counts = state_counts(scoped)
    assert counts[S.ASSIGNED] == 2 and counts[S.CREATED] == 1 and counts[S.SETTLED] == 0


def test_the_timeline_is_in_order_and_scoped(official, worker_b, elder_a):
    order = of.OrderFactory(elder=elder_a, state=S.ACCEPTED, provider=None, history=True)
    assert [t.to_state for t in transitions_for(official, order.pk)] == ["created", "dispatched", "accepted"]
    with pytest.raises(NotFound):
        transitions_for(worker_b, order.pk)


def test_complaints_by_community_provider_and_own_elder(worker_a, worker_b, admitted_a, admitted_b, elder_a):
    about_a = Complaint.objects.create(
        provider=admitted_a, elder=elder_a, community_id=elder_a.community_id, source="elder", description="x"
    )
    about_b = Complaint.objects.create(
        provider=admitted_b, elder=elder_a, community_id=elder_a.community_id, source="elder", description="y"
    )
    padmin = factories.user("provider_admin", provider_id=admitted_a.pk)

    assert ids(complaints_for(worker_a)) == {about_a.pk, about_b.pk}
    assert ids(complaints_for(worker_b)) == set()
    assert ids(complaints_for(padmin)) == {about_a.pk}
    assert ids(complaints_for(of.family(elder_a))) == {about_a.pk, about_b.pk}
    assert ids(complaints_for(of.caregiver(admitted_a).user)) == set()


# --- whom a provider serves ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "days_ago", "serves"),
    [
        (S.ACCEPTED, -1, True),
        (S.ASSIGNED, -1, True),
        (S.IN_SERVICE, 0, True),
        (S.COMPLETED, 7, True),
        (S.SETTLED, 89, True),
        (S.SETTLED, 91, False),  # served too long ago: the desk orders again
        (S.ACCEPTED, 200, True),  # taken on and not finished, however old its window
        (S.DISPATCHED, -1, False),  # an offer not yet answered
        (S.REJECTED, -1, False),
        (S.CANCELLED, 7, False),
    ],
)
def test_a_provider_serves_an_elder_through_orders_it_took_on(admitted_a, elder_a, state, days_ago, serves):
    of.served_by(admitted_a, elder_a, state=state, days_ago=days_ago)
    padmin = factories.user("provider_admin", provider_id=admitted_a.pk)

    assert (elder_a in elders_served_by(admitted_a.pk)) is serves
    assert (elder_a in elders_to_order_for(padmin)) is serves


def test_another_providers_orders_do_not_make_it_served(admitted_a, admitted_b, elder_a):
    of.served_by(admitted_b, elder_a)
    assert not elders_served_by(admitted_a.pk).exists()
    assert list(elders_served_by(admitted_b.pk)) == [elder_a]


def test_an_elder_outside_the_service_areas_is_not_served(admitted_a, elder_b):
    # an order of the provider for an elder outside its areas (it was designated there, or the elder moved)
    of.served_by(admitted_a, elder_b)
    assert not elders_served_by(admitted_a.pk).exists()


def test_everyone_else_orders_for_the_elders_in_their_scope(worker_a, operator, elder_a, elder_b):
    assert set(elders_to_order_for(worker_a)) == {elder_a}
    assert set(elders_to_order_for(operator)) == {elder_a, elder_b}
