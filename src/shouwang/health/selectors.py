"""Reads of health records, always through the acting user's scope: an elder's record is reached through
``elders.selectors.elders_for`` (missing and out of scope are the same NotFound)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shouwang.core.actors import is_system
from shouwang.core.errors import NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.elders.models import Elder
from shouwang.elders.selectors import elders_for

from .codes import KIND_MEASURES, MEASURES, Measure
from .models import CareTask, CareTaskState, ElderCondition, HealthSummary, Vital, VitalKind, VitalThreshold
from .permissions import may_read_health, may_work_care_tasks, reaches_through_visits

NOT_FOUND = _("This elder does not exist or is outside your area.")


def health_elder_for(user, elder_id) -> Elder:
    """The elder, when the user may read health records and reaches the elder; else NotFound."""
    if not is_system(user) and not may_read_health(user):
        raise NotFound(str(NOT_FOUND))
    try:
        return health_elders_for(user).get(pk=elder_id)
    except (Elder.DoesNotExist, ValueError, TypeError):
        raise NotFound(str(NOT_FOUND)) from None


def health_elders_for(user) -> QuerySet[Elder]:
    """The elders whose health records the user reaches: their scope's, and a caregiver's current visits'."""
    elders = elders_for(user)
    if not reaches_through_visits(user):
        return elders
    from shouwang.orders.evv import caregiver_orders
    from shouwang.orders.models import OrderState

    visiting = caregiver_orders(user).filter(state__in=[OrderState.ASSIGNED, OrderState.IN_SERVICE])
    return Elder.objects.select_related("community").filter(
        Q(pk__in=elders.values("pk")) | Q(pk__in=visiting.values("elder_id"))
    )


def summary_of(elder: Elder) -> HealthSummary:
    """The elder's summary, or an empty unsaved one (an elder nobody recorded anything for)."""
    try:
        return elder.health_summary
    except HealthSummary.DoesNotExist:
        return HealthSummary(elder=elder)


def conditions_of(elder: Elder) -> QuerySet[ElderCondition]:
    return ElderCondition.objects.filter(elder=elder).select_related("code")


def vitals_for(user, elder_id, *, kind: str = "", since: dt.datetime | None = None) -> QuerySet[Vital]:
    """One elder's readings, newest first, of one kind and since a moment when given."""
    elder = health_elder_for(user, elder_id)
    if kind and kind not in VitalKind.values:
        raise ValidationFailed(
            _("Unknown kind of vital sign: %(kind)s.") % {"kind": kind}, errors={"kind": _("Unknown kind.")}
        )
    vitals = Vital.objects.filter(elder=elder)
    if kind:
        vitals = vitals.filter(kind=kind)
    if since is not None:
        vitals = vitals.filter(measured_at__gte=since)
    return vitals


def latest_vitals(elder: Elder) -> list[Vital]:
    """The latest reading of each kind, in the order of the kinds."""
    latest = []
    for kind in VitalKind.values:
        if reading := Vital.objects.filter(elder=elder, kind=kind).first():
            latest.append(reading)
    return latest


def thresholds_of(elder: Elder) -> dict[str, Measure]:
    """Each measure with the elder's own bounds where a row sets them, else the defaults."""
    own = {row.measure: row for row in VitalThreshold.objects.filter(elder=elder)}
    bounds = {}
    for name, measure in MEASURES.items():
        row = own.get(name)
        bounds[name] = (
            measure
            if row is None
            else Measure(
                name,
                measure.unit,
                measure.loinc,
                measure.plausible,
                row.low,
                row.high,
                row.urgent_low,
                row.urgent_high,
            )
        )
    return bounds


def care_tasks_for(user) -> QuerySet[CareTask]:
    """The care tasks of the user's regions (community workers and the bureau)."""
    if not may_work_care_tasks(user):
        return CareTask.objects.none()
    return scope_of(user).filter(
        CareTask.objects.select_related("elder", "vital", "community"), region="community__code"
    )


def open_care_tasks_for(user) -> QuerySet[CareTask]:
    return care_tasks_for(user).filter(state=CareTaskState.OPEN)


def measures_of(kind: str) -> tuple[str, ...]:
    return KIND_MEASURES[kind]
