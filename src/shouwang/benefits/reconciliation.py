"""The reconciliation report (对账核对): per provider and month, the settled orders, the ledger and the
statement agreeing, or each difference listed.

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
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.errors import Forbidden, NotFound
from shouwang.orders.models import Order
from shouwang.providers.models import Provider
from shouwang.providers.selectors import providers_for

from .ledger import yuan
from .models import Account, AccountKind, LedgerEntry
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
