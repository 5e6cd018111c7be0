"""The dispatcher's route page: pick a day, plan it, see the plan as a map and a timeline per caregiver,
the visits that could not be placed and why; publish; re-plan after a sick call or changed orders."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core.forms import optional_date, perform
from shouwang.core.scope import scope_of
from shouwang.providers.models import StaffJob, StaffMember
from shouwang.web.decorators import console_page

from . import selectors, services
from .models import PlanState

# One colour a route on the map and in the timeline (ColorBrewer "Dark2" and "Set1", readable on white).
COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#e41a1c", "#377eb8")
DAY_START, DAY_END = 6 * 60, 20 * 60  # the timeline's span, minutes from midnight


def _day(raw: str | None) -> dt.date:
    return optional_date(raw) or timezone.localdate() + dt.timedelta(days=1)


def _minutes(moment: dt.datetime) -> int:
    local = timezone.localtime(moment)
    return local.hour * 60 + local.minute


def _routes(plan) -> list[dict]:
    """Per caregiver: the stops in order with where and when, a colour, and timeline bar offsets."""
    routes: dict[int, dict] = {}
    span = DAY_END - DAY_START
    for stop in plan.stops.select_related("caregiver", "order__elder").order_by("caregiver_id", "position"):
        route = routes.setdefault(
            stop.caregiver_id,
            {"caregiver": stop.caregiver, "stops": [], "colour": COLOURS[len(routes) % len(COLOURS)]},
        )
        start, end = _minutes(stop.starts_at), _minutes(stop.ends_at)
        route["stops"].append(
            {
                "stop": stop,
                "lat": stop.order.lat if stop.order.lat is not None else stop.order.elder.lat,
                "lon": stop.order.lon if stop.order.lon is not None else stop.order.elder.lon,
                "left": round(100 * max(0, start - DAY_START) / span, 2),
                "width": round(100 * max(1, end - start) / span, 2),
            }
        )
    return list(routes.values())


def _map_data(routes: list[dict]) -> dict:
    return {
        "tiles": settings.SHOUWANG_MAP_TILES_URL,
        "attribution": settings.SHOUWANG_MAP_ATTRIBUTION,
        "routes": [
            {
                "name": route["caregiver"].name,
                "colour": route["colour"],
                "home": [route["caregiver"].home_lat, route["caregiver"].home_lon]
                if route["caregiver"].home_lat is not None
                else None,
                "stops": [
                    {
                        "lat": s["lat"],
                        "lon": s["lon"],
                        "label": f"{s['stop'].position + 1}. "
                        f"{timezone.localtime(s['stop'].starts_at):%H:%M} {s['stop'].order.elder.name}",
                    }
                    for s in route["stops"]
                    if s["lat"] is not None
                ],
            }
            for route in routes
        ],
    }


@console_page("routes:day")
def day_plan(request):
    day = _day(request.GET.get("day"))
    plan = selectors.current_plan(request.user, day)
    routes = _routes(plan) if plan else []
    # the page is for provider dispatchers only (permissions.ROUTE_PAGE_ROLES): their scope names it
    provider_id = scope_of(request.user).provider_id or 0
    caregivers = StaffMember.objects.filter(
        provider_id=provider_id, active=True, job=StaffJob.CAREGIVER
    ).order_by("name")
    return render(
        request,
        "routes/day.html",
        {
            "day": day,
            "plan": plan,
            "routes": routes,
            "map_data": _map_data(routes) if plan else None,
            "unplanned": plan.unplanned.select_related("order__elder").order_by("order__window_start")
            if plan
            else [],
            "caregivers": caregivers,
            "draft": plan is not None and plan.state == PlanState.DRAFT,
            "hours": [
                {"label": f"{h:02d}:00", "left": round(100 * (h * 60 - DAY_START) / (DAY_END - DAY_START), 2)}
                for h in range(DAY_START // 60, DAY_END // 60 + 1, 2)
            ],
        },
    )


def _back(day: dt.date):
    return redirect(f"{reverse('routes:day')}?day={day.isoformat()}")


@require_POST
@console_page("routes:day")
def plan_day(request):
    day = optional_date(request.POST.get("day"))
    perform(request, lambda: services.make_plan(actor=request.user, day=day), _("The day is planned."))
    return _back(day or _day(None))


@require_POST
@console_page("routes:day")
def publish(request, route_plan_id: int):
    plan = selectors.get_plan_for(request.user, route_plan_id)
    perform(
        request,
        lambda: services.publish(actor=request.user, plan_id=plan.pk),
        _("Published: every caregiver now sees the day in order."),
    )
    return _back(plan.day)


@require_POST
@console_page("routes:day")
def replan(request, route_plan_id: int):
    plan = selectors.get_plan_for(request.user, route_plan_id)
    absent = [int(v) for v in request.POST.getlist("absent") if v.isdigit()]
    perform(
        request,
        lambda: services.replan(
            actor=request.user, plan_id=plan.pk, absent=absent, reason=request.POST.get("reason", "")[:200]
        ),
        _("Re-planned; routes that did not need to change are as they were."),
    )
    return _back(plan.day)
