"""The reconciliation report (对账核对): per provider and month, the settled orders, the ledger and the
statement agreeing, or each difference listed; and the cash side, per approved run of the month, the
allowances owed, the payment batches' rows, the ledger (payable → sent to the bank → paid) and the bank's
returns agreeing, or each difference listed (``reconcile_payments``, below).

Three sides are compared for a provider's month (the month of the service day, Asia/Shanghai):

- the orders: the provider's settled orders of the month, with the price recorded at settlement;
- the ledger: the entries on the provider's payable account, each attributed to an order through its
  transaction (the settlement's ``order``, the order of the transaction a reversal undoes, or the order of
  the statement line a re-posted correction belongs to); an entry attributed to no order counts in the
  month it was posted;
- the statement: its lines at their price, or the corrected price where a dispute corrected it.

Differences: a settled order without a ledger entry; a ledger entry without a settled order; an order's
price and the ledger differing (after any correction); a settled order missing from the statement (with
whether it was verified); a statement line whose order is not a settled order of the month; the statement's
total and the ledger's differing; no statement issued for a month with settled orders.
Officials (and admins) read it, for the providers registered in their area.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.errors import Forbidden, NotFound
from shouwang.core.pagination import MAX_PAGE_SIZE, Page, page_count, paginate
from shouwang.core.scope import scope_of
from shouwang.orders.models import Order
from shouwang.providers.models import Provider
from shouwang.providers.selectors import providers_for

from .ledger import yuan
from .models import (
    Account,
    AccountKind,
    EligibilityResult,
    EligibilityRun,
    LedgerEntry,
    LineStatus,
    PaymentLine,
    PaymentReturn,
    RunState,
)
from .permissions import may_read_reconciliation
from .statement_models import Statement, StatementLine
from .statements import month_bounds, providers_with_settled_orders, settled_orders, verified


@dataclass
class Difference:
    kind: str
    message: str
    order_id: int | None = None
    transaction_id: int | None = None
    order_fen: int | None = None
    ledger_fen: int | None = None
    statement_fen: int | None = None


@dataclass
class Reconciliation:
    provider_id: int
    provider_name: str
    month: dt.date
    order_count: int = 0
    orders_fen: int = 0
    ledger_fen: int = 0
    statement_id: int | None = None
    statement_state: str = ""
    statement_fen: int | None = None
    differences: list[Difference] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.differences


KIND_LABELS = {
    "settled_without_ledger": gettext_lazy("settled order without a ledger entry"),
    "ledger_without_order": gettext_lazy("ledger entry without a settled order"),
    "amount_differs": gettext_lazy("order and ledger differ"),
    "not_on_statement": gettext_lazy("settled order not on the statement"),
    "statement_line_without_order": gettext_lazy("statement line without a settled order"),
    "statement_total_differs": gettext_lazy("statement total and ledger differ"),
    "no_statement": gettext_lazy("no statement issued"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def _providers(user):
    if not may_read_reconciliation(user):
        raise Forbidden(_("Only officials read the reconciliation report."))
    return providers_for(user)


def reconcile_month(user, month: dt.date) -> list[Reconciliation]:
    """The report of every provider in the user's area with settled orders, a statement or payable
    entries in ``month``."""
    providers = _providers(user)
    start, end = month_bounds(month)
    ids = providers_with_settled_orders(providers, month)
    ids |= set(
        Statement.objects.filter(month=month, provider__in=providers.values("pk")).values_list(
            "provider_id", flat=True
        )
    )
    ids |= set(
        Account.objects.filter(
            kind=AccountKind.PROVIDER_PAYABLE,
            provider__in=providers.values("pk"),
            entries__transaction__posted_at__gte=start,
            entries__transaction__posted_at__lt=end,
        ).values_list("provider_id", flat=True)
    )
    found = {p.pk: p for p in Provider.objects.filter(pk__in=ids)}
    return [_reconcile(found[pk], month) for pk in sorted(ids)]


def reconcile(user, *, provider_id: int, month: dt.date) -> Reconciliation:
    """The report of one provider in the user's area (NotFound otherwise)."""
    provider = _providers(user).filter(pk=provider_id).first()
    if provider is None:
        raise NotFound(_("This provider does not exist or is outside your area."))
    return _reconcile(provider, month)


