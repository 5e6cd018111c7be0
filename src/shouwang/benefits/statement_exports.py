"""xlsx exports of a provider statement and of the reconciliation report, written row by row in constant
memory (``core.spreadsheets.SheetWriter``) into a temporary file that the response streams. Money is in
yuan with two decimals as numbers, so the bureau's sums in Excel work; the callers pass only what the user
may see (selectors)."""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from django.utils.translation import gettext as _

from shouwang.core.spreadsheets import SheetWriter

from .reconciliation import CashReconciliation, Reconciliation, kind_label
from .statement_models import Statement


def _yuan(fen: int | None):
    return "" if fen is None else round(fen / 100, 2)


def _response(handle, filename: str) -> FileResponse:
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename)


def statement_xlsx(statement: Statement, lines) -> FileResponse:
    """The statement's lines (order, service day, elder, community, price, voucher part, self-pay part,
    dispute, decision, corrected price) and a total row."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it once streamed
    header = [
        _("Order"),
        _("Service day"),
        _("Elder"),
        _("Community"),
        _("Price (yuan)"),
        _("Voucher part (yuan)"),
        _("Self-pay part (yuan)"),
        _("Dispute"),
        _("Decision"),
        _("Corrected price (yuan)"),
    ]
    totals = [0, 0, 0]
    with SheetWriter(handle, header, sheet_name=statement.month.strftime("%Y-%m")) as writer:
        for line in lines:
            totals = [
                totals[0] + line.amount_fen,
                totals[1] + line.voucher_fen,
                totals[2] + line.self_pay_fen,
            ]
            writer.append(
                [
                    line.order_id,
                    line.service_day.isoformat(),
                    line.order.elder.name,
                    line.order.community.name,
                    _yuan(line.amount_fen),
                    _yuan(line.voucher_fen),
                    _yuan(line.self_pay_fen),
                    line.dispute_reason,
                    line.get_decision_display() if line.decision else "",
                    _yuan(line.corrected_amount_fen),
                ]
            )
        writer.append([_("Total"), "", "", "", *(_yuan(fen) for fen in totals), "", "", ""])
        writer.append([_("State"), str(statement.get_state_display())])
    name = _("statement-%(provider)s-%(month)s.xlsx") % {
        "provider": statement.provider.name,
        "month": statement.month.strftime("%Y-%m"),
    }
    return _response(handle, name)


def reconciliation_xlsx(
    reports: list[Reconciliation], month, *, cash: list[CashReconciliation]
) -> FileResponse:
    """One sheet of providers (orders, ledger, statement totals, agreeing or not) and one of every
    difference; then the cash side: one sheet of the approved runs (owed, paid, at the bank, unpaid, and
    the ledger's three accounts) and one of every cash difference."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it once streamed
    header = [
        _("Provider"),
        _("Orders"),
        _("Orders (yuan)"),
        _("Ledger (yuan)"),
        _("Statement (yuan)"),
        _("Statement state"),
        _("Agrees"),
        _("Differences"),
    ]
    with SheetWriter(handle, header, sheet_name=_("Providers")) as writer:
        for report in reports:
            writer.append(
                [
                    report.provider_name,
                    report.order_count,
                    _yuan(report.orders_fen),
                    _yuan(report.ledger_fen),
                    _yuan(report.statement_fen),
                    report.statement_state,
                    _("yes") if report.agrees else _("no"),
                    len(report.differences),
                ]
            )
        writer.add_sheet(
            [
                _("Provider"),
                _("Difference"),
                _("Order"),
                _("Ledger transaction"),
                _("Order (yuan)"),
                _("Ledger (yuan)"),
                _("Statement (yuan)"),
                _("Detail"),
            ],
            sheet_name=_("Differences"),
        )
        for report in reports:
            for difference in report.differences:
                writer.append(
                    [
                        report.provider_name,
                        kind_label(difference.kind),
                        difference.order_id or "",
                        difference.transaction_id or "",
                        _yuan(difference.order_fen),
                        _yuan(difference.ledger_fen),
                        _yuan(difference.statement_fen),
                        difference.message,
                    ]
                )
        _cash_sheets(writer, cash)
    return _response(handle, _("reconciliation-%(month)s.xlsx") % {"month": month.strftime("%Y-%m")})


def _cash_sheets(writer: SheetWriter, cash: list[CashReconciliation]) -> None:
    writer.add_sheet(
        [
            _("Region"),
            _("Run"),
            _("Elders owed"),
            _("Owed (yuan)"),
            _("Paid (yuan)"),
            _("At the bank (yuan)"),
            _("Not paid (yuan)"),
            _("Ledger payable (yuan)"),
            _("Ledger at the bank (yuan)"),
            _("Ledger paid (yuan)"),
            _("Batches"),
            _("Bank returns"),
            _("Agrees"),
            _("Differences"),
        ],
        sheet_name=_("Payments"),
    )
    for report in cash:
        writer.append(
            [
                report.region_name,
                report.run_id,
                report.elder_count,
                _yuan(report.results_fen),
                _yuan(report.paid_fen),
                _yuan(report.at_bank_fen),
                _yuan(report.unpaid_fen),
                _yuan(report.ledger_payable_fen),
                _yuan(report.ledger_at_bank_fen),
                _yuan(report.ledger_paid_fen),
                report.batch_count,
                report.return_count,
                _("yes") if report.agrees else _("no"),
                report.difference_count,
            ]
        )
    writer.add_sheet(
        [
            _("Region"),
            _("Difference"),
            _("Elder"),
            _("Batch"),
            _("Row"),
            _("Owed (yuan)"),
            _("Batch (yuan)"),
            _("Ledger (yuan)"),
            _("Detail"),
        ],
        sheet_name=_("Payment differences"),
    )
    for report in cash:
        for difference in report.all_differences():
            writer.append(
                [
                    report.region_name,
                    kind_label(difference.kind),
                    difference.elder_id or "",
                    difference.batch_number or "",
                    difference.seq or "",
                    _yuan(difference.result_fen),
                    _yuan(difference.line_fen),
                    _yuan(difference.ledger_fen),
                    difference.message,
                ]
            )
