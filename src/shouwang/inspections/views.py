"""Console pages of supervision: inspections (list, one with its findings and the buttons of whoever may
act), rounds (drawing one, its draw with seed and pools, publishing), the quarterly report; and the
published results (一公开) for anyone, without login."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shouwang.core.errors import DomainError
from shouwang.core.forms import attach_error, optional_int, perform
from shouwang.core.scope import scope_of
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope
from shouwang.web.decorators import console_page, roles_page

from . import permissions
from .forms import EscalationForm, PlanForm, ReinspectionForm, ResponseForm, ResultsForm
from .models import FindingState, InspectionState, TargetKind
from .report import supervision_report
from .selectors import (
    get_finding_for,
    get_inspection_for,
    get_plan_for,
    inspections_for,
    plans_for,
    published_inspections,
)
from .services import create_plan, draw_reproduced, escalate, publish_plan, record_results, reinspect, respond


@console_page("inspections:list")
def inspection_list(request):
    kind = request.GET.get("target_kind", "")
    state = request.GET.get("state", "")
    inspections = inspections_for(
        request.user,
        target_kind=kind if kind in TargetKind.values else "",
        state=state if state in InspectionState.values else "",
    )
    return render(
        request,
        "inspections/inspection_list.html",
        {
            "inspections": inspections.prefetch_related("findings")[:500],
            "plans": plans_for(request.user)[:50],
            "kinds": TargetKind.choices,
            "states": InspectionState.choices,
            "kind": kind,
            "state": state,
            "may_plan": permissions.may_plan_inspections(request.user),
        },
    )


def _planning_regions(user):
    return regions_in_scope(scope_of(user)).filter(level__lte=Level.STREET).order_by("code")[:300]


@roles_page(permissions.INSPECTION_PLANNERS)
def plan_create(request):
    form = PlanForm(request.POST or None, regions=_planning_regions(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = create_plan(
                actor=request.user, title=data["title"], region_code=data["region"],
                target_kind=data["target_kind"],
                sample_size=data["sample_size"], inspectors_per_target=data["inspectors_per_target"],
                due_on=data["due_on"],
            )  # fmt: skip
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The round was drawn."))
            return redirect("inspections:plan", round_id=plan.pk)
    return render(request, "inspections/plan_form.html", {"form": form})


@roles_page(permissions.INSPECTION_PLANNERS)
def plan_detail(request, round_id: int):
    plan = get_plan_for(request.user, round_id)
    return render(
        request,
        "inspections/plan_detail.html",
        {
            "plan": plan,
            "inspections": plan.inspections.order_by("id").prefetch_related("inspectors", "findings"),
            "reproduced": draw_reproduced(plan),
        },
    )


@require_POST
@roles_page(permissions.INSPECTION_PLANNERS)
def plan_publish(request, round_id: int):
    perform(
        request, lambda: publish_plan(actor=request.user, plan_id=round_id), _("The results are published.")
    )
    return redirect("inspections:plan", round_id=round_id)


@console_page("inspections:list")
def inspection_detail(request, inspection_id: int):
    inspection = get_inspection_for(request.user, inspection_id)
    results = ResultsForm(request.POST or None, initial={"inspected_on": timezone.localdate()})
    if request.method == "POST" and results.is_valid():
        try:
            record_results(
                actor=request.user, inspection_id=inspection.pk,
                inspected_on=results.cleaned_data["inspected_on"],
                summary=results.cleaned_data["summary"], findings=results.finding_rows(),
            )  # fmt: skip
        except DomainError as error:
            attach_error(results, error)
        else:
            messages.success(request, _("The inspection is recorded."))
            return redirect("inspections:detail", inspection_id=inspection.pk)
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "findings": inspection.findings.all(),
            "inspectors": inspection.inspectors.all(),
            "results_form": results,
            "may_record": permissions.may_plan_inspections(request.user)
            and inspection.state == InspectionState.PLANNED,
            "may_judge": permissions.may_plan_inspections(request.user),
            "may_respond": permissions.may_respond_to_findings(request.user),
            "response_form": ResponseForm(),
            "reinspection_form": ReinspectionForm(),
            "escalation_form": EscalationForm(),
            "F": FindingState,
        },
    )


@require_POST
@console_page("inspections:list")
def finding_action(request, finding_id: int, action: str):
    finding = get_finding_for(request.user, finding_id)
    forms = {
        "respond": ResponseForm,
        "pass": ReinspectionForm,
        "fail": ReinspectionForm,
        "escalate": EscalationForm,
    }
    form = forms.get(action, EscalationForm)(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    steps = {
        "respond": lambda: respond(
            actor=request.user, finding_id=finding.pk, response=data.get("response", ""),
            evidence=(data.get("evidence") or "").splitlines(),
        ),
        "pass": lambda: reinspect(
            actor=request.user, finding_id=finding.pk, passed=True, note=data.get("note", "")
        ),
        "fail": lambda: reinspect(
            actor=request.user, finding_id=finding.pk, passed=False, note=data.get("note", ""),
            new_deadline=data.get("new_deadline"),
        ),
        "escalate": lambda: escalate(actor=request.user, finding_id=finding.pk, note=data.get("note", "")),
    }  # fmt: skip
    if action in steps:
        perform(request, steps[action])
    return redirect("inspections:detail", inspection_id=finding.inspection_id)


@roles_page(permissions.INSPECTION_PLANNERS)
def report(request):
    today = timezone.localdate()
    region = request.GET.get("region", "").strip()[:12]
    regions = _planning_regions(request.user)
    if not region and regions:
        region = regions[0].code
    year = optional_int(request.GET.get("year")) or today.year
    quarter = optional_int(request.GET.get("quarter")) or (today.month - 1) // 3 + 1
    result, error = None, ""
    try:
        result = supervision_report(request.user, region_code=region, year=year, quarter=quarter)
    except DomainError as failure:
        error = failure.message
    return render(
        request,
        "inspections/report.html",
        {"result": result, "error": error, "regions": regions, "region": region, "year": year,
         "quarter": quarter, "kinds": TargetKind.choices},
    )  # fmt: skip


@require_GET
def public_results(request):
    """一公开: the published results of inspections, for anyone (no login)."""
    return render(request, "inspections/public_results.html", {"inspections": published_inspections()[:300]})
