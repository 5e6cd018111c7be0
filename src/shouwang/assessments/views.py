"""Console pages of assessments and care plans.

The assessor's form is a sequence of steps: the Appendix-A facts, then one dimension per step with every
score's meaning in words, then a review that shows the level before submission. Each step saves the
draft, so an interrupted visit loses nothing; running totals follow the assessor through the steps.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.accounts.models import User
from shouwang.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from shouwang.core.forms import optional_date, perform
from shouwang.core.pagination import page_number, paginate
from shouwang.core.roles import Role
from shouwang.elders.imports import kept_upload
from shouwang.elders.models import LivingArrangement
from shouwang.elders.permissions import may_write_registry
from shouwang.elders.selectors import get_elder_for
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope
from shouwang.web.decorators import console_page, upload_page

from . import careplans, scoring, services
from .legacy import import_legacy_results
from .models import Frequency, Reason, State
from .permissions import (
    is_assessor,
    is_assessor_of,
    may_edit_assessment,
    may_organise_assessments,
    may_review_assessment,
)
from .selectors import (
    DUE_KINDS,
    DUE_SOON,
    NEVER_ASSESSED,
    OVERDUE,
    assessments_for,
    assessors_for,
    due_for_assessment,
    get_assessment_for,
    get_care_plan_for,
)

FACTS_STEP, REVIEW_STEP = 0, len(scoring.DIMENSIONS) + 1
SPECIAL_CARE_LABELS = {
    "tube_feeding": "鼻饲/胃管",
    "catheter": "留置导尿",
    "stoma": "造瘘",
    "dialysis": "透析",
    "oxygen": "吸氧",
    "tracheostomy": "气管切开",
    "pressure_sore": "压疮护理",
}


def _steps() -> list[dict]:
    steps = [{"number": FACTS_STEP, "name": _("Basic facts")}]
    steps += [{"number": n, "name": d.name} for n, d in enumerate(scoring.DIMENSIONS, start=1)]
    return [*steps, {"number": REVIEW_STEP, "name": _("Review and submit")}]


def _running_totals(assessment) -> list[dict]:
    """What each dimension adds up to so far, for the side panel of every step."""
    totals = []
    for dimension in scoring.DIMENSIONS:
        keys = [item.key for item in scoring.ITEMS if item.dimension == dimension.key]
        given = [assessment.items[key] for key in keys if key in assessment.items]
        totals.append(
            {
                "name": dimension.name,
                "sum": sum(given),
                "max": dimension.max,
                "done": len(given),
                "of": len(keys),
            }
        )
    return totals


@console_page("assessments:list")
def assessment_list(request):
    """Due and overdue elders of the chosen community, and the forms in progress or awaiting review."""
    community = request.GET.get("community", "").strip()
    kind = request.GET.get("due", "")
    kind = kind if kind in DUE_KINDS else ""
    due = due_for_assessment(request.user, kind=kind)
    if community:
        due = due.filter(community_id=community)
    forms = assessments_for(request.user).exclude(state=State.APPROVED).order_by("-updated_at")[:30]
    return render(
        request,
        "assessments/list.html",
        {
            "page": paginate(due, page=page_number(request.GET.get("page"))),
            "query": urlencode({"community": community, "due": kind}),
            "community": community,
            "due": kind,
            "due_kinds": [
                (NEVER_ASSESSED, _("never assessed")),
                (OVERDUE, _("overdue")),
                (DUE_SOON, _("due within 30 days")),
            ],
            "communities": regions_in_scope(request.user.scope, level=Level.COMMUNITY),
            "forms": forms,
            "assessors": assessors_for(request.user),
        },
    )


@require_POST
@console_page("assessments:list")
def assign(request, elder_id: int):
    try:
        services.assign_assessor(
            actor=request.user, elder_id=elder_id, assessor_id=int(request.POST.get("assessor") or 0)
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The assessor was assigned."))
    return redirect(request.POST.get("next") or "assessments:list")


@require_POST
@console_page("assessments:list")
def start(request, elder_id: int):
    try:
        assessment = services.start_assessment(
            actor=request.user,
            elder_id=elder_id,
            reason=request.POST.get("reason") or Reason.FIRST,
            assessor_id=_number(request.POST.get("assessor")),
        )
    except (ValidationFailed, Conflict, Forbidden) as error:
        messages.error(request, error.message)
        return redirect(request.POST.get("next") or reverse("elders:detail", args=[elder_id]))
    if not is_assessor_of(request.user, assessment):
        # Started for an assessor: it is in their list now; the organiser stays on the form's page.
        messages.success(
            request, _("The assessment form is ready for %(name)s.") % {"name": assessment.assessor_1}
        )
        return redirect("assessments:detail", assessment_id=assessment.pk)
    return redirect("assessments:step", assessment_id=assessment.pk, step=FACTS_STEP)


def _number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@require_POST
@console_page("assessments:list")
def assign_form(request, assessment_id: int):
    perform(
        request,
        lambda: services.assign_draft(
            actor=request.user,
            assessment_id=assessment_id,
            assessor_id=_number(request.POST.get("assessor")) or 0,
        ),
        _("The assessor was assigned."),
    )
    return redirect("assessments:detail", assessment_id=assessment_id)


@require_POST
@console_page("assessments:list")
def discard(request, assessment_id: int):
    if perform(
        request,
        lambda: services.discard_draft(
            actor=request.user, assessment_id=assessment_id, reason=request.POST.get("reason", "")
        ),
        _("The draft was discarded; the elder is due for assessment again."),
    ):
        return redirect("assessments:list")
    return redirect("assessments:detail", assessment_id=assessment_id)


@console_page("assessments:list")
def step(request, assessment_id: int, step: int):
    assessment = get_assessment_for(request.user, assessment_id)
    if assessment.state not in (State.DRAFT, State.RETURNED) or not 0 <= step <= REVIEW_STEP:
        return redirect("assessments:detail", assessment_id=assessment.pk)
    errors: dict[str, str] = {}
    summary = ""
    if request.method == "POST":
        try:
            if step == REVIEW_STEP:
                services.submit(actor=request.user, assessment_id=assessment.pk)
                messages.success(request, _("The assessment was submitted for review."))
                return redirect("assessments:detail", assessment_id=assessment.pk)
            going = _number(request.POST.get("go"))
            going = step + 1 if going is None else going
            data = _facts(request.POST) if step == FACTS_STEP else _dimension_scores(request.POST, step)
            onward = going > step
            services.save_draft(
                actor=request.user,
                assessment_id=assessment.pk,
                data=data,
                facts_complete=step == FACTS_STEP and onward,
            )
            if onward and step != FACTS_STEP:
                _require_dimension_scored(get_assessment_for(request.user, assessment.pk), step)
            return redirect("assessments:step", assessment_id=assessment.pk, step=min(going, REVIEW_STEP))
        except DomainError as error:
            errors = getattr(error, "errors", None) or {}
            summary = error.message
            assessment = get_assessment_for(request.user, assessment_id)
    context = _step_context(request, assessment, step, errors)
    return render(request, "assessments/step.html", {**context, "summary": summary})


def _step_context(request, assessment, step: int, errors: dict) -> dict:
    context = {
        "assessment": assessment,
        "step": step,
        "steps": _steps(),
        "totals": _running_totals(assessment),
        "errors": errors,
        "review_step": REVIEW_STEP,
        "previous": step - 1 if step > FACTS_STEP else None,
    }
    if step == FACTS_STEP:
        context.update(
            reasons=Reason.choices,
            arrangements=LivingArrangement.choices,
            special_care=[(key, SPECIAL_CARE_LABELS[key]) for key in services.SPECIAL_CARE],
            risk_events=[
                {"key": e.key, "label": e.label, "count": assessment.risk_events.get(e.key, 0)}
                for e in scoring.RISK_EVENTS
            ],
            assessors=User.objects.filter(role=Role.ASSESSOR, is_active=True).exclude(
                pk=assessment.assessor_1_id
            ),
            diagnoses_text="；".join(f"{d['code']} {d['name']}".strip() for d in assessment.diagnoses),
        )
    elif step == REVIEW_STEP:
        context["preview"] = services.preview(assessment)
        context["missing"] = [item for item in scoring.ITEMS if item.key not in assessment.items]
    else:
        dimension = scoring.DIMENSIONS[step - 1]
        context["dimension"] = dimension
        context["items"] = [
            {
                "item": item,
                "anchors": sorted(item.anchors.items(), reverse=True),
                "value": assessment.items.get(item.key),
                "error": errors.get(f"items.{item.key}"),
            }
            for item in scoring.ITEMS
            if item.dimension == dimension.key
        ]
    return context


def _facts(post) -> dict:
    diagnoses = []
    for part in post.get("diagnoses", "").replace(";", "；").split("；"):
        code, _, name = part.strip().partition(" ")
        if code:
            diagnoses.append({"code": code, "name": name.strip()})
    return {
        "reason": post.get("reason", Reason.FIRST),
        "assessed_on": optional_date(post.get("assessed_on")) or timezone.localdate(),
        "assessor_2": post.get("assessor_2") or None,
        "informant_name": post.get("informant_name", "").strip()[:40],
        "informant_relation": post.get("informant_relation", "").strip()[:20],
        "living_arrangement": post.get("living_arrangement", ""),
        "diagnoses": diagnoses,
        "special_care": post.getlist("special_care"),
        "risk_events": {event.key: post.get(f"risk_{event.key}") or "0" for event in scoring.RISK_EVENTS},
        "coma": post.get("coma") == "on",
    }


def _require_dimension_scored(assessment, step: int) -> None:
    """Moving on from a dimension needs every item of it scored: an empty step never advances silently
    (going back, or saving to come back later, is always allowed)."""
    dimension = scoring.DIMENSIONS[step - 1]
    missing = {
        f"items.{item.key}": _("Choose a score.")
        for item in scoring.ITEMS
        if item.dimension == dimension.key and item.key not in assessment.items
    }
    if missing:
        raise ValidationFailed(
            _("Score every item of %(dimension)s before going on; %(count)d are not scored yet.")
            % {"dimension": dimension.name, "count": len(missing)},
            errors=missing,
        )


def _dimension_scores(post, step: int) -> dict:
    dimension = scoring.DIMENSIONS[step - 1]
    return {
        "items": {
            item.key: post.get(item.key, "")
            for item in scoring.ITEMS
            if item.dimension == dimension.key and post.get(item.key, "") != ""
        }
    }


@console_page("assessments:list")
def detail(request, assessment_id: int):
    assessment = get_assessment_for(request.user, assessment_id)
    return render(request, "assessments/detail.html", _detail_context(request, assessment))


def _detail_context(request, assessment) -> dict:
    user = request.user
    editable = assessment.state in (State.DRAFT, State.RETURNED)
    return {
        "assessment": assessment,
        "level_name": scoring.level_name(assessment.final_level)
        if assessment.final_level is not None
        else "",
        "dimensions": [
            {"name": d.name, "score": assessment.dimension_scores.get(d.key), "max": d.max}
            for d in scoring.DIMENSIONS
        ],
        "items": [{"item": item, "value": assessment.items.get(item.key)} for item in scoring.ITEMS],
        "may_review": may_review_assessment(user, assessment) and assessment.state == State.SUBMITTED,
        "may_edit": editable and may_edit_assessment(user, assessment),
        "may_discard": assessment.state == State.DRAFT
        and (may_organise_assessments(user) or is_assessor_of(user, assessment)),
        "assessors": assessors_for(user) if editable else [],
        "may_dispute": assessment.state == State.APPROVED and not is_assessor(user),
        "special_care_labels": SPECIAL_CARE_LABELS,
    }


@require_POST
@console_page("assessments:list")
def review(request, assessment_id: int):
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            services.approve(actor=request.user, assessment_id=assessment_id)
            messages.success(request, _("The assessment was approved; the elder's level is updated."))
        elif decision == "return":
            services.return_for_correction(
                actor=request.user, assessment_id=assessment_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The assessment was returned to the assessors."))
        elif decision == "dispute":
            again = services.dispute(
                actor=request.user, assessment_id=assessment_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("A re-assessment (复评) was opened."))
            return redirect("assessments:detail", assessment_id=again.pk)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("assessments:detail", assessment_id=assessment_id)


@console_page("assessments:list")
def report(request, assessment_id: int):
    """The printable report (print styles; the browser's 'save as PDF' keeps the Chinese fonts)."""
    context = _detail_context(request, get_assessment_for(request.user, assessment_id))
    return render(request, "assessments/report.html", context)


@upload_page("assessments:list", may_upload=may_write_registry)
def legacy_import(request, refused: DomainError | None = None):
    """Upload legacy MZ/T 039-2013 results; small files, so the import runs while the page waits."""
    result, error = None, refused.message if refused else ""
    if request.method == "POST" and refused is None and request.FILES.get("file"):
        try:
            with kept_upload(request.FILES["file"]) as path:
                result = import_legacy_results(actor=request.user, path=path)
        except DomainError as failure:
            error = failure.message
    return render(request, "assessments/legacy.html", {"result": result, "error": error})


# --- care plans ---------------------------------------------------------------------------------------------
@require_POST
@console_page("assessments:list")
def plan_new(request, elder_id: int):
    try:
        plan = careplans.draft_care_plan(
            actor=request.user,
            elder_id=elder_id,
            needs=request.POST.getlist("needs"),
            note=request.POST.get("note", ""),
        )
    except (ValidationFailed, Conflict, Forbidden) as error:
        messages.error(request, error.message)
        return redirect("elders:detail", elder_id=elder_id)
    return redirect("assessments:plan", plan_id=plan.pk)


@console_page("assessments:list")
def plan(request, plan_id: int):
    care_plan = get_care_plan_for(request.user, plan_id)
    errors = {}
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "approve":
                careplans.approve_care_plan(actor=request.user, plan_id=care_plan.pk)
                messages.success(request, _("The care plan was approved."))
            else:
                careplans.set_plan_items(
                    actor=request.user, plan_id=care_plan.pk, items=_plan_items(request.POST)
                )
                messages.success(request, _("The care plan was saved."))
            return redirect("assessments:plan", plan_id=care_plan.pk)
        except DomainError as error:
            errors = getattr(error, "errors", None) or {"__all__": error.message}
            messages.error(request, error.message)
    return render(
        request,
        "assessments/plan.html",
        {
            "plan": care_plan,
            "elder": get_elder_for(request.user, care_plan.elder_id),
            "services": careplans.CARE_SERVICES.items(),
            "frequencies": Frequency.choices,
            "errors": errors,
            "blank_rows": range(3),
        },
    )


def _plan_items(post) -> list[dict]:
    rows = zip(
        post.getlist("service"), post.getlist("times"), post.getlist("per"), post.getlist("why"), strict=False
    )
    return [
        {"service": service, "times": times, "per": per, "why": why}
        for service, times, per, why in rows
        if service and post.get(f"remove_{service}") != "on"
    ]
