"""The platform's one double-entry ledger, in two units: money in fen (benefits) and time in minutes (the
volunteers' time bank). See ADR 0018, which extends ADR 0013.

What is generic lives here and both users call it:

- every account has a unit; a transaction posts two or more non-zero entries on accounts of one unit,
  summing to zero (never fen against minutes);
- entries are only ever inserted (on PostgreSQL a trigger refuses UPDATE and DELETE, benefits/0002); a
  correction is ``reverse``, which posts the opposite entries once;
- balances are sums of entries, never stored;
- an account of a kind that may not go negative (``NON_NEGATIVE_KINDS``) is locked (``select_for_update``,
  in id order so two postings never deadlock) and its balance checked before an entry takes from it, so
  concurrent postings can never overdraw it;
- ``once_key`` makes a posting idempotent: a second transaction with the same key is refused by a unique
  constraint (a visit confirmed twice earns once).

The tables are ``benefits.Account``, ``benefits.LedgerTransaction`` and ``benefits.LedgerEntry``: they were
the benefits ledger's first and keep their app label (moving tables between apps in a shared migration
graph buys nothing). What each user's accounts mean, and who may post, stays with the user
(``benefits.ledger``, ``visits.timebank``).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from shouwang.benefits.models import (
    NON_NEGATIVE_KINDS,
    Account,
    LedgerEntry,
    LedgerTransaction,
    LedgerUnit,
    TransactionKind,
)
from shouwang.core import audit
from shouwang.core.actors import as_user
from shouwang.core.errors import Conflict, ValidationFailed

Unit = LedgerUnit
ENTRY_BATCH = 5_000

__all__ = [
    "ENTRY_BATCH",
    "AlreadyPosted",
    "InsufficientBalance",
    "Unit",
    "balance",
    "balances",
    "format_amount",
    "post",
    "reverse",
]


class InsufficientBalance(Conflict):
    """An entry would take an account that may not go negative below zero. ``available`` is its balance,
    ``wanted`` what the transaction would take, both in the account's unit."""

    code = "insufficient_balance"

    def __init__(self, message: str, *, available: int = 0, wanted: int = 0):
        super().__init__(message)
        self.available, self.wanted = available, wanted


class AlreadyPosted(Conflict):
    code = "already_posted"


def format_amount(amount: int, unit: str) -> str:
    """An amount for people: "¥12.30" for fen, "90 minutes" for minutes."""
    if unit == Unit.MINUTE:
        return _("%(minutes)s minutes") % {"minutes": amount}
    return f"¥{amount / 100:,.2f}"


def balance(account_id: int) -> int:
    return LedgerEntry.objects.filter(account_id=account_id).aggregate(total=Sum("amount_fen"))["total"] or 0


def balances(account_ids: list[int]) -> dict[int, int]:
    """Several accounts' balances in one query (accounts without entries: 0)."""
    found = dict(
        LedgerEntry.objects.filter(account_id__in=account_ids)
        .values("account_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("account_id", "total")
    )
    return {account_id: found.get(account_id, 0) for account_id in account_ids}


@transaction.atomic
def post(
    *,
    actor,
    kind: str,
    memo: str,
    lines: list[tuple[int, int]],
    once_key: str | None = None,
    **links,
) -> LedgerTransaction:
    """Post ``lines`` (account id, signed amount in the accounts' unit) as one transaction, in the caller's
    transaction. ``links`` are the transaction's own columns (``run``, ``order``, ``reverses``).

    Refused when the lines do not sum to zero, mix units, or would take an account that may not go
    negative below zero; with ``once_key``, refused when a transaction with that key exists."""
    lines = [(account_id, amount) for account_id, amount in lines if amount]
    if len(lines) < 2 or sum(amount for _account_id, amount in lines) != 0:
        raise ValidationFailed(_("A ledger transaction needs two or more entries that sum to zero."))
    units = set(Account.objects.filter(pk__in={a for a, _amount in lines}).values_list("unit", flat=True))
    if len(units) != 1:
        raise ValidationFailed(_("A ledger transaction moves one unit: its accounts differ in unit."))
    if once_key and LedgerTransaction.objects.filter(once_key=once_key).exists():
        raise AlreadyPosted(_("This was already posted to the ledger."))
    _check_not_overdrawn(lines)
    try:
        with transaction.atomic():  # a savepoint: the key's race is lost cleanly, not as a broken transaction
            posted = LedgerTransaction.objects.create(
                kind=kind, memo=memo[:200], actor=as_user(actor), once_key=once_key or None, **links
            )
    except IntegrityError:
        if once_key and LedgerTransaction.objects.filter(once_key=once_key).exists():
            raise AlreadyPosted(_("This was already posted to the ledger.")) from None
        raise
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(transaction=posted, account_id=a, amount_fen=amount) for a, amount in lines],
        batch_size=ENTRY_BATCH,
    )
    return posted


def _check_not_overdrawn(lines: list[tuple[int, int]]) -> None:
    taking: dict[int, int] = defaultdict(int)
    for account_id, amount in lines:
        taking[account_id] += amount
    debited = [account_id for account_id, amount in taking.items() if amount < 0]
    guarded = list(
        Account.objects.select_for_update()
        .filter(pk__in=debited, kind__in=NON_NEGATIVE_KINDS)
        .order_by("pk")
        .values_list("pk", "name", "unit")
    )
    for account_id, name, unit in guarded:
        available = balance(account_id)
        if available + taking[account_id] < 0:
            raise InsufficientBalance(
                _("%(account)s holds %(balance)s; %(amount)s cannot be taken from it. Nothing was saved.")
                % {
                    "account": name,
                    "balance": format_amount(available, unit),
                    "amount": format_amount(-taking[account_id], unit),
                },
                available=available,
                wanted=-taking[account_id],
            )


def reverse(*, actor, transaction_id: int, reason: str, action: str, **audit_scope) -> LedgerTransaction:
    """Undo a transaction by posting its opposite, once; refused when already reversed or when the
    reversal would overdraw an account (vouchers already spent, hours already given away). Audited as
    ``action``; ``audit_scope`` is the audit row's region / provider."""
    with transaction.atomic():
        original = LedgerTransaction.objects.select_for_update().get(pk=transaction_id)
        if LedgerTransaction.objects.filter(reverses=original).exists():
            raise Conflict(_("This transaction has already been reversed."), code="already_reversed")
        lines = [(a, -amount) for a, amount in original.entries.values_list("account_id", "amount_fen")]
        memo = _("Reversal of #%(id)s: %(reason)s") % {"id": original.pk, "reason": reason}
        posted = post(actor=actor, kind=TransactionKind.REVERSAL, memo=memo, lines=lines, reverses=original)
        audit.record(
            actor=actor, action=action, obj=posted, after={"reverses": original.pk, "reason": reason},
            **audit_scope,
        )  # fmt: skip
        return posted
