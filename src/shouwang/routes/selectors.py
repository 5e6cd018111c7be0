"""Reads of route plans, always within the user's provider: missing and forbidden are one NotFound."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of

from .models import PlanState, RoutePlan


def plans_for(user) -> QuerySet[RoutePlan]:
    return scope_of(user).filter(RoutePlan.objects.select_related("provider"), provider="provider_id")


def get_plan_for(user, plan_id: int) -> RoutePlan:
    try:
        return plans_for(user).get(pk=plan_id)
    except (RoutePlan.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This route plan does not exist or is not your provider's.")) from None


def current_plan(user, day: dt.date) -> RoutePlan | None:
    """The day's plan that is not superseded, newest first."""
    return plans_for(user).filter(day=day).exclude(state=PlanState.SUPERSEDED).order_by("-pk").first()


def published_stops_of(staff, day: dt.date):
    """A caregiver's published stops of ``day`` in order (the phone page lists them)."""
    from .models import PlannedStop

    return (
        PlannedStop.objects.filter(caregiver=staff, plan__day=day, plan__state=PlanState.PUBLISHED)
        .select_related("order__elder")
        .order_by("position")
    )


def planned_starts_for(user, day: dt.date) -> dict[int, dt.datetime]:
    """For a caregiver's login: order id -> planned start in the day's published plan (empty if none)."""
    from .models import PlannedStop

    stops = PlannedStop.objects.filter(
        caregiver__user=user, plan__day=day, plan__state=PlanState.PUBLISHED
    ).values_list("order_id", "starts_at")
    return dict(stops)
