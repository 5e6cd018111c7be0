"""Console pages of provider statements (对账单), the reconciliation report and budgets. Data comes through
the scoped reads (``statements.statements_for``, ``reconciliation``, ``budgets.budget_status``); every
button calls a service and shows its outcome (core.forms.perform)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

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

from . import budgets, reconciliation, statements
from .models import FundSource
from .permissions import (
    may_answer_statement,
    may_issue_statements,
    may_keep_budget,
    may_resolve_statement,
)
from .runs import last_month
from .statement_exports import reconciliation_xlsx, statement_xlsx
from .statement_models import LineDecision, StatementState


def _month_from(raw: str | None) -> dt.date:
    """The month a form or link asks for, last month when empty or wrong (the page says which it shows)."""
    try:
        return statements.statement_month(raw) if raw else last_month()
    except DomainError:
        return last_month()


def fen_from_yuan(raw: str) -> int | None:
    """Yuan typed in a form (``12.5``) as fen, or None when it is not an amount with at most two
    decimals (the service then names the field)."""
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        return None
    fen = value * 100
    if not value.is_finite() or fen != fen.to_integral_value():
        return None
    return int(fen)


@console_page("benefits:statements")
def statement_list(request):
    month = request.GET.get("month", "")
    found = statements.statements_for(request.user)
    if month:
        found = found.filter(month=_month_from(month))
    page = paginate(found, page=page_number(request.GET.get("page")), page_size=50)
    return render(
        request,
        "benefits/statement_list.html",
        {
            "page": page,
            "month": month,
            "may_issue": may_issue_statements(request.user),
            "last_month": last_month().strftime("%Y-%m"),
        },
    )


@console_page("benefits:statements")
@require_POST
def statement_issue(request):
    perform(
        request,
        lambda: statements.issue_statements(actor=request.user, month=request.POST.get("month", "")),
        _("The statements of the month are issued."),
    )
    return redirect("benefits:statements")


@console_page("benefits:statements")
def statement_detail(request, statement_id: int):
    statement = statements.get_statement_for(request.user, statement_id)
    lines = list(statements.lines_of(statement))
    return render(
        request,
        "benefits/statement_detail.html",
        {
            "statement": statement,
            "lines": lines,
            "disputed_lines": [line for line in lines if line.dispute_reason and not line.decision],
            "transitions": statements.transitions_of(statement),
            "may_answer": may_answer_statement(request.user, statement)
            and statement.state in (StatementState.ISSUED, StatementState.RESOLVED),
            "may_resolve": may_resolve_statement(request.user, statement)
            and statement.state == StatementState.DISPUTED,
            "decisions": LineDecision.choices,
            "effective_fen": sum(line.effective_amount_fen for line in lines),
        },
    )


@console_page("benefits:statements")
@require_POST
def statement_answer(request, statement_id: int):
    """The provider's acknowledgement or dispute (``action`` = acknowledge | dispute)."""
    statement = statements.get_statement_for(request.user, statement_id)
    if request.POST.get("action") == "acknowledge":
        perform(
            request,
            lambda: statements.acknowledge_statement(
                actor=request.user, statement_id=statement.pk, note=request.POST.get("note", "")
            ),
            _("The statement is acknowledged."),
        )
    else:
        lines = {
            line.order_id: request.POST.get(f"reason-{line.order_id}", "")
            for line in statement.lines.all()
            if request.POST.get(f"reason-{line.order_id}", "").strip()
        }
        perform(
            request,
            lambda: statements.dispute_statement(
                actor=request.user,
                statement_id=statement.pk,
                reason=request.POST.get("reason", ""),
                lines=lines,
            ),
            _("The dispute is sent to the bureau."),
        )
    return redirect("benefits:statement", statement_id=statement.pk)