def _reconcile(provider: Provider, month: dt.date) -> Reconciliation:
    start, end = month_bounds(month)
    report = Reconciliation(provider_id=provider.pk, provider_name=provider.name, month=month)
    differences = report.differences
    orders = {
        pk: amount or 0
        for pk, amount in settled_orders(provider.pk, month).values_list("pk", "amount_fen").order_by("pk")
    }
    report.order_count, report.orders_fen = len(orders), sum(orders.values())
    statement = Statement.objects.filter(provider=provider, month=month).first()
    lines = {line.order_id: line for line in statement.lines.all()} if statement else {}

    by_order, loose = _ledger(provider, start, end)
    unknown = {o for o in by_order if o not in orders}
    months_of = {
        pk: (state, timezone.localtime(at))
        for pk, state, at in Order.objects.filter(pk__in=unknown).values_list("pk", "state", "window_start")
    }
    for order_id in sorted(unknown):
        state, at = months_of[order_id]
        if not start <= at < end:
            del by_order[order_id]  # another month's order
            continue
        fen = by_order[order_id]
        if fen:
            differences.append(
                Difference(
                    "ledger_without_order",
                    _("The ledger holds ¥%(amount)s for order #%(id)s, which is not settled.")
                    % {"amount": yuan(fen), "id": order_id},
                    order_id=order_id,
                    ledger_fen=fen,
                )
            )
    for transaction_id, fen in loose:
        differences.append(
            Difference(
                "ledger_without_order",
                _("Ledger transaction #%(id)s pays the provider ¥%(amount)s for no order.")
                % {"id": transaction_id, "amount": yuan(fen)},
                transaction_id=transaction_id,
                ledger_fen=fen,
            )
        )
    report.ledger_fen = sum(by_order.values()) + sum(fen for _tx, fen in loose)

    for order_id, amount in orders.items():
        line = lines.get(order_id)
        corrected = line is not None and line.corrected_amount_fen is not None
        expected = line.corrected_amount_fen if corrected else amount
        if order_id not in by_order:
            if amount:
                differences.append(
                    Difference(
                        "settled_without_ledger",
                        _("Order #%(id)s was settled at ¥%(amount)s but has no ledger entry.")
                        % {"id": order_id, "amount": yuan(amount)},
                        order_id=order_id,
                        order_fen=amount,
                        ledger_fen=0,
                    )
                )
        elif by_order[order_id] != expected:
            differences.append(
                Difference(
                    "amount_differs",
                    _("Order #%(id)s: ¥%(expected)s expected, ¥%(ledger)s in the ledger.")
                    % {"id": order_id, "expected": yuan(expected), "ledger": yuan(by_order[order_id])},
                    order_id=order_id,
                    order_fen=expected,
                    ledger_fen=by_order[order_id],
                )
            )
    if statement is None:
        if orders:
            differences.append(Difference("no_statement", _("No statement has been issued for this month.")))
        return report
    report.statement_id = statement.pk
    report.statement_state = str(statement.get_state_display())
    report.statement_fen = sum(line.effective_amount_fen for line in lines.values())
    _statement_differences(report, statement, orders, lines)
    if report.statement_fen != report.ledger_fen:
        differences.append(
            Difference(
                "statement_total_differs",
                _("The statement totals ¥%(statement)s, the ledger ¥%(ledger)s.")
                % {"statement": yuan(report.statement_fen), "ledger": yuan(report.ledger_fen)},
                statement_fen=report.statement_fen,
                ledger_fen=report.ledger_fen,
            )
        )
    return report


