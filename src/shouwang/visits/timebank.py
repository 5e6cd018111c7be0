"""The volunteers' time bank (时间银行) on the platform's double-entry ledger (``core.ledger``, unit minute;
ADR 0018). Hours are kept as whole minutes.

Accounts, one unit (minute), made when first needed:

- ``hours:member:<volunteer>`` — a volunteer's hours; may never go negative (locked and checked by the core
  before anything takes from it, so two concurrent gifts cannot both spend the last minutes);
- ``hours:issued:<community>`` — where earned hours come from; it runs negative by the hours in
  circulation in the community;
- ``hours:redeemed:<community>`` — where hours go when a volunteer redeems them for help.

Earning, giving and redeeming are each one balanced ledger transaction plus a ``HoursPosting`` row saying
what it was for. Who may do what is checked by the callers (``volunteers``, ``activities``, ``help``);
this module only books. A balance is the sum of the member account's entries.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.benefits.models import Account, AccountKind, LedgerEntry, TransactionKind
from shouwang.core import ledger
from shouwang.core.errors import ValidationFailed

from .models import Activity, HelpTask, HoursKind, HoursPosting, VisitTask, Volunteer


def member_key(volunteer_id: int) -> str:
    return f"hours:member:{volunteer_id}"


def member_account(volunteer: Volunteer) -> Account:
    return _account(
        member_key(volunteer.pk),
        kind=AccountKind.HOURS_MEMBER,
        name=_("Time bank · %(volunteer)s") % {"volunteer": volunteer},
        region_id=volunteer.community_id,
    )


def issued_account(community: str) -> Account:
    return _account(
        f"hours:issued:{community}",
        kind=AccountKind.HOURS_ISSUED,
        name=_("Hours issued · %(community)s") % {"community": community},
        region_id=community,
    )


def redeemed_account(community: str) -> Account:
    return _account(
        f"hours:redeemed:{community}",
        kind=AccountKind.HOURS_REDEEMED,
        name=_("Hours redeemed · %(community)s") % {"community": community},
        region_id=community,
    )


def _account(key: str, **fields) -> Account:
    fields["unit"] = ledger.Unit.MINUTE
    account, _created = Account.objects.get_or_create(key=key, defaults=fields)
    return account


def balance_minutes(volunteer: Volunteer) -> int:
    account_id = Account.objects.filter(key=member_key(volunteer.pk)).values_list("pk", flat=True).first()
    return ledger.balance(account_id) if account_id else 0


def balances_minutes(volunteers: list[Volunteer]) -> dict[int, int]:
    """Several volunteers' balances in two queries (a list page)."""
    keys = {member_key(v.pk): v.pk for v in volunteers}
    accounts = dict(Account.objects.filter(key__in=list(keys)).values_list("pk", "key"))
    found = ledger.balances(list(accounts))
    by_volunteer = {keys[key]: found[pk] for pk, key in accounts.items()}
    return {v.pk: by_volunteer.get(v.pk, 0) for v in volunteers}


# --- booking ----------------------------------------------------------------------------------------------


def earn(
    *,
    actor,
    volunteer: Volunteer,
    minutes: int,
    note: str = "",
    task: VisitTask | None = None,
    activity: Activity | None = None,
    help: HelpTask | None = None,
) -> HoursPosting:
    """Credit ``minutes`` to a volunteer from the community's issued hours, for one visit, activity or help
    task, once (the ledger's ``once_key`` and the posting's constraints). Nothing for nothing: a volunteer
    earns only for service the caller has checked was confirmed."""
    if task is not None:
        once_key = f"earn:visit:{task.pk}"
    elif help is not None:
        once_key = f"earn:help:{help.pk}"
    elif activity is not None:
        once_key = f"earn:activity:{activity.pk}:{volunteer.pk}"
    else:
        once_key = None  # hours brought over from a paper ledger
    with transaction.atomic():
        posted = ledger.post(
            actor=actor,
            kind=TransactionKind.HOURS_EARNED,
            memo=note or _("Hours earned"),
            lines=[
                (issued_account(volunteer.community_id).pk, -minutes),
                (member_account(volunteer).pk, minutes),
            ],
            once_key=once_key,
        )
        return HoursPosting.objects.create(
            transaction=posted, kind=HoursKind.EARNED, volunteer=volunteer, task=task, activity=activity,
            help=help, note=note[:200],
        )  # fmt: skip


