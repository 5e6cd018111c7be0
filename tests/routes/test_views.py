import json

from django.urls import reverse
from django.utils import timezone

from shouwang.routes import services
from shouwang.routes.models import PlanState, RoutePlan
from tests.orders import factories as of

from .conftest import accepted


def day_url(day):
    return f"{reverse('routes:day')}?day={day.isoformat()}"


def test_the_dispatcher_plans_sees_the_map_and_timeline_and_publishes(
    client, provider_admin_a, day_a, carers_a, settings
):
    settings.SHOUWANG_ROUTES_SECONDS = 1
    client.force_login(provider_admin_a)
    day = of.tomorrow()
    assert client.post(reverse("routes:plan"), {"day": day.isoformat()}).status_code == 302
    plan = RoutePlan.objects.get(provider=provider_admin_a.scope.provider_id)

    page = client.get(day_url(day))

    assert page.status_code == 200
    data = json.loads(page.context["map_data"] and json.dumps(page.context["map_data"]))
    assert {r["name"] for r in data["routes"]} <= {c.name for c in carers_a}
    assert sum(len(r["stops"]) for r in data["routes"]) == plan.stops.count()
    html = page.content.decode()
    assert 'id="route-data"' in html and "timeline-bar" in html
    assert client.post(reverse("routes:publish", args=[plan.pk])).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.PUBLISHED


def test_another_provider_gets_404_and_a_caregiver_403(
    client, provider_admin_a, provider_admin_b, day_a, carers_a
):
    plan = services.make_plan(actor=provider_admin_a, day=of.tomorrow(), seconds=1)
    client.force_login(provider_admin_b)
    assert client.post(reverse("routes:publish", args=[plan.pk])).status_code == 404
    assert client.post(reverse("routes:replan", args=[plan.pk])).status_code == 404
    page = client.get(day_url(of.tomorrow()))
    assert page.status_code == 200 and page.context["plan"] is None
    client.force_login(carers_a[0].user)
    assert client.get(day_url(of.tomorrow())).status_code == 403


def test_the_caregivers_phone_page_lists_the_published_day_in_planned_order(
    client, provider_admin_a, admitted_a, carers_a, elder_a
):
    today = timezone.localdate()
    late_window = accepted(admitted_a, elder_a, "08:00", hours=8, where=(43.851, 126.551))
    early_window = accepted(admitted_a, elder_a, "09:00", hours=1, where=(43.853, 126.556))
    for order in (late_window, early_window):
        order.window_start = order.window_start.replace(year=today.year, month=today.month, day=today.day)
        order.window_end = order.window_end.replace(year=today.year, month=today.month, day=today.day)
        order.save(update_fields=["window_start", "window_end"])
    plan = services.make_plan(actor=provider_admin_a, day=today, seconds=1)
    services.publish(actor=provider_admin_a, plan_id=plan.pk)
    stop = plan.stops.order_by("starts_at").first()
    client.force_login(stop.caregiver.user)

    page = client.get(reverse("orders:my_visits"))

    shown = [row.order.pk for row in page.context["rows"]]
    mine = list(
        plan.stops.filter(caregiver=stop.caregiver).order_by("position").values_list("order_id", flat=True)
    )
    assert shown == mine
    assert all(row.planned_at is not None for row in page.context["rows"])