def _statement_differences(report, statement, orders: dict[int, int], lines: dict) -> None:
    missing = [order_id for order_id in orders if order_id not in lines]
    checked = set(verified(Order.objects.filter(pk__in=missing)).values_list("pk", flat=True))
    for order_id in missing:
        message = (
            _("Order #%(id)s was settled after the statement was issued.")
            if order_id in checked
            else _("Order #%(id)s was settled but its visit is not verified (EVV).")
        )
        report.differences.append(
            Difference(
                "not_on_statement",
                message % {"id": order_id},
                order_id=order_id,
                order_fen=orders[order_id],
            )
        )
    for order_id, line in lines.items():
        if order_id not in orders:
            report.differences.append(
                Difference(
                    "statement_line_without_order",
                    _("Order #%(id)s is on the statement but is not a settled order of this month.")
                    % {"id": order_id},
                    order_id=order_id,
                    statement_fen=line.effective_amount_fen,
                )
            )
        elif line.corrected_amount_fen is None and line.amount_fen != orders[order_id]:
            report.differences.append(
                Difference(
                    "amount_differs",
                    _("Order #%(id)s: ¥%(statement)s on the statement, ¥%(order)s settled.")
                    % {
                        "id": order_id,
                        "statement": yuan(line.amount_fen),
                        "order": yuan(orders[order_id]),
                    },
                    order_id=order_id,
                    order_fen=orders[order_id],
                    statement_fen=line.amount_fen,
                )
            )


def _ledger(provider: Provider, start: dt.datetime, end: dt.datetime):
    """The provider's payable entries: per order (all months; the caller keeps its month's) and, for
    entries of no order posted within [start, end), (transaction id, fen)."""
    entries = LedgerEntry.objects.filter(
        account__kind=AccountKind.PROVIDER_PAYABLE, account__provider=provider
    ).values_list(
        "transaction_id",
        "transaction__order_id",
        "transaction__reverses__order_id",
        "transaction__reverses_id",
        "transaction__posted_at",
        "amount_fen",
    )
    corrected = dict(
        StatementLine.objects.filter(Q(reposting__isnull=False), statement__provider=provider).values_list(
            "reposting_id", "order_id"
        )
    )
    by_order: dict[int, int] = defaultdict(int)
    loose: dict[int, int] = defaultdict(int)
    for transaction_id, order_id, reversed_order, reversed_tx, posted_at, fen in entries:
        order = order_id or reversed_order or corrected.get(transaction_id) or corrected.get(reversed_tx)
        if order:
            by_order[order] += fen
        elif start <= posted_at < end:
            loose[transaction_id] += fen
    return dict(by_order), sorted(loose.items())


# --- the cash side: allowances of approved runs, payment batches, the ledger, the bank's returns ----------


@dataclass
class CashDifference:
    kind: str
    message: str
    elder_id: int | None = None
    batch_number: int | None = None
    seq: int | None = None
    result_fen: int | None = None
    line_fen: int | None = None
    ledger_fen: int | None = None


@dataclass
class _RowDifferences:
    """One kind of row-level difference: its rows in the database (counted and sliced there, never all
    read into Python) and how a slice of them reads as differences."""

    kind: str
    rows: QuerySet
    describe: Callable[[list], list[CashDifference]]
    count: int = 0


