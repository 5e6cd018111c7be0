"""Monthly provider statements (对账单): issuing them, the provider's answer, the bureau's resolution.

A statement lists one provider's verified, confirmed and settled orders of one month (the month of the
service day, Asia/Shanghai) with the price, the voucher part and the self-pay part recorded at settlement.
"Verified" means the EVV visit was checked out and no visit exception is open or upheld; a settled order
that is not verified stays off the statement (the reconciliation report lists it).

Issuing is idempotent: the statement of a provider and month is made once (a unique constraint) and, while
the provider has not answered it, issuing again brings its lines up to date (an order settled late is
added) and changes nothing when nothing changed. Scheduled on the 1st (``tasks.issue_statements``, for the
month just ended) and on demand by an official.

The provider's admin acknowledges (确认) or disputes (提出异议) with a reason overall or per order; an
official resolves the dispute line by line: the statement stands, or the order's price is corrected. A
correction never edits the ledger: the order's settlement transaction is reversed (``ledger.reverse``) and,
unless the corrected price is nothing, the settlement is posted again for the corrected price (the voucher
part as far as it went before, the rest self-pay). States move through one table (``MOVES``), each move
with its row locked, recorded in ``StatementTransition`` and in the audit log.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import audit
from shouwang.core.actors import is_system, require_actor
from shouwang.core.errors import Conflict, NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.orders.models import ExceptionState, Order, OrderState, Visit, VisitException
from shouwang.providers.models import Provider
from shouwang.providers.selectors import providers_for

from . import ledger
from .models import Account, LedgerTransaction, TransactionKind
from .permissions import (
    may_answer_statement,
    may_issue_statements,
    may_read_statements,
    may_resolve_statement,
    require,
)
from .services import parse_month
from .statement_models import LineDecision, Statement, StatementLine, StatementState, StatementTransition
from .transitions import Machine

logger = logging.getLogger(__name__)

S = StatementState
MOVES: dict[str, frozenset[str]] = {
    S.ISSUED: frozenset({S.ACKNOWLEDGED, S.DISPUTED}),
    S.DISPUTED: frozenset({S.RESOLVED}),
    S.RESOLVED: frozenset({S.ACKNOWLEDGED, S.DISPUTED}),
    S.ACKNOWLEDGED: frozenset(),
}
REASON_MAX = 300


# --- months ---------------------------------------------------------------------------------------------


FIRST_MONTH, LAST_MONTH = dt.date(2000, 1, 1), dt.date(2100, 12, 1)
PRICE_MAX = 2_147_483_647  # what a line's price column holds


def statement_month(value) -> dt.date:
    """A month of statements and reconciliation, ``YYYY-MM`` between 2000 and 2100 (beyond, the local
    midnight of its first day has no UTC time the database holds)."""
    month = parse_month(value)
    if not FIRST_MONTH <= month <= LAST_MONTH:
        message = _("Give a month between 2000-01 and 2100-12.")
        raise ValidationFailed(message, errors={"month": message})
    return month


def next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as aware datetimes [first day 00:00, next month's first day 00:00) in local time."""
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(next_month(month), dt.time.min))


def settled_orders(provider_id: int, month: dt.date) -> QuerySet[Order]:
    """The provider's settled orders whose service day lies in ``month``."""
    start, end = month_bounds(month)
    return Order.objects.filter(
        provider_id=provider_id, state=OrderState.SETTLED, window_start__gte=start, window_start__lt=end
    )


def providers_with_settled_orders(providers: QuerySet[Provider], month: dt.date) -> set[int]:
    """The ids of ``providers`` with a settled order whose service day lies in ``month``."""
    start, end = month_bounds(month)
    settled = Order.objects.filter(
        provider__in=providers.values("pk"),
        state=OrderState.SETTLED,
        window_start__gte=start,
        window_start__lt=end,
    )
    return set(settled.values_list("provider_id", flat=True))