def give(*, actor, giver: Volunteer, taker: Volunteer, minutes: int, note: str = "") -> HoursPosting:
    """Move ``minutes`` from one member's account to another's; refused (422, nothing saved) when the giver's
    balance does not cover it at the moment the account is locked."""
    with _never_below_zero():
        posted = ledger.post(
            actor=actor,
            kind=TransactionKind.HOURS_DONATED,
            memo=note or _("Hours given"),
            lines=[(member_account(giver).pk, -minutes), (member_account(taker).pk, minutes)],
        )
        return HoursPosting.objects.create(
            transaction=posted, kind=HoursKind.DONATED, volunteer=giver, peer=taker, note=note
        )


def redeem(*, actor, volunteer: Volunteer, minutes: int, note: str = "") -> HoursPosting:
    """Take ``minutes`` from a member's account for help they receive; never below zero."""
    with _never_below_zero():
        posted = ledger.post(
            actor=actor,
            kind=TransactionKind.HOURS_REDEEMED,
            memo=note or _("Hours redeemed"),
            lines=[
                (member_account(volunteer).pk, -minutes),
                (redeemed_account(volunteer.community_id).pk, minutes),
            ],
        )
        return HoursPosting.objects.create(
            transaction=posted, kind=HoursKind.REDEEMED, volunteer=volunteer, note=note
        )


@contextmanager
def _never_below_zero():
    """A database transaction in which the core's refusal to overdraw a member account becomes the time
    bank's plain 422 on ``minutes``."""
    try:
        with transaction.atomic():
            yield
    except ledger.InsufficientBalance as refused:
        message = _("The balance is %(balance)s minutes; it never goes below zero.") % {
            "balance": refused.available
        }
        raise ValidationFailed(message, errors={"minutes": message}) from refused


# --- the statement ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    """One entry of a member's account, as the statement shows it."""

    id: int
    kind: str
    minutes: int
    balance: int
    at: dt.datetime
    note: str
    task_id: int | None = None
    activity_id: int | None = None
    help_id: int | None = None
    peer: Volunteer | None = None

    @property
    def peer_id(self) -> int | None:
        return self.peer.pk if self.peer else None

    @property
    def kind_label(self) -> str:
        return str(HoursKind(self.kind).label)


def statement_lines(volunteer: Volunteer) -> list[StatementLine]:
    """The volunteer's entries, oldest first, each with the balance after it."""
    entries = (
        LedgerEntry.objects.filter(account__key=member_key(volunteer.pk))
        .select_related(
            "transaction__hours_posting__volunteer__user",
            "transaction__hours_posting__peer__user",
            "transaction__reverses",
        )
        .order_by("transaction__posted_at", "id")
    )
    running, lines = 0, []
    for entry in entries:
        running += entry.amount_fen
        lines.append(_line(entry, running))
    return lines


def _line(entry: LedgerEntry, running: int) -> StatementLine:
    posted = entry.transaction
    posting = getattr(posted, "hours_posting", None)
    amount, at = entry.amount_fen, posted.posted_at
    if posting is None:  # a reversal
        return StatementLine(
            id=entry.pk, kind=HoursKind.REVERSED, minutes=amount, balance=running, at=at, note=posted.memo
        )
    kind, peer = posting.kind, posting.peer
    if kind == HoursKind.DONATED and amount > 0:
        kind, peer = HoursKind.RECEIVED, posting.volunteer
    return StatementLine(
        id=entry.pk, kind=kind, minutes=amount, balance=running, at=at, note=posting.note,
        task_id=posting.task_id, activity_id=posting.activity_id, help_id=posting.help_id, peer=peer,
    )  # fmt: skip


def line_of(posting: HoursPosting) -> StatementLine:
    """A posting as a line of its volunteer's statement, with the balance as it stands now."""
    entry = (
        LedgerEntry.objects.select_related("transaction__hours_posting__peer__user")
        .filter(transaction_id=posting.transaction_id, account__key=member_key(posting.volunteer_id))
        .get()
    )
    return _line(entry, balance_minutes(posting.volunteer))
