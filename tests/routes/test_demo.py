"""The demo district's route plan (read by tests/demo/test_demo_district.py, which seeds it once)."""

from django.utils import timezone

from shouwang.routes.models import PlanState, RoutePlan
from shouwang.routes.services import day_orders


def check_the_demo_has_a_draft_route_plan_for_today():
    plan = RoutePlan.objects.get(day=timezone.localdate())
    assert plan.state == PlanState.DRAFT
    orders = {o.pk for o in day_orders(plan.provider_id, plan.day)}
    planned = set(plan.stops.values_list("order_id", flat=True))
    unplanned = set(plan.unplanned.values_list("order_id", flat=True))
    # later steps of the loader move some of the day's orders on (in service, cancelled): the plan still
    # holds every order that is open, each once as planned or not planned
    assert orders <= planned | unplanned and not planned & unplanned
    assert planned, "the demo provider's caregivers get routes"
    assert set(plan.stops.values_list("caregiver__provider_id", flat=True)) <= {plan.provider_id}