@console_page("benefits:statements")
@require_POST
def statement_resolve(request, statement_id: int):
    statement = statements.get_statement_for(request.user, statement_id)
    decisions = {}
    for line in statement.lines.exclude(dispute_reason="").filter(decision=""):
        decision = {
            "decision": request.POST.get(f"decision-{line.order_id}", ""),
            "note": request.POST.get(f"note-{line.order_id}", ""),
        }
        if decision["decision"] == LineDecision.CORRECTED:
            amount = fen_from_yuan(request.POST.get(f"amount-{line.order_id}", ""))
            if amount is None:
                messages.error(request, _("Give the corrected price in yuan, e.g. 45.50."))
                return redirect("benefits:statement", statement_id=statement.pk)
            decision["amount_fen"] = amount
        decisions[line.order_id] = decision
    perform(
        request,
        lambda: statements.resolve_dispute(
            actor=request.user,
            statement_id=statement.pk,
            resolution=request.POST.get("resolution", ""),
            decisions=decisions,
        ),
        _("The dispute is resolved."),
    )
    return redirect("benefits:statement", statement_id=statement.pk)


@console_page("benefits:statements")
def statement_export(request, statement_id: int):
    statement = statements.get_statement_for(request.user, statement_id)
    return statement_xlsx(statement, statements.lines_of(statement))


# A run of a large district can list thousands of unpaid rows: the page shows the first ones, the xlsx all.
CASH_DIFFERENCES_PER_PAGE = 50


@console_page("benefits:reconciliation")
def reconciliation_page(request):
    month = _month_from(request.GET.get("month"))
    reports = reconciliation.reconcile_month(request.user, month)
    return render(
        request,
        "benefits/reconciliation.html",
        {
            "month": month,
            "reports": reports,
            "agreeing": sum(report.agrees for report in reports),
            "cash": _cash_rows(request, month),
        },
    )


def _cash_rows(request, month: dt.date) -> list[dict]:
    """Each approved run's cash side with a page of its differences: the page asked for (``?run=&page=``)
    for that run, the first for the others."""
    asked_run, asked_page = request.GET.get("run", ""), page_number(request.GET.get("page"))
    rows = []
    for report in reconciliation.reconcile_payments(request.user, month):
        page = asked_page if asked_run == str(report.run_id) else 1
        rows.append(
            {
                "report": report,
                "counts": [(reconciliation.kind_label(kind), n) for kind, n in report.counts.items()],
                "page": report.differences_page(page=page, page_size=CASH_DIFFERENCES_PER_PAGE),
                "query": urlencode({"month": month.strftime("%Y-%m"), "run": report.run_id}),
            }
        )
    return rows


@console_page("benefits:reconciliation")
def reconciliation_export(request):
    month = _month_from(request.GET.get("month"))
    return reconciliation_xlsx(
        reconciliation.reconcile_month(request.user, month),
        month,
        cash=reconciliation.reconcile_payments(request.user, month),
    )


@console_page("benefits:budgets")
def budget_list(request):
    if request.method == "POST":
        _enter_budget(request)
        return redirect("benefits:budgets")
    return render(
        request,
        "benefits/budgets.html",
        {
            "rows": budgets.budget_status(request.user),
            "fund_sources": FundSource.choices,
            "regions": [
                region
                for region in Region.objects.filter(code__in=_own_region_codes(request.user)).order_by("code")
                if may_keep_budget(request.user, region.code)
            ],
            "this_year": timezone.localdate().year,
            "warning_percent": budgets.WARNING_PERCENT,
        },
    )


def _own_region_codes(user) -> list[str]:
    if user.is_platform_admin:
        return list(Region.objects.filter(level__lte=Level.COUNTY).values_list("code", flat=True)[:50])
    return list(user.regions.values_list("code", flat=True))


def _enter_budget(request) -> None:
    post = request.POST
    amount = fen_from_yuan(post.get("amount", ""))
    if amount is None:
        messages.error(request, _("Give the budget in yuan, e.g. 120000.00."))
        return
    year = post.get("year", "").strip()
    month = post.get("month", "").strip()
    perform(
        request,
        lambda: budgets.set_budget(
            actor=request.user,
            fund_source=post.get("fund_source", ""),
            region_code=post.get("region", ""),
            year=int(year) if year.isdigit() else None,
            month=int(month) if month.isdigit() else None,
            amount_fen=amount,
            note=post.get("note", ""),
        ),
        _("The budget is saved."),
    )
