"""Console pages of benefits: policies and their versions, runs with their totals and review buttons, a
run's results (why / why not), and the ledger's trial balance. Data comes through the selectors (scoped);
every button calls a service and shows its outcome (core.forms.perform)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core.errors import DomainError
from shouwang.core.forms import perform
from shouwang.core.pagination import page_number, paginate
from shouwang.regions.models import Level, Region
from shouwang.web.decorators import console_page

from . import selectors, services
from .budgets import WARNING_PERCENT, budget_status
from .models import EligibilityRun, PolicyKind, RunState
from .permissions import NEXT_STEP, may_compute_run, may_keep_policies, may_return, may_take_step
from .selectors import FUND_LABELS


@console_page("benefits:policies")
def policy_list(request):
    return render(
        request,
        "benefits/policy_list.html",
        {"policies": selectors.policies_for(request.user), "kinds": dict(PolicyKind.choices)},
    )


@console_page("benefits:policies")
def policy_detail(request, policy_id: int):
    policy = selectors.get_policy_for(request.user, policy_id)
    versions = selectors.versions_of(policy)
    draft = _draft_from(request.POST) if request.method == "POST" else _draft_of(versions.first())
    effect = None
    if request.method == "POST" and may_keep_policies(request.user):
        effect = _preview_or_publish(request, policy, draft)
        if effect is None:
            return redirect("benefits:policy", policy_id=policy.pk)
    return render(
        request,
        "benefits/policy_detail.html",
        {
            "policy": policy,
            "versions": versions,
            "fund_labels": FUND_LABELS,
            "may_keep": may_keep_policies(request.user),
            "draft": draft,
            "effect": effect,
            "regions": _computable_regions(request.user),
        },
    )


DRAFT_JSON_FIELDS = ("conditions", "tiers", "fund_shares", "self_pay_percent")


def _draft_of(version) -> dict:
    """A form's starting point: the latest version's rules as JSON text."""
    if version is None:
        return {"conditions": "[]", "tiers": "[]", "fund_shares": "{}", "self_pay_percent": "{}"}
    rules = {name: json.dumps(getattr(version, name), ensure_ascii=False) for name in DRAFT_JSON_FIELDS}
    return {**rules, "year_end": version.year_end}


def _draft_from(post) -> dict:
    fields = ("effective_from", "effective_until", "note", "region", "month", "year_end", *DRAFT_JSON_FIELDS)
    return {name: post.get(name, "").strip() for name in fields}


def _preview_or_publish(request, policy, draft: dict):
    """The effect of the draft (to show), or None after publishing it (or failing to: the message says)."""
    try:
        rules = {name: json.loads(draft[name] or "null") for name in DRAFT_JSON_FIELDS}
    except json.JSONDecodeError as error:
        messages.error(request, _("The rules are not valid JSON: %(error)s") % {"error": error})
        return {}
    if request.POST.get("action") == "preview":
        try:
            return selectors.version_effect(
                request.user,
                policy.pk,
                region_code=draft["region"],
                month=services.parse_month(draft["month"]),
                **rules,
            )
        except DomainError as error:
            messages.error(request, error.message)
            return {}
    perform(
        request,
        lambda: services.publish_version(
            actor=request.user,
            policy_id=policy.pk,
            effective_from=draft["effective_from"],
            effective_until=draft["effective_until"] or None,
            year_end=draft.get("year_end") or "expire",
            note=draft["note"],
            **rules,
        ),
        _("The new version is published."),
    )
    return None


@console_page("benefits:runs")
def run_list(request):
    runs = list(selectors.runs_for(request.user)[:60])
    for run in runs:
        run.review = _review_buttons(request.user, run)
    return render(
        request,
        "benefits/run_list.html",
        {
            "runs": runs,
            "regions": _computable_regions(request.user),
            "this_month": timezone.localdate().strftime("%Y-%m"),
            "fund_labels": FUND_LABELS,
            # Spend against budget on the benefits home page (budgets.py; officials and admins).
            "budget_rows": budget_status(request.user, year=timezone.localdate().year),
            "warning_percent": WARNING_PERCENT,
        },
    )


def _computable_regions(user) -> list:
    if user.is_platform_admin:
        return list(Region.objects.filter(level=Level.COUNTY).order_by("code")[:50])
    return [region for region in user.regions.order_by("code") if may_compute_run(user, region.code)]


def _review_buttons(user, run: EligibilityRun) -> dict:
    step = NEXT_STEP.get(run.state)
    return {
        "step": RunState(step).label if step else "",
        "may_step": step is not None and may_take_step(user, run, step),
        "may_return": may_return(user, run),
    }


@console_page("benefits:runs")
@require_POST
def run_start(request):
    perform(
        request,
        lambda: services.start_run(
            actor=request.user,
            month=request.POST.get("month", ""),
            region_code=request.POST.get("region", ""),
        ),
        _("The run is computed."),
    )
    return redirect("benefits:runs")


@console_page("benefits:runs")
@require_POST
def run_review(request, run_id: int):
    selectors.get_run_for(request.user, run_id)
    perform(
        request,
        lambda: services.review_run(actor=request.user, run_id=run_id, note=request.POST.get("note", "")),
    )
    return redirect("benefits:run", run_id=run_id)


@console_page("benefits:runs")
@require_POST
def run_return(request, run_id: int):
    selectors.get_run_for(request.user, run_id)
    perform(
        request,
        lambda: services.return_run(actor=request.user, run_id=run_id, reason=request.POST.get("reason", "")),
        _("The run is returned for correction."),
    )
    return redirect("benefits:run", run_id=run_id)


@console_page("benefits:runs")
def run_detail(request, run_id: int):
    run = selectors.get_run_for(request.user, run_id)
    policy = request.GET.get("policy", "")
    eligible = {"yes": True, "no": False}.get(request.GET.get("eligible", ""))
    change = request.GET.get("change", "")
    results = selectors.results_for(request.user, run, policy=policy, eligible=eligible, change=change)
    page = paginate(results, page=page_number(request.GET.get("page")), page_size=50)
    names = {code: totals["name"] for code, totals in run.totals.get("policies", {}).items()}
    for result in page.items:
        result.lines = [
            {
                "name": names.get(code, code),
                "eligible": outcome["eligible"],
                "amount_fen": outcome["amount_fen"],
                "change": result.changes.get(code, {}).get("change", ""),
            }
            for code, outcome in sorted(result.outcomes.items())
        ]
    query = "&".join(
        f"{k}={v}"
        for k, v in (("policy", policy), ("eligible", request.GET.get("eligible", "")), ("change", change))
        if v
    )
    return render(
        request,
        "benefits/run_detail.html",
        {
            "run": run,
            "page": page,
            "query": query,
            "policies": run.totals.get("policies", {}),
            "funds": run.totals.get("funds", {}),
            "fund_labels": FUND_LABELS,
            "filters": {"policy": policy, "eligible": request.GET.get("eligible", ""), "change": change},
            "transitions": selectors.transitions_of(run),
            "review": _review_buttons(request.user, run),
        },
    )


@console_page("benefits:ledger")
def trial_balance(request):
    return render(request, "benefits/trial_balance.html", {"balance": selectors.trial_balance(request.user)})
