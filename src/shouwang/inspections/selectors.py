"""Reads of supervision, scoped: officials see the inspections of targets in their regions, a provider's
administrator those of its organisation and its facilities, a childcare institution's account its own.
Missing and forbidden are the same NotFound."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shouwang.core.actors import is_system
from shouwang.core.errors import NotFound
from shouwang.core.scope import scope_of

from .models import Finding, Inspection, InspectionPlan, InspectionState, TargetKind
from .permissions import may_plan_inspections, may_read_inspections


def inspections_for(
    user, *, target_kind: str = "", state: str = "", plan_id: int | None = None
) -> QuerySet[Inspection]:
    inspections = Inspection.objects.select_related("plan")
    if is_system(user):
        pass
    elif not may_read_inspections(user):
        return Inspection.objects.none()
    elif getattr(user, "role", "") == "childcare_admin":
        from shouwang.childcare.selectors import institutions_for

        own = institutions_for(user).values_list("pk", flat=True)
        inspections = inspections.filter(target_kind=TargetKind.CHILDCARE, target_id__in=list(own))
    else:
        inspections = scope_of(user).filter(inspections, region="region_code", provider="provider_id")
    if target_kind:
        inspections = inspections.filter(target_kind=target_kind)
    if state:
        inspections = inspections.filter(state=state)
    if plan_id is not None:
        inspections = inspections.filter(plan_id=plan_id)
    return inspections


def get_inspection_for(user, inspection_id: int) -> Inspection:
    try:
        return inspections_for(user).get(pk=inspection_id)
    except Inspection.DoesNotExist:
        raise NotFound(_("This inspection does not exist or is outside your area.")) from None


def findings_for(user, *, state: str = "") -> QuerySet[Finding]:
    findings = Finding.objects.filter(inspection__in=inspections_for(user).values("pk")).select_related(
        "inspection"
    )
    return findings.filter(state=state) if state else findings


def get_finding_for(user, finding_id: int) -> Finding:
    try:
        return findings_for(user).get(pk=finding_id)
    except Finding.DoesNotExist:
        raise NotFound(_("This finding does not exist or is outside your area.")) from None


def plans_for(user) -> QuerySet[InspectionPlan]:
    if not (is_system(user) or may_plan_inspections(user)):
        return InspectionPlan.objects.none()
    return scope_of(user).filter(InspectionPlan.objects.select_related("region"), region="region__code")


def get_plan_for(user, plan_id: int) -> InspectionPlan:
    try:
        return plans_for(user).get(pk=plan_id)
    except InspectionPlan.DoesNotExist:
        raise NotFound(_("This inspection plan does not exist or is outside your area.")) from None


def published_inspections() -> QuerySet[Inspection]:
    """一公开: the results anyone may read — target, date, summary and the findings' severities and states."""
    return (
        Inspection.objects.filter(state=InspectionState.PUBLISHED)
        .select_related("plan")
        .prefetch_related("findings")
        .order_by("-inspected_on", "target_name")
    )
