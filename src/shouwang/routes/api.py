"""The routes API: a provider's dispatcher plans a day, reads the plan (stops per caregiver, visits not
planned with the reason), publishes it and re-plans after a sick call. Only the user's own provider's
plans exist for them; any other is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from shouwang.core.errors import NotFound
from shouwang.core.schemas import Day, Id, MaxText

from . import selectors, services

router = Router(tags=["routes"])


class StopOut(Schema):
    caregiver_id: int
    order_id: int
    position: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    double: bool


class UnplannedOut(Schema):
    order_id: int
    reason: str


class PlanOut(Schema):
    id: int
    day: dt.date
    state: str
    travel_minutes: float
    reason: str
    replaces_id: int | None
    stops: list[StopOut]
    unplanned: list[UnplannedOut]

    @staticmethod
    def resolve_stops(plan):
        return list(plan.stops.order_by("caregiver_id", "position"))

    @staticmethod
    def resolve_unplanned(plan):
        return list(plan.unplanned.order_by("order_id"))


class PlanIn(Schema):
    day: Day


class ReplanIn(Schema):
    absent: list[Id] = Field(default_factory=list, max_length=500)
    reason: Annotated[str, MaxText(200)] = ""


@router.post("/plans", response={201: PlanOut}, summary="Plan a day for the provider's caregivers")
def create_plan(request, payload: PlanIn):
    plan = services.make_plan(actor=request.auth, day=payload.day)
    return Status(201, selectors.get_plan_for(request.auth, plan.pk))


@router.get("/plans", response=PlanOut, summary="The day's current plan")
def current(request, day: Day):
    plan = selectors.current_plan(request.auth, day)
    if plan is None:
        raise NotFound(_("This day has no plan yet."))
    return plan


@router.get("/plans/{int:route_plan_id}", response=PlanOut, summary="One plan")
def one(request, route_plan_id: Id):
    return selectors.get_plan_for(request.auth, route_plan_id)


@router.post(
    "/plans/{int:route_plan_id}/publish", response=PlanOut, summary="Publish a draft to the caregivers"
)
def publish(request, route_plan_id: Id):
    return services.publish(actor=request.auth, plan_id=route_plan_id)


@router.post(
    "/plans/{int:route_plan_id}/replan", response={201: PlanOut}, summary="Re-plan after a sick call"
)
def replan(request, route_plan_id: Id, payload: ReplanIn):
    plan = services.replan(
        actor=request.auth, plan_id=route_plan_id, absent=payload.absent, reason=payload.reason
    )
    return Status(201, plan)
