import pytest

from shouwang.core.errors import Forbidden, NotFound
from shouwang.orders.models import OrderState
from shouwang.routes import selectors, services
from shouwang.routes.models import PlanState, UnplannedReason
from tests.orders import factories as of


def stops_by_order(plan):
    found = {}
    for stop in plan.stops.all():
        found.setdefault(stop.order_id, []).append(stop)
    return found


def test_a_plan_covers_the_providers_orders_with_its_own_caregivers_only(
    provider_admin_a, day_a, day_b, carers_a, carer_b
):
    orders, lost = day_a
    plan = services.make_plan(actor=provider_admin_a, day=of.tomorrow(), seconds=1)

    found = stops_by_order(plan)
    assert set(found) == {o.pk for o in orders}
    assert {s.caregiver_id for stops in found.values() for s in stops} <= {c.pk for c in carers_a}
    bath = found[orders[4].pk]
    assert len(bath) == 2 and bath[0].caregiver_id != bath[1].caregiver_id
    assert bath[0].starts_at == bath[1].starts_at and bath[0].double
    assert carers_a[2].pk not in {s.caregiver_id for s in bath}  # not qualified to bathe
    for order in orders:
        for stop in found[order.pk]:
            assert order.window_start <= stop.starts_at and stop.ends_at <= order.window_end
    assert [(u.order_id, u.reason) for u in plan.unplanned.all()] == [(lost.pk, UnplannedReason.NO_PLACE)]
    assert plan.state == PlanState.DRAFT


def test_publishing_assigns_each_order_to_its_planned_caregiver(provider_admin_a, day_a, carers_a):
    orders, _lost = day_a
    plan = services.make_plan(actor=provider_admin_a, day=of.tomorrow(), seconds=1)
    services.publish(actor=provider_admin_a, plan_id=plan.pk)

    first = {}
    for stop in plan.stops.order_by("starts_at", "caregiver_id"):
        first.setdefault(stop.order_id, stop.caregiver_id)
    for order in orders:
        order.refresh_from_db()
        assert order.state == OrderState.ASSIGNED
        assert order.caregiver_id == first[order.pk]
    mine = list(selectors.published_stops_of(carers_a[0], of.tomorrow()))
    assert [s.position for s in mine] == list(range(len(mine)))
    assert all(a.starts_at < b.starts_at for a, b in zip(mine, mine[1:], strict=False))


def test_a_sick_call_keeps_the_other_routes_and_a_cancelled_order_leaves(provider_admin_a, day_a, carers_a):
    orders, _lost = day_a
    plan = services.make_plan(actor=provider_admin_a, day=of.tomorrow(), seconds=1)
    services.publish(actor=provider_admin_a, plan_id=plan.pk)
    sick = carers_a[2]
    cancelled = orders[3]
    cancelled.state = OrderState.CANCELLED
    cancelled.save(update_fields=["state"])
    before = {
        c.pk: [(s.order_id, s.starts_at) for s in plan.stops.filter(caregiver=c).order_by("position")]
        for c in carers_a
    }

    again = services.replan(actor=provider_admin_a, plan_id=plan.pk, absent=[sick.pk], reason="病假")

    after = {
        c.pk: [(s.order_id, s.starts_at) for s in again.stops.filter(caregiver=c).order_by("position")]
        for c in carers_a
    }
    assert after[sick.pk] == []
    assert cancelled.pk not in {order for route in after.values() for order, _ in route}
    moved = {order for order, _ in before[sick.pk]}
    for carer in carers_a[:2]:
        received = {order for order, _ in after[carer.pk]} & moved
        if not received:
            assert after[carer.pk] == [(o, t) for o, t in before[carer.pk] if o != cancelled.pk]
    assert again.replaces_id == plan.pk and again.reason == "病假"


def test_another_provider_cannot_see_or_change_the_plan(
    provider_admin_a, provider_admin_b, day_a, day_b, carer_b
):
    plan = services.make_plan(actor=provider_admin_a, day=of.tomorrow(), seconds=1)
    with pytest.raises(NotFound):
        selectors.get_plan_for(provider_admin_b, plan.pk)
    with pytest.raises(NotFound):
        services.publish(actor=provider_admin_b, plan_id=plan.pk)
    with pytest.raises(NotFound):
        services.replan(actor=provider_admin_b, plan_id=plan.pk)
    theirs = services.make_plan(actor=provider_admin_b, day=of.tomorrow(), seconds=1)
    assert {s.caregiver_id for s in theirs.stops.all()} == {carer_b.pk}
    assert {s.order_id for s in theirs.stops.all()} == {o.pk for o in day_b}


def test_a_caregiver_may_not_plan_and_a_replan_refuses_other_providers_staff(
    provider_admin_a, day_a, carers_a, carer_b
):
    with pytest.raises(Forbidden):
        services.make_plan(actor=carers_a[0].user, day=of.tomorrow(), seconds=1)
    plan = services.make_plan(actor=provider_admin_a, day=of.tomorrow(), seconds=1)
    from shouwang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.replan(actor=provider_admin_a, plan_id=plan.pk, absent=[carer_b.pk])
