"""Console pages of the anomaly cases: the list with filters by kind and state (and the form that runs the
checks on demand), and a case's page with its explanation, evidence, history and the review buttons. Data
comes through ``cases`` (scoped); every button calls a service and shows its outcome."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core.forms import perform
from shouwang.core.pagination import page_number, paginate
from shouwang.regions.models import Level, Region
from shouwang.web.decorators import console_page

from . import anomalies, cases
from .case_models import CaseKind, CaseState
from .permissions import may_run_checks
from .runs import last_month


def _checkable_regions(user) -> list:
    if user.is_platform_admin:
        return list(Region.objects.filter(level=Level.COUNTY).order_by("code")[:50])
    return [region for region in user.regions.order_by("code") if may_run_checks(user, region.code)]


@console_page("benefits:cases")
def case_list(request):
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in CaseKind.values else ""
    state = request.GET.get("state", "")
    state = state if state in (*CaseState.values, "closed") else ""
    found = cases.cases_for(request.user, kind=kind, state=state)
    page = paginate(found, page=page_number(request.GET.get("page")), page_size=50)
    for case in page.items:
        case.explanation = cases.explain(case)
    return render(
        request,
        "benefits/case_list.html",
        {
            "page": page,
            "query": urlencode({k: v for k, v in (("kind", kind), ("state", state)) if v}),
            "kinds": CaseKind.choices,
            "states": [*CaseState.choices, ("closed", _("closed (已结案)"))],
            "filters": {"kind": kind, "state": state},
            "regions": _checkable_regions(request.user),
            "last_month": last_month().strftime("%Y-%m"),
        },
    )


@console_page("benefits:cases")
@require_POST
def run_checks(request):
    outcome = {}

    def step():
        outcome["run"] = anomalies.run_checks(
            actor=request.user,
            month=request.POST.get("month", ""),
            region_code=request.POST.get("region", ""),
        )

    if perform(request, step, _("The checks have run.")):
        run = outcome["run"]
        messages.info(
            request,
            _("%(found)s findings, %(new)s of them new cases.") % {"found": run.found, "new": run.new},
        )
    return redirect("benefits:cases")


@console_page("benefits:cases")
def case_detail(request, case_id: int):
    case = cases.get_case_for(request.user, case_id)
    return render(
        request,
        "benefits/case_detail.html",
        {
            "case": case,
            "explanation": cases.explain(case),
            "evidence": cases.evidence_of(case),
            "transitions": cases.transitions_of(case),
            "outcomes": [(state, CaseState(state).label) for state in cases.CLOSED_ORDER],
        },
    )


@console_page("benefits:cases")
@require_POST
def case_review(request, case_id: int):
    cases.get_case_for(request.user, case_id)
    perform(
        request,
        lambda: cases.take_case(actor=request.user, case_id=case_id, note=request.POST.get("note", "")),
        _("You are reviewing this case."),
    )
    return redirect("benefits:case", case_id=case_id)


@console_page("benefits:cases")
@require_POST
def case_close(request, case_id: int):
    cases.get_case_for(request.user, case_id)
    perform(
        request,
        lambda: cases.close_case(
            actor=request.user,
            case_id=case_id,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        ),
        _("The case is closed."),
    )
    return redirect("benefits:case", case_id=case_id)
