"""Reads of facilities, scoped: officials and region staff see the facilities in their region subtrees, a
provider's administrator only those its organisation runs. Missing and forbidden are the same NotFound."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.actors import is_system
from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of

from .models import ChangeState, Facility, FacilityChange, MealRecord, MonthlyFigures, Residency
from .permissions import may_read_coverage, may_read_facilities, may_read_meals


def facilities_for(user, *, kind: str = "", region: str = "", q: str = "") -> QuerySet[Facility]:
    """The facilities ``user`` may see, optionally of one kind, inside one region subtree, or by name."""
    if not (is_system(user) or may_read_facilities(user)):
        return Facility.objects.none()
    facilities = Facility.objects.select_related("provider", "community")
    facilities = scope_of(user).filter(facilities, region="community__code", provider="provider_id")
    if kind:
        facilities = facilities.filter(kind=kind)
    if region:
        from shouwang.regions.models import prefix_of

        facilities = facilities.filter(community__code__startswith=prefix_of(region))
    if q:
        facilities = facilities.filter(Q(name__contains=q) | Q(address__contains=q))
    return facilities


def get_facility_for(user, facility_id: int) -> Facility:
    try:
        return facilities_for(user).get(pk=facility_id)
    except Facility.DoesNotExist:
        raise NotFound(_("This facility does not exist or is outside your area.")) from None


def changes_for(user, *, state: str = "") -> QuerySet[FacilityChange]:
    """Change requests on the facilities ``user`` may see, newest first."""
    changes = FacilityChange.objects.filter(facility__in=facilities_for(user).values("pk"))
    if state:
        changes = changes.filter(state=state)
    return changes.select_related("facility", "requested_by", "decided_by")


def pending_changes_for(user) -> QuerySet[FacilityChange]:
    return changes_for(user, state=ChangeState.PENDING)


def monthly_for(user, facility_id: int) -> QuerySet[MonthlyFigures]:
    return get_facility_for(user, facility_id).monthly.all()


def residents_for(user, facility_id: int) -> QuerySet[Residency]:
    """The elders living in the facility now (the operator sees them as it sees elders of its orders:
    names only; ID numbers are never part of this list)."""
    facility = get_facility_for(user, facility_id)
    return facility.residencies.filter(until__isnull=True).select_related("elder")


def meals_for(user, *, facility_id: int | None = None, flagged: bool = False) -> QuerySet[MealRecord]:
    if not (is_system(user) or may_read_meals(user)):
        return MealRecord.objects.none()
    meals = MealRecord.objects.filter(facility__in=facilities_for(user).values("pk"))
    if facility_id is not None:
        meals = meals.filter(facility_id=facility_id)
    if flagged:
        meals = meals.exclude(flag="")
    return meals.select_related("facility", "elder")


def meal_counts(
    user, *, facility_id: int | None = None, month: dt.date | None = None, by: str = "day"
) -> list[dict]:
    """Meals served and subsidy spent, by ``day`` (within ``month`` when given) or by ``month``; each row
    has ``period``, ``meals``, ``flagged`` and ``subsidy_fen``."""
    meals = meals_for(user, facility_id=facility_id)
    if month is not None:
        start = month.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        meals = meals.filter(day__gte=start, day__lt=end)
    if by == "month":
        from django.db.models.functions import TruncMonth

        meals = meals.annotate(period=TruncMonth("day"))
    else:
        from django.db.models import F

        meals = meals.annotate(period=F("day"))
    rows = (
        meals.values("period")
        .annotate(meals=Count("pk"), flagged=Count("pk", filter=~Q(flag="")), subsidy_fen=Sum("subsidy_fen"))
        .order_by("period")
    )
    return [
        {**row, "period": row["period"].date() if isinstance(row["period"], dt.datetime) else row["period"]}
        for row in rows
    ]


def coverage_visible(user) -> bool:
    return may_read_coverage(user)


# An operator's figures for a month are due by this day of the next month.
FIGURES_DUE_DAY = 15


@dataclass(frozen=True)
class MissingFigures:
    facility: Facility
    month: dt.date
    due: dt.date
    last_reported: dt.date | None


def _last_month_due(today: dt.date) -> tuple[dt.date, dt.date]:
    """The latest month whose figures are past due on ``today``, and their due day."""
    this_month = today.replace(day=1)
    due = this_month.replace(day=FIGURES_DUE_DAY)
    if today <= due:  # last month's are not due yet: the month before is the latest past due
        this_month = (this_month - dt.timedelta(days=1)).replace(day=1)
        due = this_month.replace(day=FIGURES_DUE_DAY)
    return (this_month - dt.timedelta(days=1)).replace(day=1), due


def missing_figures(user, *, today: dt.date | None = None) -> list[MissingFigures]:
    """Facilities in operation, among those ``user`` may see, whose operator has not reported the figures
    of the latest month past its due day: those registered before that month ended or reporting earlier
    other months (a facility registered since owes nothing for it), with the last month each reported."""
    month, due = _last_month_due(today or timezone.localdate())
    month_end = (month + dt.timedelta(days=32)).replace(day=1)
    facilities = facilities_for(user).filter(active=True)
    last = dict(
        MonthlyFigures.objects.filter(facility__in=facilities.values("pk"))
        .values("facility_id")
        .annotate(last=Max("month"))
        .values_list("facility_id", "last")
    )
    done = set(
        MonthlyFigures.objects.filter(facility__in=facilities.values("pk"), month=month).values_list(
            "facility_id", flat=True
        )
    )
    missing = []
    for facility in facilities.order_by("community_id", "name"):
        reported = last.get(facility.pk)
        operating = facility.created_at.date() < month_end or reported is not None
        if facility.pk not in done and operating:
            missing.append(MissingFigures(facility, month, due, reported))
    return missing
