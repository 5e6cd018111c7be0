"""Console pages of pilot programmes: the list, the application form, and one programme's page with its
stages, indicators, milestones, documents, whole history and the steps the user may take; and the public
notice (公示) page, without login."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shouwang.core.errors import DomainError
from shouwang.core.forms import ConsoleForm, attach_error, perform
from shouwang.core.scope import scope_of
from shouwang.regions.models import Level
from shouwang.regions.selectors import regions_in_scope
from shouwang.web.decorators import console_page

from . import permissions
from .forms import DocumentForm, MilestoneForm, MoveForm, ObjectionForm, PilotForm, ReportForm
from .models import PilotState
from .selectors import get_pilot_for, pilots_for, public_pilots, stages_of
from .services import (
    add_document,
    add_milestone,
    apply,
    complete_milestone,
    move,
    record_objection,
    report_indicator,
)
from .states import MOVES, is_applicant_move


@console_page("pilots:list")
def pilot_list(request):
    state = request.GET.get("state", "")
    pilots = pilots_for(request.user, state=state if state in PilotState.values else "")
    return render(
        request,
        "pilots/pilot_list.html",
        {"pilots": pilots[:300], "states": PilotState.choices, "state": state,
         "may_apply": permissions.may_apply_for_pilot(request.user)},
    )  # fmt: skip


@console_page("pilots:list")
def pilot_create(request):
    regions = (
        regions_in_scope(scope_of(request.user))
        .filter(level__in=[Level.COUNTY, Level.STREET])
        .order_by("code")
    )
    form = PilotForm(request.POST or None, regions=regions[:300])
    if request.method == "POST" and form.is_valid():
        try:
            pilot = apply(
                actor=request.user, region_code=form.cleaned_data["region"], title=form.cleaned_data["title"],
                goals=form.cleaned_data["goals"], indicators=form.indicator_rows(),
                objection_days=form.cleaned_data["objection_days"],
            )  # fmt: skip
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The application was sent for review."))
            return redirect("pilots:detail", pilot_id=pilot.pk)
    return render(request, "pilots/pilot_form.html", {"form": form})


@console_page("pilots:list")
def pilot_detail(request, pilot_id: int):
    pilot = get_pilot_for(request.user, pilot_id)
    indicators = list(pilot.indicators.prefetch_related("reports"))
    return render(
        request,
        "pilots/pilot_detail.html",
        {
            "pilot": pilot,
            "stages": stages_of(pilot),
            "indicators": [(i, i.reports.all().order_by("-period", "-id").first()) for i in indicators],
            "milestones": pilot.milestones.all(),
            "documents": pilot.documents.all(),
            "history": pilot.events.select_related("actor"),
            "moves": [
                {
                    "state": state,
                    "label": PilotState(state).label,
                    "applicant": is_applicant_move(pilot.state, state),
                }
                for state in sorted(MOVES[pilot.state])
            ],
            "move_form": MoveForm(),
            "objection_form": ObjectionForm(),
            "milestone_form": MilestoneForm(),
            "report_form": ReportForm(indicators=indicators),
            "document_form": DocumentForm(),
            "may_act": permissions.may_apply_for_pilot(request.user)
            or permissions.may_review_pilots(request.user),
            "states": PilotState,
        },
    )


@require_POST
@console_page("pilots:list")
def pilot_move(request, pilot_id: int):
    form = MoveForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {"reason": "", "score": None}
    to_state = request.POST.get("to_state", "")
    perform(
        request,
        lambda: move(
            actor=request.user,
            pilot_id=pilot_id,
            to_state=to_state,
            reason=data["reason"] or "",
            score=data["score"],
        ),
    )
    return redirect("pilots:detail", pilot_id=pilot_id)


@require_POST
@console_page("pilots:list")
def pilot_record(request, pilot_id: int, action: str):
    """The programme's other buttons: an objection, a milestone (added or done), a value, a document."""
    pilot = get_pilot_for(request.user, pilot_id)
    forms: dict[str, Callable[[QueryDict], ConsoleForm]] = {
        "objection": ObjectionForm, "milestone": MilestoneForm, "document": DocumentForm,
        "report": lambda data: ReportForm(data, indicators=pilot.indicators.all()),
    }  # fmt: skip
    if action == "milestone_done":
        milestone_id = int(request.POST.get("milestone") or 0)
        perform(
            request,
            lambda: complete_milestone(actor=request.user, pilot_id=pilot.pk, milestone_id=milestone_id),
        )
        return redirect("pilots:detail", pilot_id=pilot.pk)
    if action not in forms:
        return redirect("pilots:detail", pilot_id=pilot.pk)
    form = forms[action](request.POST)
    if not form.is_valid():
        said = "; ".join(
            " ".join([str(form.fields[name].label) if name in form.fields else "", *map(str, errors)]).strip()
            for name, errors in form.errors.items()
        )
        messages.error(request, _("Check what you typed: %(errors)s") % {"errors": said})
        return redirect("pilots:detail", pilot_id=pilot.pk)
    data = form.cleaned_data
    steps = {
        "objection": lambda: record_objection(actor=request.user, pilot_id=pilot.pk, **data),
        "milestone": lambda: add_milestone(actor=request.user, pilot_id=pilot.pk, **data),
        "document": lambda: add_document(actor=request.user, pilot_id=pilot.pk, **data),
        "report": lambda: report_indicator(
            actor=request.user, pilot_id=pilot.pk, indicator_id=int(data["indicator"]), value=data["value"],
            period=data["period"],
        ),
    }  # fmt: skip
    perform(request, steps[action])
    return redirect("pilots:detail", pilot_id=pilot.pk)


@require_GET
def public_notice(request):
    """Pilot programmes under public notice (公示) and after, for anyone: no login."""
    return render(
        request, "pilots/public_notice.html", {"pilots": public_pilots()[:200], "states": PilotState}
    )
