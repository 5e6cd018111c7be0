"""Care-plan orders: the coming days' visits, idempotent runs, and plan edits changing future orders only."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from shouwang.assessments.models import CarePlan, CarePlanItem, PlanState
from shouwang.core.scheduler import registered_jobs
from shouwang.orders import generation
from shouwang.orders.models import Order
from shouwang.orders.models import OrderState as S

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
MONDAY = dt.date(2030, 1, 7)  # a Monday; the runs below pretend "today" is the Sunday before


def approved_plan(elder, lines, official=None):
    """An approved plan with ``lines`` (service, times, per), superseding the elder's previous one."""
    CarePlan.objects.filter(elder=elder, state=PlanState.APPROVED).update(state=PlanState.SUPERSEDED)
    plan = CarePlan.objects.create(elder=elder, state=PlanState.APPROVED, approved_at=timezone.now())
    for service, times, per in lines:
        CarePlanItem.objects.create(plan=plan, service=service, times=times, per=per)
    return plan


def run(today=MONDAY - dt.timedelta(days=1)):
    return generation.generate_orders(today=today)


def generated(elder):
    return Order.objects.filter(elder=elder, source="care_plan")


def local_times(orders):
    return sorted(timezone.localtime(o.window_start).strftime("%a %H:%M") for o in orders)


@override_settings(SHOUWANG_ORDER_PLAN_DAYS_AHEAD=7)
def test_a_plan_becomes_the_coming_weeks_orders(elder_a):
    plan = approved_plan(elder_a, [("meal", 2, "day"), ("bathing", 2, "week"), ("visit", 1, "month")])

    totals = run()

    orders = generated(elder_a)
    meals = orders.filter(lines__item__code="meal")
    assert meals.count() == 14
    assert local_times(meals)[:2] == ["Fri 11:00", "Fri 17:00"]
    assert local_times(orders.filter(lines__item__code="bathing")) == ["Mon 09:00", "Thu 09:00"]
    assert orders.filter(lines__item__code="visit").count() == 0  # the month's visit falls on the 1st
    assert totals == {"created": 16, "cancelled": 0, "dispatched": 0}  # no provider serves community A
    first = orders.order_by("window_start").first()
    assert (first.state, first.care_plan, first.community_id) == (S.CREATED, plan, elder_a.community_id)
    assert first.window_end - first.window_start == dt.timedelta(hours=1)
    assert first.transitions.get().actor is None


@override_settings(SHOUWANG_ORDER_PLAN_DAYS_AHEAD=3)
def test_running_again_creates_nothing_twice(elder_a):
    approved_plan(elder_a, [("cleaning", 1, "day")])
    assert run()["created"] == 3

    assert run() == {"created": 0, "cancelled": 0, "dispatched": 0}
    assert generated(elder_a).count() == 3
    # The next day's run adds only the new last day.
    assert run(MONDAY)["created"] == 1


@override_settings(SHOUWANG_ORDER_PLAN_DAYS_AHEAD=3)
def test_a_plan_edit_changes_only_future_waiting_orders(elder_a, admitted_a, carer_a):
    approved_plan(elder_a, [("cleaning", 2, "day")])
    run()
    orders = list(generated(elder_a).order_by("window_start"))
    # Monday's 15:00 visit is already with a provider: the new plan does not ask for it, but it stays.
    dispatched = orders[1]
    dispatched.state, dispatched.provider = S.DISPATCHED, admitted_a
    dispatched.save()

    approved_plan(elder_a, [("cleaning", 1, "day"), ("meal", 1, "day")])
    totals = run()

    dispatched.refresh_from_db()
    assert dispatched.state == S.DISPATCHED
    live = generated(elder_a).exclude(state=S.CANCELLED)
    assert local_times(live.filter(lines__item__code="cleaning")) == [
        "Mon 09:00",
        "Mon 15:00",
        "Tue 09:00",
        "Wed 09:00",
    ]
    cancelled = generated(elder_a).filter(state=S.CANCELLED)
    assert local_times(cancelled) == ["Tue 15:00", "Wed 15:00"]
    assert (totals["created"], totals["cancelled"]) == (3, 2)
    for order in cancelled:
        assert order.transitions.get(to_state=S.CANCELLED).reason == "care plan changed"
        assert order.plan_key is None
    assert live.filter(lines__item__code="meal").count() == 3


@override_settings(SHOUWANG_ORDER_PLAN_DAYS_AHEAD=2)
def test_no_plan_any_more_cancels_the_waiting_orders(elder_a):
    plan = approved_plan(elder_a, [("visit", 1, "day")])
    run()
    plan.state = PlanState.SUPERSEDED
    plan.save()

    assert run() == {"created": 0, "cancelled": 2, "dispatched": 0}


@override_settings(SHOUWANG_ORDER_PLAN_DAYS_AHEAD=2)
def test_a_visit_asked_for_again_is_made_anew(elder_a):
    approved_plan(elder_a, [("visit", 1, "day")])
    run()
    approved_plan(elder_a, [("meal", 1, "day")])
    run()
    approved_plan(elder_a, [("visit", 1, "day")])

    assert run() == {"created": 2, "cancelled": 2, "dispatched": 0}


@override_settings(SHOUWANG_ORDER_PLAN_DAYS_AHEAD=2)
def test_a_manually_cancelled_visit_is_not_made_again(elder_a, operator):
    from shouwang.orders.services import cancel_order

    approved_plan(elder_a, [("visit", 1, "day")])
    run()
    first = generated(elder_a).order_by("window_start").first()
    cancel_order(actor=operator, order_id=first.pk, reason="In hospital that day")

    assert run() == {"created": 0, "cancelled": 0, "dispatched": 0}


def test_visits_are_spread_over_their_period():
    week = [MONDAY + dt.timedelta(days=n) for n in range(7)]
    assert [len(generation.visits_on(day, "bathing", 3, "week")) for day in week] == [1, 0, 1, 0, 1, 0, 0]
    assert generation.visits_on(MONDAY, "cleaning", 3, "day") == [8, 12, 16]
    assert generation.visits_on(dt.date(2030, 1, 1), "visit", 2, "month") == [9]
    assert generation.visits_on(dt.date(2030, 1, 16), "visit", 2, "month") == [9]


def test_the_jobs_are_registered():
    import shouwang.orders.tasks  # noqa: F401

    names = {job.name: job.every for job in registered_jobs()}
    assert names["orders.generate_plan_orders"] == dt.timedelta(hours=6)
    assert names["orders.expire_overdue"] == dt.timedelta(minutes=1)


@override_settings(SHOUWANG_ORDER_PLAN_DAYS_AHEAD=2)
def test_new_plan_orders_are_auto_dispatched_when_a_provider_may_take_them(elder_a, admitted_a, carer_a):
    approved_plan(elder_a, [("cleaning", 1, "day")])

    totals = generation.generate_orders()

    assert totals == {"created": 2, "cancelled": 0, "dispatched": 2}
    assert set(generated(elder_a).values_list("state", "provider_id")) == {(S.DISPATCHED, admitted_a.pk)}