def verified(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Orders whose visit was checked out and has no open or upheld exception (EVV)."""
    checked_out = Visit.objects.filter(order_id=OuterRef("pk"), checkout_at__isnull=False)
    standing = VisitException.objects.filter(
        order_id=OuterRef("pk"), state__in=[ExceptionState.OPEN, ExceptionState.UPHELD]
    )
    return orders.filter(Exists(checked_out)).exclude(Exists(standing))


# --- reads ----------------------------------------------------------------------------------------------


def statements_for(user) -> QuerySet[Statement]:
    """Statements the user may see: a provider admin its own provider's, officials those of providers
    registered in their area, admins all."""
    if not may_read_statements(user):
        return Statement.objects.none()
    found = Statement.objects.select_related("provider")
    return scope_of(user).filter(found, region="provider__region__code", provider="provider_id")


def get_statement_for(user, statement_id: int) -> Statement:
    statement = statements_for(user).filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(_("This statement does not exist or is outside your area."))
    return statement


def lines_of(statement: Statement) -> QuerySet[StatementLine]:
    return statement.lines.select_related("order__elder", "order__community").order_by(
        "service_day", "order_id"
    )


def transitions_of(statement: Statement) -> QuerySet[StatementTransition]:
    return statement.transitions.all()


# --- issuing --------------------------------------------------------------------------------------------


def issue_statements(*, actor, month, provider_id: int | None = None, only_missing: bool = False) -> list:
    """Issue (or bring up to date) the statements of ``month`` for every provider with settled orders
    that month, or only for ``provider_id``; ``actor`` SYSTEM is the scheduled job (every provider). Each
    provider's statement is its own transaction. Returns the statements."""
    month = statement_month(month)
    require_actor(actor)
    if not is_system(actor):
        require(may_issue_statements(actor), _("Only officials issue provider statements."))
    providers = Provider.objects.all() if is_system(actor) else providers_for(actor)
    if provider_id is not None:
        if not providers.filter(pk=provider_id).exists():
            raise NotFound(_("This provider does not exist or is outside your area."))
        ids = [provider_id]
    else:
        ids = sorted(providers_with_settled_orders(providers, month))
    issued = []
    for pk in ids:
        with transaction.atomic():
            issued.append(_issue_one(actor=actor, provider_id=pk, month=month, only_missing=only_missing))
    return issued


def _issue_one(*, actor, provider_id: int, month: dt.date, only_missing: bool) -> Statement:
    provider = Provider.objects.get(pk=provider_id)
    statement, created = Statement.objects.select_for_update().get_or_create(provider=provider, month=month)
    if not created and (only_missing or statement.state != S.ISSUED):
        return statement  # answered statements stay as the provider saw them
    wanted = {
        order.pk: order
        for order in verified(settled_orders(provider_id, month)).only(
            "pk", "window_start", "amount_fen", "subsidy_fen", "self_pay_fen"
        )
    }
    have = {line.order_id: line for line in statement.lines.all()}
    gone = [order_id for order_id in have if order_id not in wanted]
    changed = []
    added = []
    for order_id, order in wanted.items():
        values = {
            "service_day": timezone.localtime(order.window_start).date(),
            "amount_fen": order.amount_fen or 0,
            "voucher_fen": order.subsidy_fen,
            "self_pay_fen": order.self_pay_fen,
        }
        line = have.get(order_id)
        if line is None:
            added.append(StatementLine(statement=statement, order_id=order_id, **values))
        elif any(getattr(line, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(line, name, value)
            changed.append(line)
    StatementLine.objects.filter(statement=statement, order_id__in=gone).delete()
    StatementLine.objects.bulk_create(added)
    StatementLine.objects.bulk_update(changed, ["service_day", "amount_fen", "voucher_fen", "self_pay_fen"])
    if not (created or gone or added or changed):
        return statement
    lines = list(statement.lines.values_list("amount_fen", "voucher_fen", "self_pay_fen"))
    statement.order_count = len(lines)
    statement.amount_fen = sum(row[0] for row in lines)
    statement.voucher_fen = sum(row[1] for row in lines)
    statement.self_pay_fen = sum(row[2] for row in lines)
    statement.issued_at = timezone.now()
    statement.save()
    if created:
        MACHINE.record(statement, "", S.ISSUED, actor=actor)
    audit.record(
        actor=actor,
        action="benefits.statement.issued",
        obj=statement,
        after={
            "month": month.strftime("%Y-%m"),
            "orders": statement.order_count,
            "amount_fen": statement.amount_fen,
            "added": len(added),
            "removed": len(gone),
            "changed": len(changed),
        },
        region_code=provider.region_id,
        provider_id=provider.pk,
    )
    return statement


# --- the provider's answer and the bureau's resolution ---------------------------------------------------


MACHINE = Machine(
    moves=MOVES,
    states=StatementState,
    refusal=gettext_lazy("This statement is %(state)s and cannot become %(target)s."),
    transitions=StatementTransition,
    owner="statement",
    text="reason",
    where=lambda statement: {
        "region_code": statement.provider.region_id,
        "provider_id": statement.provider_id,
    },
)


def advance(statement: Statement, to_state: str, *, actor, reason: str = "", details: dict | None = None):
    """Move ``statement`` to ``to_state`` or refuse with 409; the caller holds its row lock."""
    return MACHINE.advance(
        statement,
        to_state,
        action=f"benefits.statement.{to_state}",
        actor=actor,
        text=reason,
        details=details,
    )


def _locked(actor, statement_id: int) -> Statement:
    get_statement_for(actor, statement_id)  # one NotFound for missing and out of scope
    return Statement.objects.select_for_update(of=("self",)).select_related("provider").get(pk=statement_id)


def _text(value, field: str, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        message = _("Say why.")
        raise ValidationFailed(message, errors={field: message})
    if len(text) > REASON_MAX:
        message = _("At most %(count)s characters.") % {"count": REASON_MAX}
        raise ValidationFailed(message, errors={field: message})
    return text


@transaction.atomic
def acknowledge_statement(*, actor, statement_id: int, note: str = "") -> Statement:
    """The provider's admin confirms the statement (确认)."""
    statement = _locked(actor, statement_id)
    require(may_answer_statement(actor, statement), _("Only the provider's administrator answers it."))
    return advance(statement, S.ACKNOWLEDGED, actor=actor, reason=_text(note, "note"))


@transaction.atomic
def dispute_statement(
    *, actor, statement_id: int, reason: str = "", lines: dict[int, str] | None = None
) -> Statement:
    """The provider's admin disputes the statement (提出异议): a reason overall, per order
    (order id → reason), or both; at least one. Nothing is saved when any of it is wrong."""
    statement = _locked(actor, statement_id)
    require(may_answer_statement(actor, statement), _("Only the provider's administrator answers it."))
    overall = _text(reason, "reason")
    per_line = {int(order_id): _text(text, "lines") for order_id, text in (lines or {}).items()}
    per_line = {order_id: text for order_id, text in per_line.items() if text}
    if not overall and not per_line:
        message = _("Give the reason for the dispute, overall or for an order.")
        raise ValidationFailed(message, errors={"reason": message})
    found = {line.order_id: line for line in statement.lines.filter(order_id__in=list(per_line))}
    if unknown := sorted(set(per_line) - set(found)):
        message = _("Order %(ids)s is not on this statement.") % {"ids": ", ".join(map(str, unknown))}
        raise ValidationFailed(message, errors={"lines": message})
    if corrected := sorted(o for o, line in found.items() if line.decision == LineDecision.CORRECTED):
        message = _("Order %(ids)s was corrected already; it cannot be disputed again.") % {
            "ids": ", ".join(map(str, corrected))
        }
        raise ValidationFailed(message, errors={"lines": message})
    advance(
        statement,
        S.DISPUTED,
        actor=actor,
        reason=overall[:REASON_MAX],
        details={"lines": {str(k): v for k, v in per_line.items()}},
    )
    for order_id, line in found.items():
        line.dispute_reason, line.decision, line.decision_note = per_line[order_id], "", ""
        line.save(update_fields=["dispute_reason", "decision", "decision_note"])
    statement.dispute_reason = overall
    statement.save(update_fields=["dispute_reason", "updated_at"])
    return statement


@transaction.atomic
def resolve_dispute(
    *, actor, statement_id: int, resolution: str, decisions: dict[int, dict] | None = None
) -> Statement:
    """An official closes the dispute: every disputed order gets a decision, ``{"decision": "stands"}``
    or ``{"decision": "corrected", "amount_fen": N}`` (the right price, 0 when nothing is owed), with an
    optional ``note``. A correction is posted as a reversal of the order's settlement and, for a price
    above nothing, the settlement posted again. All or nothing."""
    statement = _locked(actor, statement_id)
    require(may_resolve_statement(actor, statement), _("Only officials over this provider resolve it."))
    resolution = _text(resolution, "resolution", required=True)
    decisions = {int(order_id): decision for order_id, decision in (decisions or {}).items()}
    if statement.state != S.DISPUTED:
        advance(statement, S.RESOLVED, actor=actor)  # the standard refusal
    lines = {line.order_id: line for line in statement.lines.select_related("order")}
    if unknown := sorted(set(decisions) - set(lines)):
        message = _("Order %(ids)s is not on this statement.") % {"ids": ", ".join(map(str, unknown))}
        raise ValidationFailed(message, errors={"decisions": message})
    open_lines = [o for o, line in lines.items() if line.dispute_reason and not line.decision]
    if missing := sorted(set(open_lines) - set(decisions)):
        message = _("Decide on every disputed order; order %(ids)s has no decision.") % {
            "ids": ", ".join(map(str, missing))
        }
        raise ValidationFailed(message, errors={"decisions": message})
    corrections = {}
    for order_id, decision in decisions.items():
        line = lines[order_id]
        kind = decision.get("decision")
        if kind not in LineDecision.values:
            message = _("Choose whether the statement stands or the price is corrected.")
            raise ValidationFailed(message, errors={"decisions": message})
        if line.decision == LineDecision.CORRECTED:
            message = _("Order %(id)s was corrected already.") % {"id": order_id}
            raise ValidationFailed(message, errors={"decisions": message})
        line.decision = kind
        line.decision_note = _text(decision.get("note"), "decisions")
        if kind == LineDecision.CORRECTED:
            amount = decision.get("amount_fen")
            if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= PRICE_MAX:
                message = _("The corrected price is a whole number of fen, zero or more.")
                raise ValidationFailed(message, errors={"amount_fen": message})
            if amount == line.amount_fen:
                message = _("The corrected price of order %(id)s is the price on the statement.") % {
                    "id": order_id
                }
                raise ValidationFailed(message, errors={"amount_fen": message})
            corrections[order_id] = amount
    for order_id, amount in corrections.items():
        _correct(lines[order_id], amount, actor=actor, statement=statement, resolution=resolution)
    for order_id in decisions:
        lines[order_id].save()
    statement.resolution = resolution
    return advance(
        statement,
        S.RESOLVED,
        actor=actor,
        reason=resolution,
        details={
            "decisions": {str(o): d.get("decision") for o, d in decisions.items()},
            "corrections": {str(o): fen for o, fen in corrections.items()},
        },
    )


def _correct(line: StatementLine, amount_fen: int, *, actor, statement: Statement, resolution: str) -> None:
    """Reverse the order's settlement and post it again for ``amount_fen`` (vouchers as far as they paid
    before, the rest self-pay)."""
    order = line.order
    settlement = LedgerTransaction.objects.filter(order=order, kind=TransactionKind.REDEMPTION).first()
    if settlement is None:
        raise Conflict(
            _("Order %(id)s has no settlement in the ledger to correct; see the reconciliation report.")
            % {"id": order.pk},
            code="no_settlement",
        )
    reason = _("statement %(month)s: %(resolution)s") % {
        "month": statement.month.strftime("%Y-%m"),
        "resolution": resolution,
    }
    line.reversal = ledger.reverse(actor=actor, transaction_id=settlement.pk, reason=reason[:150])
    line.corrected_amount_fen = amount_fen
    if amount_fen:
        voucher = min(line.voucher_fen, amount_fen)
        entries = [
            (ledger.provider_account(order.provider).pk, amount_fen),
            (ledger.self_pay_account(order.community_id).pk, -(amount_fen - voucher)),
        ]
        if voucher:
            account = Account.objects.get(key=ledger.voucher_key(order.elder_id))
            entries.append((account.pk, -voucher))
        line.reposting = ledger.post(
            actor=actor,
            kind=TransactionKind.REDEMPTION,
            memo=_("Order #%(id)s corrected to ¥%(amount)s")
            % {"id": order.pk, "amount": ledger.yuan(amount_fen)},
            lines=entries,
        )
    audit.record(
        actor=actor,
        action="benefits.statement.correction",
        obj=statement,
        before={"order": order.pk, "amount_fen": line.amount_fen},
        after={
            "order": order.pk,
            "amount_fen": amount_fen,
            "reversal": line.reversal.pk,
            "reposting": line.reposting.pk if line.reposting else None,
        },
        region_code=order.community_id,
        provider_id=order.provider_id,
    )
