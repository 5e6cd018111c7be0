"""The API of provider statements, the reconciliation report and budgets, under ``/api/v1/benefits``
(docs/api.md, "Benefits: statements, reconciliation, budgets")."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Router, Schema, Status
from pydantic import Field

from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Id, MaxText, Page, PageSize, RegionCode

from . import budgets, reconciliation, statements
from .statement_exports import reconciliation_xlsx, statement_xlsx

router = Router(tags=["benefits"])
Month = Annotated[str, MaxText(10)]
Reason = Annotated[str, MaxText(300)]
Fen = Annotated[int, Field(ge=0, le=budgets.AMOUNT_MAX)]


# --- statements -----------------------------------------------------------------------------------------


class StatementLineOut(Schema):
    order_id: int
    service_day: dt.date
    elder_name: str
    amount_fen: int
    voucher_fen: int
    self_pay_fen: int
    dispute_reason: str
    decision: str
    decision_note: str
    corrected_amount_fen: int | None
    effective_amount_fen: int

    @staticmethod
    def resolve_elder_name(line) -> str:
        return line.order.elder.name


class StatementTransitionOut(Schema):
    from_state: str
    to_state: str
    at: dt.datetime
    actor_name: str
    reason: str


class StatementOut(Schema):
    id: int
    provider_id: int
    provider_name: str
    month: str
    state: str
    state_label: str
    order_count: int
    amount_fen: int
    voucher_fen: int
    self_pay_fen: int
    issued_at: dt.datetime | None
    dispute_reason: str
    resolution: str

    @staticmethod
    def resolve_provider_name(statement) -> str:
        return statement.provider.name

    @staticmethod
    def resolve_month(statement) -> str:
        return statement.month.strftime("%Y-%m")

    @staticmethod
    def resolve_state_label(statement) -> str:
        return str(statement.get_state_display())


class StatementDetailOut(StatementOut):
    lines: list[StatementLineOut]
    transitions: list[StatementTransitionOut]

    @staticmethod
    def resolve_lines(statement) -> list:
        return list(statements.lines_of(statement))

    @staticmethod
    def resolve_transitions(statement) -> list:
        return list(statements.transitions_of(statement))


class StatementPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[StatementOut]


class StatementIssueIn(Schema):
    month: Month
    provider_id: Id | None = None


class StatementNoteIn(Schema):
    note: Reason = ""


class LineDisputeIn(Schema):
    order_id: Id
    reason: Reason


class StatementDisputeIn(Schema):
    reason: Reason = ""
    lines: list[LineDisputeIn] = []


class LineDecisionIn(Schema):
    order_id: Id
    decision: Annotated[str, MaxText(10)]
    amount_fen: Annotated[int, Field(ge=0, le=statements.PRICE_MAX)] | None = None
    note: Reason = ""


class StatementResolveIn(Schema):
    resolution: Reason
    decisions: list[LineDecisionIn] = []


@router.get("/statements", response=StatementPage, summary="Provider statements the caller may see")
def statement_list(
    request,
    month: Month = "",
    provider_id: Id | None = None,
    page: Page = 1,
    page_size: PageSize | None = None,
):
    found = statements.statements_for(request.auth)
    if month:
        found = found.filter(month=statements.statement_month(month))
    if provider_id is not None:
        found = found.filter(provider_id=provider_id)
    return paginate(found, page=page, page_size=page_size)


@router.post("/statements", response={201: list[StatementOut]}, summary="Issue a month's statements")
def statement_issue(request, payload: StatementIssueIn):
    issued = statements.issue_statements(
        actor=request.auth, month=payload.month, provider_id=payload.provider_id
    )
    return Status(201, [statements.get_statement_for(request.auth, s.pk) for s in issued])


@router.get("/statements/{int:statement_id}", response=StatementDetailOut, summary="A statement with lines")
def statement_detail(request, statement_id: Id):
    return statements.get_statement_for(request.auth, statement_id)


@router.post(
    "/statements/{int:statement_id}/acknowledge", response=StatementDetailOut, summary="Acknowledge (确认)"
)
def statement_acknowledge(request, statement_id: Id, payload: StatementNoteIn):
    statements.acknowledge_statement(actor=request.auth, statement_id=statement_id, note=payload.note)
    return statements.get_statement_for(request.auth, statement_id)


@router.post(
    "/statements/{int:statement_id}/dispute", response=StatementDetailOut, summary="Dispute (提出异议)"
)
def statement_dispute(request, statement_id: Id, payload: StatementDisputeIn):
    statements.dispute_statement(
        actor=request.auth,
        statement_id=statement_id,
        reason=payload.reason,
        lines={line.order_id: line.reason for line in payload.lines},
    )
    return statements.get_statement_for(request.auth, statement_id)


@router.post(
    "/statements/{int:statement_id}/resolve", response=StatementDetailOut, summary="Resolve a dispute"
)
def statement_resolve(request, statement_id: Id, payload: StatementResolveIn):
    statements.resolve_dispute(
        actor=request.auth,
        statement_id=statement_id,
        resolution=payload.resolution,
        decisions={d.order_id: d.dict(exclude={"order_id"}) for d in payload.decisions},
    )
    return statements.get_statement_for(request.auth, statement_id)


@router.get("/statements/{int:statement_id}/export", summary="A statement as xlsx")
def statement_export(request, statement_id: Id):
    statement = statements.get_statement_for(request.auth, statement_id)
    return statement_xlsx(statement, statements.lines_of(statement))


# --- reconciliation -------------------------------------------------------------------------------------


class DifferenceOut(Schema):
    kind: str
    label: str
    message: str
    order_id: int | None
    transaction_id: int | None
    order_fen: int | None
    ledger_fen: int | None
    statement_fen: int | None

    @staticmethod
    def resolve_label(difference) -> str:
        return reconciliation.kind_label(difference.kind)


class ReconciliationOut(Schema):
    provider_id: int
    provider_name: str
    month: str
    order_count: int
    orders_fen: int
    ledger_fen: int
    statement_id: int | None
    statement_state: str
    statement_fen: int | None
    agrees: bool
    differences: list[DifferenceOut]

    @staticmethod
    def resolve_month(report) -> str:
        return report.month.strftime("%Y-%m")


@router.get(
    "/reconciliation", response=list[ReconciliationOut], summary="Orders, ledger and statements of a month"
)
def reconciliation_report(request, month: Month, provider_id: Id | None = None):
    month_ = statements.statement_month(month)
    if provider_id is not None:
        return [reconciliation.reconcile(request.auth, provider_id=provider_id, month=month_)]
    return reconciliation.reconcile_month(request.auth, month_)


@router.get("/reconciliation/export", summary="The reconciliation report as xlsx")
def reconciliation_export(request, month: Month):
    month_ = statements.statement_month(month)
    return reconciliation_xlsx(
        reconciliation.reconcile_month(request.auth, month_),
        month_,
        cash=reconciliation.reconcile_payments(request.auth, month_),
    )


class CashDifferenceOut(Schema):
    kind: str
    label: str
    message: str
    elder_id: int | None
    batch_number: int | None
    seq: int | None
    result_fen: int | None
    line_fen: int | None
    ledger_fen: int | None

    @staticmethod
    def resolve_label(difference) -> str:
        return reconciliation.kind_label(difference.kind)


class CashReconciliationOut(Schema):
    run_id: int
    region_code: str
    region_name: str
    month: str
    elder_count: int
    results_fen: int
    batch_count: int
    return_count: int
    paid_fen: int
    at_bank_fen: int
    unpaid_fen: int
    ledger_payable_fen: int
    ledger_at_bank_fen: int
    ledger_paid_fen: int
    agrees: bool
    difference_count: int
    counts: dict[str, int]

    @staticmethod
    def resolve_month(report) -> str:
        return report.month.strftime("%Y-%m")


class CashReconciliationPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CashReconciliationOut]


class CashDifferencePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CashDifferenceOut]


@router.get(
    "/reconciliation/payments",
    response=CashReconciliationPage,
    summary="Cash allowances of a month's approved runs against payment batches, ledger and bank returns",
)
def reconciliation_payments(request, month: Month, page: Page = 1, page_size: PageSize | None = None):
    return reconciliation.payment_reports(
        request.auth, statements.statement_month(month), page=page, page_size=page_size
    )


@router.get(
    "/reconciliation/payments/{int:run_id}/differences",
    response=CashDifferencePage,
    summary="An approved run's cash differences, a page at a time",
)
def reconciliation_payment_differences(
    request, run_id: Id, kind: Code = "", page: Page = 1, page_size: PageSize | None = None
):
    report = reconciliation.reconcile_run_payments(request.auth, run_id)
    kind = kind if kind in reconciliation.CASH_KIND_LABELS else ""
    return report.differences_page(kind=kind, page=page, page_size=page_size)


# --- budgets --------------------------------------------------------------------------------------------


class BudgetIn(Schema):
    fund_source: Annotated[str, MaxText(10)]
    region: RegionCode
    year: Annotated[int, Field(ge=budgets.YEARS[0], le=budgets.YEARS[1])]
    month: Annotated[int, Field(ge=1, le=12)] | None = None
    amount_fen: Fen
    note: Reason = ""


class BudgetOut(Schema):
    id: int
    fund_source: str
    fund_label: str
    region: str
    region_name: str
    year: int
    month: int | None
    period: str
    amount_fen: int
    spent_fen: int
    percent: float | None
    level: str
    note: str


def _budget_out(status: budgets.BudgetStatus) -> dict:
    budget = status.budget
    return {
        "id": budget.pk,
        "fund_source": budget.fund_source,
        "fund_label": str(budget.get_fund_source_display()),
        "region": budget.region_id,
        "region_name": budget.region.name,
        "year": budget.year,
        "month": budget.month,
        "period": status.period,
        "amount_fen": budget.amount_fen,
        "spent_fen": status.spent_fen,
        "percent": status.percent,
        "level": status.level,
        "note": budget.note,
    }


@router.get("/budgets", response=list[BudgetOut], summary="Budgets with their spend (warning at 90 %)")
def budget_list(request, year: Annotated[int, Field(ge=budgets.YEARS[0], le=budgets.YEARS[1])] | None = None):
    return [_budget_out(status) for status in budgets.budget_status(request.auth, year=year)]


@router.post("/budgets", response={201: BudgetOut}, summary="Enter or replace a budget")
def budget_set(request, payload: BudgetIn):
    budget = budgets.set_budget(
        actor=request.auth,
        fund_source=payload.fund_source,
        region_code=payload.region,
        year=payload.year,
        month=payload.month,
        amount_fen=payload.amount_fen,
        note=payload.note,
    )
    found = [s for s in budgets.budget_status(request.auth, year=budget.year) if s.budget.pk == budget.pk]
    return Status(201, _budget_out(found[0]))
