"""The supervision report of a region and quarter: inspections made by sector, findings raised by
severity, and how their rectification went — closed (on time or late), still open, overdue, escalated."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models import F as column
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import Forbidden, NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.regions.models import Region, prefix_of

from .models import Finding, FindingState, Inspection, Severity, TargetKind
from .permissions import may_plan_inspections


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    if not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
        message = _("Choose a quarter 1 to 4 of a year between 2000 and 2100.")
        raise ValidationFailed(message, errors={"quarter": message})
    first = dt.date(year, 3 * quarter - 2, 1)
    following = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, following - dt.timedelta(days=1)


def supervision_report(
    user, *, region_code: str, year: int, quarter: int, today: dt.date | None = None
) -> dict:
    if not may_plan_inspections(user):
        raise Forbidden(_("Your role may not read the supervision report."))
    region = Region.objects.filter(code=region_code).first()
    if region is None or not scope_of(user).covers_region(region.code):
        raise NotFound(_("This region does not exist or is outside your area."))
    first, last = quarter_bounds(year, quarter)
    today = today or timezone.localdate()
    as_of = min(today, last)
    inspections = Inspection.objects.filter(
        region_code__startswith=prefix_of(region.code), inspected_on__range=(first, last)
    )
    by_kind = dict(inspections.values_list("target_kind").annotate(n=Count("pk")).order_by())
    findings = Finding.objects.filter(inspection__in=inspections)
    F = FindingState
    counts = findings.aggregate(
        raised=Count("pk"),
        closed=Count("pk", filter=Q(state=F.CLOSED)),
        closed_on_time=Count("pk", filter=Q(state=F.CLOSED, reinspected_on__lte=column("rectify_by"))),
        open=Count("pk", filter=Q(state__in=[F.OPEN, F.RESPONDED])),
        overdue=Count("pk", filter=Q(state__in=[F.OPEN, F.RESPONDED], rectify_by__lt=as_of)),
        escalated=Count("pk", filter=Q(state=F.ESCALATED)),
    )
    by_severity = dict(findings.values_list("severity").annotate(n=Count("pk")).order_by())
    raised = counts["raised"]
    return {
        "region": region.code,
        "name": region.name,
        "year": year,
        "quarter": quarter,
        "first_day": first,
        "last_day": last,
        "inspections": sum(by_kind.values()),
        "inspections_by_kind": {kind: by_kind.get(kind, 0) for kind in TargetKind.values},
        "findings_by_severity": {severity: by_severity.get(severity, 0) for severity in Severity.values},
        **counts,
        "rectification_rate": round(counts["closed"] / raised, 3) if raised else None,
        "escalations": list(
            findings.filter(state=F.ESCALATED).select_related("inspection").order_by("escalated_at", "pk")
        ),
    }