@dataclass
class CashReconciliation:
    """One approved run's cash allowances followed through to the elders. ``results_fen`` is what the run
    owes; the lines split it into paid, at the bank (sent, no return yet) and unpaid (no account, refused
    and waiting, withheld, or in no batch); the ledger's three accounts for the run must hold the same.

    The sums and counts are aggregated by the database. The differences come in two parts: those about
    the run as a whole (``summary``: the ledger, the bank's returns, no batch yet), and those about single
    elders, one kind at a time, counted by the database and read a page at a time (``differences_page``,
    ``all_differences``): a run of a million elders sent to the bank has a million rows waiting."""

    run_id: int
    region_code: str
    region_name: str
    month: dt.date
    elder_count: int = 0
    results_fen: int = 0
    batch_count: int = 0
    return_count: int = 0
    paid_fen: int = 0
    at_bank_fen: int = 0
    unpaid_fen: int = 0
    ledger_payable_fen: int = 0
    ledger_at_bank_fen: int = 0
    ledger_paid_fen: int = 0
    summary: list[CashDifference] = field(default_factory=list)
    row_kinds: list[_RowDifferences] = field(default_factory=list, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        """How many differences of each kind (kinds with none left out), in the order they are listed."""
        found: dict[str, int] = defaultdict(int)
        for difference in self.summary:
            found[difference.kind] += 1
        for rows in self.row_kinds:
            if rows.count:
                found[rows.kind] += rows.count
        return dict(found)

    @property
    def difference_count(self) -> int:
        return len(self.summary) + sum(rows.count for rows in self.row_kinds)

    @property
    def agrees(self) -> bool:
        return not self.difference_count

    def differences_page(self, *, kind: str = "", page: int = 1, page_size: int | None = None) -> Page:
        """One page of the differences (of one kind if given), the run's own first, then row by row."""
        summary = [d for d in self.summary if d.kind == kind] if kind else self.summary
        row_kinds = [rows for rows in self.row_kinds if rows.kind == kind] if kind else self.row_kinds
        size = max(1, min(page_size or settings.SHOUWANG_PAGE_SIZE, MAX_PAGE_SIZE))
        count = len(summary) + sum(rows.count for rows in row_kinds)
        page = max(1, min(page, page_count(count, size)))
        start = (page - 1) * size
        return Page(
            items=_slice(summary, row_kinds, start, start + size), count=count, page=page, page_size=size
        )

    def all_differences(self) -> Iterator[CashDifference]:
        """Every difference, read a chunk at a time (for the xlsx export)."""
        yield from self.summary
        for rows in self.row_kinds:
            for start in range(0, rows.count, EXPORT_CHUNK):
                yield from rows.describe(list(rows.rows[start : start + EXPORT_CHUNK]))


EXPORT_CHUNK = 5_000


def _slice(summary: list, row_kinds: list[_RowDifferences], start: int, stop: int) -> list[CashDifference]:
    """Differences ``start`` to ``stop`` of the summary followed by each kind's rows."""
    found = summary[start:stop]
    offset = len(summary)
    for rows in row_kinds:
        low, high = max(start - offset, 0), min(stop - offset, rows.count)
        if low < high:
            found += rows.describe(list(rows.rows[low:high]))
        offset += rows.count
    return found


CASH_KIND_LABELS = {
    "no_batch": gettext_lazy("no payment batch made"),
    "not_in_batch": gettext_lazy("allowance in no payment batch"),
    "line_without_result": gettext_lazy("payment without an allowance"),
    "line_amount_differs": gettext_lazy("payment and allowance differ"),
    "no_account": gettext_lazy("not paid: no account"),
    "refused": gettext_lazy("refused by the bank, waiting to be re-issued"),
    "withheld": gettext_lazy("not re-issued"),
    "at_bank": gettext_lazy("sent to the bank, no return yet"),
    "ledger_owed_differs": gettext_lazy("ledger and allowances differ"),
    "ledger_payable_differs": gettext_lazy("ledger payable and batches differ"),
    "ledger_at_bank_differs": gettext_lazy("ledger at the bank and batches differ"),
    "ledger_paid_differs": gettext_lazy("ledger paid and bank returns differ"),
    "return_row_unknown": gettext_lazy("bank return row not in the batch"),
}
KIND_LABELS.update(CASH_KIND_LABELS)
# The kinds a line's status gives when it is the elder's latest line, and the status's sum it adds to.
LINE_STATUS_KINDS = {
    LineStatus.SENT: "at_bank",
    LineStatus.NO_ACCOUNT: "no_account",
    LineStatus.FAILED: "refused",
    LineStatus.WITHHELD: "withheld",
}
LINE_FIELDS = (
    "elder_id",
    "name",
    "batch__number",
    "seq",
    "amount_fen",
    "status",
    "bank_reason",
    "withheld_reason",
)


def _approved_runs(user):
    if not may_read_reconciliation(user):
        raise Forbidden(_("Only officials read the reconciliation report."))
    return scope_of(user).filter(
        EligibilityRun.objects.select_related("region").filter(state=RunState.APPROVED), region="region__code"
    )


def reconcile_payments(user, month: dt.date) -> list[CashReconciliation]:
    """The cash side of every run of ``month`` the district has approved, in the user's area (officials
    and admins; the runs of regions inside their area)."""
    return [_reconcile_run(run) for run in _approved_runs(user).filter(month=month).order_by("region_id")]


def payment_reports(user, month: dt.date, *, page: int = 1, page_size: int | None = None) -> Page:
    """``reconcile_payments`` a page of runs at a time."""
    found = paginate(
        _approved_runs(user).filter(month=month).order_by("region_id"), page=page, page_size=page_size
    )
    found.items = [_reconcile_run(run) for run in found.items]
    return found


def reconcile_run_payments(user, run_id: int) -> CashReconciliation:
    """The cash side of one approved run in the user's area (NotFound otherwise, also when not approved)."""
    run = _approved_runs(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("This run does not exist, is not approved or is outside your area."))
    return _reconcile_run(run)


def _reconcile_run(run: EligibilityRun) -> CashReconciliation:
    report = CashReconciliation(
        run_id=run.pk, region_code=run.region_id, region_name=run.region.name, month=run.month
    )
    owed = EligibilityResult.objects.filter(run=run, cash_fen__gt=0)
    totals = owed.aggregate(count=Count("pk"), fen=Sum("cash_fen"))
    report.elder_count, report.results_fen = totals["count"], totals["fen"] or 0
    batches = list(run.payment_batches.order_by("number"))
    report.batch_count = len(batches)
    _lines_against_results(report, run, owed, batched=bool(batches))
    _ledger_against_lines(report, run, batches)
    _returns(report, batches)
    return report


def _lines_against_results(report: CashReconciliation, run: EligibilityRun, owed, *, batched: bool) -> None:
    """The batches' rows against the run's allowances, compared by the database: each elder's first line
    (in the lowest batch that holds them) against what the run owes, and each elder's latest line (earlier
    ones were re-issued) by its status."""
    if not batched:
        if report.elder_count:
            report.summary.append(
                CashDifference(
                    "no_batch",
                    _("No payment batch has been made: ¥%(amount)s owed to %(count)s elders is not paid.")
                    % {"amount": yuan(report.results_fen), "count": report.elder_count},
                    result_fen=report.results_fen,
                )
            )
        report.unpaid_fen = report.results_fen
        return
    lines = PaymentLine.objects.filter(batch__run=run)
    of_elder = {"elder_id": OuterRef("elder_id")}
    first = lines.filter(~Exists(lines.filter(**of_elder, batch__number__lt=OuterRef("batch__number"))))
    latest = lines.exclude(status=LineStatus.REISSUED).order_by("batch__number", "seq")
    in_no_batch = owed.filter(~Exists(lines.filter(**of_elder))).order_by("elder_id")
    missing = in_no_batch.aggregate(count=Count("pk"), fen=Sum("cash_fen"))
    by_status = {
        status: (count, fen or 0)
        for status, count, fen in latest.order_by()
        .values("status")
        .annotate(count=Count("pk"), fen=Sum("amount_fen"))
        .values_list("status", "count", "fen")
    }
    report.paid_fen = by_status.get(LineStatus.PAID, (0, 0))[1]
    report.at_bank_fen = by_status.get(LineStatus.SENT, (0, 0))[1]
    report.unpaid_fen = (missing["fen"] or 0) + sum(
        by_status.get(status, (0, 0))[1]
        for status in (LineStatus.NO_ACCOUNT, LineStatus.FAILED, LineStatus.WITHHELD)
    )
    owed_amount = owed.filter(**of_elder).values("cash_fen")[:1]
    kinds = [
        _RowDifferences("not_in_batch", in_no_batch.values_list("elder_id", "cash_fen"), _not_in_batch),
        _RowDifferences(
            "line_without_result",
            first.filter(~Exists(owed.filter(**of_elder)))
            .order_by("batch__number", "seq")
            .values_list(*LINE_FIELDS),
            _without_result,
        ),
        _RowDifferences(
            "line_amount_differs",
            first.filter(Exists(owed.filter(**of_elder).exclude(cash_fen=OuterRef("amount_fen"))))
            .annotate(owed=Subquery(owed_amount))
            .order_by("batch__number", "seq")
            .values_list(*LINE_FIELDS, "owed"),
            _amount_differs,
        ),
    ]
    for compared in kinds:
        compared.count = missing["count"] if compared.kind == "not_in_batch" else compared.rows.count()
    for status, name in LINE_STATUS_KINDS.items():
        rows = _RowDifferences(name, latest.filter(status=status).values_list(*LINE_FIELDS), _by_status)
        rows.count = by_status.get(status, (0, 0))[0]
        kinds.append(rows)
    report.row_kinds = kinds


def _not_in_batch(rows: list) -> list[CashDifference]:
    return [
        CashDifference(
            "not_in_batch",
            _("Elder #%(id)s is owed ¥%(amount)s by the run but is in no payment batch.")
            % {"id": elder_id, "amount": yuan(fen)},
            elder_id=elder_id,
            result_fen=fen,
        )
        for elder_id, fen in rows
    ]


def _without_result(rows: list) -> list[CashDifference]:
    return [
        CashDifference(
            "line_without_result",
            _("Batch %(number)s row %(seq)s pays %(name)s ¥%(amount)s, which the run does not owe.")
            % {"number": number, "seq": seq, "name": name, "amount": yuan(fen)},
            elder_id=elder_id,
            batch_number=number,
            seq=seq,
            line_fen=fen,
        )
        for elder_id, name, number, seq, fen, *_rest in rows
    ]


def _amount_differs(rows: list) -> list[CashDifference]:
    return [
        CashDifference(
            "line_amount_differs",
            _("Batch %(number)s row %(seq)s pays %(name)s ¥%(paid)s; the run owes ¥%(owed)s.")
            % {"number": number, "seq": seq, "name": name, "paid": yuan(fen), "owed": yuan(owed)},
            elder_id=elder_id,
            batch_number=number,
            seq=seq,
            result_fen=owed,
            line_fen=fen,
        )
        for elder_id, name, number, seq, fen, _status, _bank, _held, owed in rows
    ]


def _by_status(rows: list) -> list[CashDifference]:
    """Latest lines not paid: at the bank, no account, refused and waiting, or withheld."""
    found = []
    for elder_id, name, number, seq, fen, status, bank_reason, held_reason in rows:
        if status == LineStatus.SENT:
            message = _(
                "Batch %(number)s row %(seq)s (%(name)s, ¥%(amount)s) is at the bank, with no return yet."
            )
        elif status == LineStatus.NO_ACCOUNT:
            message = _(
                "Batch %(number)s row %(seq)s (%(name)s, ¥%(amount)s) is not paid: the elder has no account."
            )
        elif status == LineStatus.FAILED:
            message = _(
                "Batch %(number)s row %(seq)s (%(name)s, ¥%(amount)s) was refused by the bank (%(reason)s) "
                "and waits to be re-issued."
            )
        else:  # withheld (a re-issued line is never the last)
            message = _("Batch %(number)s row %(seq)s (%(name)s, ¥%(amount)s) is not re-issued: %(reason)s")
        kind = LINE_STATUS_KINDS[status]
        reason = (bank_reason or _("no reason given")) if kind == "refused" else held_reason
        found.append(
            CashDifference(
                kind,
                message % {"number": number, "seq": seq, "name": name, "amount": yuan(fen), "reason": reason},
                elder_id=elder_id,
                batch_number=number,
                seq=seq,
                line_fen=fen,
            )
        )
    return found


def _ledger_against_lines(report: CashReconciliation, run: EligibilityRun, batches) -> None:
    """The run's allowances in the ledger (its posting and any reversal, its batches' sending and the
    returns' booking) on the three accounts, against the lines."""
    transactions = [batch.sent_transaction_id for batch in batches if batch.sent_transaction_id]
    transactions += list(
        PaymentReturn.objects.filter(batch__run=run, transaction__isnull=False).values_list(
            "transaction_id", flat=True
        )
    )
    sums = dict(
        LedgerEntry.objects.filter(
            Q(transaction__run=run) | Q(transaction__reverses__run=run) | Q(transaction_id__in=transactions),
            account__kind__in=(
                AccountKind.ALLOWANCE_PAYABLE,
                AccountKind.BANK_CLEARING,
                AccountKind.ALLOWANCE_PAID,
            ),
        )
        .values("account__kind")
        .annotate(total=Sum("amount_fen"))
        .values_list("account__kind", "total")
    )
    report.ledger_payable_fen = sums.get(AccountKind.ALLOWANCE_PAYABLE, 0)
    report.ledger_at_bank_fen = sums.get(AccountKind.BANK_CLEARING, 0)
    report.ledger_paid_fen = sums.get(AccountKind.ALLOWANCE_PAID, 0)
    owed_in_ledger = report.ledger_payable_fen + report.ledger_at_bank_fen + report.ledger_paid_fen
    add = report.summary.append
    if owed_in_ledger != report.results_fen:
        add(
            CashDifference(
                "ledger_owed_differs",
                _("The run owes ¥%(owed)s in cash allowances; the ledger booked ¥%(ledger)s for it.")
                % {"owed": yuan(report.results_fen), "ledger": yuan(owed_in_ledger)},
                result_fen=report.results_fen,
                ledger_fen=owed_in_ledger,
            )
        )
    for kind, ledger_fen, lines_fen, text in (
        (
            "ledger_paid_differs",
            report.ledger_paid_fen,
            report.paid_fen,
            _("The bank's returns mark ¥%(lines)s paid; the ledger's paid account holds ¥%(ledger)s."),
        ),
        (
            "ledger_at_bank_differs",
            report.ledger_at_bank_fen,
            report.at_bank_fen,
            _("Rows at the bank total ¥%(lines)s; the ledger holds ¥%(ledger)s as sent to the bank."),
        ),
        (
            "ledger_payable_differs",
            report.ledger_payable_fen,
            report.unpaid_fen,
            _("Allowances not paid total ¥%(lines)s; the ledger holds ¥%(ledger)s as payable."),
        ),
    ):
        if ledger_fen != lines_fen:
            add(
                CashDifference(
                    kind,
                    text % {"lines": yuan(lines_fen), "ledger": yuan(ledger_fen)},
                    line_fen=lines_fen,
                    ledger_fen=ledger_fen,
                )
            )


def _returns(report: CashReconciliation, batches) -> None:
    """Rows of the bank's return files that no line of the batch matched (they changed nothing)."""
    returns = PaymentReturn.objects.filter(batch__in=batches).select_related("batch").order_by("imported_at")
    report.return_count = len(returns)
    for got in returns:
        for row in got.report.get("unknown", []):
            report.summary.append(
                CashDifference(
                    "return_row_unknown",
                    _(
                        "The bank's return %(file)s (batch %(number)s), row %(row)s: %(id_number)s, "
                        "¥%(amount)s — %(why)s; nothing was changed."
                    )
                    % {
                        "file": got.file_name,
                        "number": got.batch.number,
                        "row": row.get("row"),
                        "id_number": row.get("id_number", ""),
                        "amount": yuan(row.get("amount_fen", 0)),
                        "why": row.get("why", ""),
                    },
                    batch_number=got.batch.number,
                    line_fen=row.get("amount_fen"),
                )
            )
