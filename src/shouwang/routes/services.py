"""Planning a provider's day: the day's accepted and assigned orders and the provider's caregivers become
an engine ``Day`` (engine/day.py), the answer a ``RoutePlan``. Publishing gives every order its planned
caregiver (so each caregiver's phone lists the day in order); re-planning after a sick call, a cancelled or
an added order keeps the routes it need not touch. Every change is audited; who may plan is
``permissions.may_plan_routes``, which provider is the user's scope."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.catalog.models import Certificate
from shouwang.core import audit
from shouwang.core.actors import as_user
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.orders.models import Order, OrderState
from shouwang.orders.states import advance
from shouwang.providers.models import StaffJob, StaffMember
from shouwang.providers.staff import WEEKDAYS

from .engine import day as engine
from .models import PlannedStop, PlanState, RoutePlan, UnplannedReason, UnplannedVisit
from .permissions import may_plan_routes
from .selectors import get_plan_for

PLANNED_STATES = (OrderState.ACCEPTED, OrderState.ASSIGNED)
REASON_CODES = {
    engine.NO_QUALIFIED: UnplannedReason.NO_QUALIFIED,
    engine.NO_SHIFT: UnplannedReason.NO_SHIFT,
    engine.NO_PAIR: UnplannedReason.NO_PAIR,
    engine.NO_ROOM: UnplannedReason.NO_ROOM,
}


def _provider_of(actor) -> int:
    if not may_plan_routes(actor):
        raise Forbidden(_("Only a provider's dispatcher plans its caregivers' routes."))
    provider_id = scope_of(actor).provider_id
    if provider_id is None:
        raise Forbidden(_("Your account belongs to no provider."))
    return provider_id


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _clock(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def day_orders(provider_id: int, day: dt.date):
    start = _midnight(day)
    return (
        Order.objects.filter(
            provider_id=provider_id,
            state__in=PLANNED_STATES,
            window_start__gte=start,
            window_start__lt=start + dt.timedelta(days=1),
        )
        .select_related("elder")
        .prefetch_related("lines__item")
        .order_by("window_start", "pk")
    )


def _caregivers(
    provider_id: int, day: dt.date, fallback: tuple[float, float] | None
) -> list[engine.Caregiver]:
    staff = StaffMember.objects.filter(provider_id=provider_id, active=True, job=StaffJob.CAREGIVER)
    people = []
    for member in staff.prefetch_related("certificates").order_by("pk"):
        ranges = (member.weekly_shifts or {}).get(WEEKDAYS[day.weekday()], [])
        home = (member.home_lat, member.home_lon) if member.home_lat is not None else fallback
        if not ranges or home is None or home[1] is None:
            continue
        certificates = {f"cert:{c.kind}" for c in member.certificates.all() if c.is_valid_on(day)}
        people.append(
            engine.Caregiver(
                member.pk,
                home[0],
                home[1],
                tuple((_clock(a), _clock(b)) for a, b in ranges),
                frozenset(member.skills or []) | certificates,
                settings.SHOUWANG_ROUTES_MODE,
            )
        )
    return people


def _visit(order: Order, midnight: dt.datetime, preferred: int | None) -> engine.Visit | None:
    lat = order.lat if order.lat is not None else order.elder.lat
    lon = order.lon if order.lon is not None else order.elder.lon
    if lat is None or lon is None:
        return None
    lines = list(order.lines.all())
    minutes = sum(line.item.standard_minutes * line.quantity for line in lines)
    early = int((order.window_start - midnight).total_seconds())
    window = int((order.window_end - order.window_start).total_seconds())
    duration = min(minutes * 60, window) or window
    skills = {line.item.code for line in lines}
    skills |= {
        f"cert:{line.item.required_certificate}"
        for line in lines
        if line.item.required_certificate and line.item.required_certificate != Certificate.NONE
    }
    double = any(line.item.code in settings.SHOUWANG_ROUTES_DOUBLE_ITEMS for line in lines)
    return engine.Visit(
        order.pk, lat, lon, early, early + window - duration, duration, frozenset(skills), double, preferred
    )


def build_day(provider_id: int, day: dt.date) -> tuple[engine.Day, list[Order], list[Order]]:
    """The engine's day, the orders in it, and the orders that cannot be placed (no coordinates)."""
    from shouwang.providers.models import Provider

    provider = Provider.objects.get(pk=provider_id)
    midnight = _midnight(day)
    orders = list(day_orders(provider_id, day))
    visits, unplaceable = [], []
    for order in orders:
        visit = _visit(order, midnight, order.caregiver_id)
        if visit is None:
            unplaceable.append(order)
        else:
            visits.append(visit)
    fallback = (provider.lat, provider.lon) if provider.lat is not None and provider.lon is not None else None
    caregivers = _caregivers(provider_id, day, fallback)
    travel = engine.Day(
        caregivers,
        visits,
        speeds=dict(settings.SHOUWANG_ROUTES_SPEEDS),
        detour=settings.SHOUWANG_DETOUR_FACTOR,
    )
    return travel, orders, unplaceable


@transaction.atomic
def _save(
    actor, provider_id, day, result: engine.DayPlan, travel: engine.Day, unplaceable, replaces=None, reason=""
):
    midnight = _midnight(day)
    superseded = RoutePlan.objects.select_for_update().filter(
        provider_id=provider_id, day=day, state=PlanState.DRAFT
    )
    superseded.update(state=PlanState.SUPERSEDED)
    plan = RoutePlan.objects.create(
        provider_id=provider_id,
        day=day,
        created_by=as_user(actor),
        replaces=replaces,
        reason=reason,
        travel_minutes=round(result.travel_minutes, 1),
    )
    double = {v.key for v in travel.visits if v.double}
    PlannedStop.objects.bulk_create(
        [
            PlannedStop(
                plan=plan,
                caregiver_id=caregiver,
                order_id=stop.visit,
                position=position,
                starts_at=midnight + dt.timedelta(seconds=stop.start),
                ends_at=midnight + dt.timedelta(seconds=stop.end),
                double=stop.visit in double,
            )
            for caregiver, stops in result.routes.items()
            for position, stop in enumerate(stops)
        ]
    )
    UnplannedVisit.objects.bulk_create(
        [
            UnplannedVisit(plan=plan, order_id=key, reason=REASON_CODES[why])
            for key, why in result.unassigned.items()
        ]
        + [UnplannedVisit(plan=plan, order=order, reason=UnplannedReason.NO_PLACE) for order in unplaceable]
    )
    audit.record(
        actor=actor,
        action="replan" if replaces else "plan",
        obj=plan,
        provider_id=provider_id,
        after={
            "day": day.isoformat(),
            "stops": sum(len(s) for s in result.routes.values()),
            "unplanned": len(result.unassigned) + len(unplaceable),
            "reason": reason,
        },
    )
    return plan


def make_plan(*, actor, day: dt.date | None, seconds: float | None = None) -> RoutePlan:
    """A new draft plan of ``day`` for the actor's provider (the day's earlier draft is superseded)."""
    provider_id = _provider_of(actor)
    if day is None:
        message = _("Choose the day to plan.")
        raise ValidationFailed(message, errors={"day": message})
    return plan_provider_day(actor=actor, provider_id=provider_id, day=day, seconds=seconds)


def plan_provider_day(*, actor, provider_id: int, day: dt.date, seconds: float | None = None) -> RoutePlan:
    """The planning itself, for a provider already checked (``make_plan``) or for the platform (the demo)."""
    travel, _orders, unplaceable = build_day(provider_id, day)
    result = engine.plan_day(travel, seconds=seconds or settings.SHOUWANG_ROUTES_SECONDS)
    return _save(actor, provider_id, day, result, travel, unplaceable)


def _as_engine_plan(plan: RoutePlan) -> engine.DayPlan:
    midnight = _midnight(plan.day)
    routes: dict[int, list[engine.Stop]] = {}
    for stop in plan.stops.order_by("caregiver_id", "position"):
        routes.setdefault(stop.caregiver_id, []).append(
            engine.Stop(
                stop.order_id,
                int((stop.starts_at - midnight).total_seconds()),
                int((stop.ends_at - midnight).total_seconds()),
            )
        )
    unassigned = {u.order_id: engine.NO_ROOM for u in plan.unplanned.all()}
    return engine.DayPlan(routes=routes, unassigned=unassigned)


def replan(*, actor, plan_id: int, absent: list[int] | None = None, reason: str = "") -> RoutePlan:
    """A new draft from ``plan_id`` after caregivers called in sick (``absent`` staff ids) and orders of the
    day were cancelled or added since; routes not concerned stay as they were."""
    provider_id = _provider_of(actor)
    old = get_plan_for(actor, plan_id)
    if old.state == PlanState.SUPERSEDED:
        raise Conflict(_("This plan has been replaced; re-plan from the current one."))
    away = set(absent or [])
    mine = set(StaffMember.objects.filter(provider_id=provider_id, pk__in=away).values_list("pk", flat=True))
    if mine != away:
        message = _("Choose caregivers of your own provider.")
        raise ValidationFailed(message, errors={"absent": message})
    travel, orders, unplaceable = build_day(provider_id, old.day)
    previous = _as_engine_plan(old)
    current = {o.pk for o in orders}
    dropped = {key for stops in previous.routes.values() for key in (s.visit for s in stops)} - current
    dropped |= set(previous.unassigned) - current
    # previously unplanned orders are tried again
    previous.unassigned = {}
    result = engine.replan_day(travel, previous, absent=away, dropped=dropped)
    return _save(
        actor, provider_id, old.day, result, travel, unplaceable, replaces=old, reason=reason or _("re-plan")
    )


@transaction.atomic
def publish(*, actor, plan_id: int) -> RoutePlan:
    """Publish a draft: each order gets its planned caregiver (the first of two for a double visit), and
    the day's earlier published plan is superseded."""
    _provider_of(actor)
    plan = get_plan_for(actor, plan_id)
    plan = RoutePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state != PlanState.DRAFT:
        raise Conflict(_("Only a draft plan can be published."))
    RoutePlan.objects.filter(provider_id=plan.provider_id, day=plan.day, state=PlanState.PUBLISHED).update(
        state=PlanState.SUPERSEDED
    )
    firsts: dict[int, int] = {}
    for stop in plan.stops.order_by("starts_at", "caregiver_id"):
        firsts.setdefault(stop.order_id, stop.caregiver_id)
    orders = Order.objects.select_for_update().filter(pk__in=firsts, provider_id=plan.provider_id)
    for order in orders.select_related("community"):
        staff_id = firsts[order.pk]
        if order.state == OrderState.ACCEPTED or order.caregiver_id != staff_id:
            advance(
                order,
                OrderState.ASSIGNED,
                actor=actor,
                reason=_("route plan"),
                details={"plan": plan.pk, "caregiver": staff_id},
                fields={"caregiver_id": staff_id},
            )
    plan.state = PlanState.PUBLISHED
    plan.published_at = timezone.now()
    plan.save(update_fields=["state", "published_at", "updated_at"])
    audit.record(
        actor=actor, action="publish", obj=plan, provider_id=plan.provider_id, after={"state": plan.state}
    )
    return plan
