"""The double-entry ledger: posting balanced transactions, crediting an approved run, redeeming vouchers.

Signs: every entry is a signed amount in fen and every transaction sums to zero. Fund sources go negative
as they pay out; an elder's voucher account is positive while there is something to spend; a provider's
payable is what it is owed; the self-pay receivable is negative while elders owe their share. Balances are
always the sum of the entries (nothing stores them), and an account of a kind in ``NON_NEGATIVE_KINDS`` is
locked (``select_for_update``, in id order so two postings never deadlock) and checked before an entry
takes from it, so concurrent redemptions can never overdraw a voucher account. Entries are never changed:
a correction is a reversing transaction (``reverse``). See ADR 0013 and 0018.

The posting itself (balanced per unit, immutable, locked non-negative accounts, reversal) is the
platform's one double-entry core, ``shouwang.core.ledger``, which the volunteers' time bank uses too in
minutes (ADR 0018); this module keeps what the money means.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core import ledger as core_ledger
from shouwang.core.actors import is_system, require_actor
from shouwang.core.errors import ValidationFailed
from shouwang.elders.models import Elder, ElderCategory
from shouwang.regions.models import Region

from .models import (
    Account,
    AccountKind,
    EligibilityResult,
    EligibilityRun,
    FundSource,
    LedgerTransaction,
    PolicyKind,
    PolicyVersion,
    TransactionKind,
)
from .permissions import may_redeem, require
from .policies import EVERYBODY_ELSE

ENTRY_BATCH = core_ledger.ENTRY_BATCH
InsufficientBalance = core_ledger.InsufficientBalance
balance = core_ledger.balance


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


# --- accounts -------------------------------------------------------------------------------------------


def fund_account(source: str, region: Region) -> Account:
    return _account(
        f"fund:{source}:{region.code}",
        kind=AccountKind.FUND,
        name=f"{FundSource(source).label} · {region.name}",
        fund_source=source,
        region_id=region.code,
    )


def allowance_account(policy, region: Region) -> Account:
    return _account(
        f"allowance:{policy.code}:{region.code}",
        kind=AccountKind.ALLOWANCE_PAYABLE,
        name=f"{_('Allowances payable')} · {policy.name} · {region.name}",
        region_id=region.code,
    )


def provider_account(provider) -> Account:
    return _account(
        f"provider:{provider.pk}",
        kind=AccountKind.PROVIDER_PAYABLE,
        name=f"{_('Payable to')} {provider.name}",
        provider_id=provider.pk,
        region_id=provider.region_id,
    )


def self_pay_account(community_code: str) -> Account:
    return _account(
        f"self_pay:{community_code}",
        kind=AccountKind.SELF_PAY,
        name=f"{_('Self-pay receivable')} · {community_code}",
        region_id=community_code,
    )


def voucher_key(elder_id: int) -> str:
    return f"voucher:{elder_id}"


def _account(key: str, **fields) -> Account:
    account, _created = Account.objects.get_or_create(key=key, defaults=fields)
    return account


def voucher_accounts(elders: dict[int, tuple[str, str]]) -> dict[int, int]:
    """The voucher account id of each elder (id → (name, community)), made in bulk where missing."""
    keys = {voucher_key(elder_id): elder_id for elder_id in elders}
    Account.objects.bulk_create(
        [
            Account(
                kind=AccountKind.VOUCHER,
                key=key,
                name=f"{_('Vouchers')} · {elders[elder_id][0]}",
                elder_id=elder_id,
                region_id=elders[elder_id][1],
            )
            for key, elder_id in keys.items()
        ],
        ignore_conflicts=True,
        batch_size=ENTRY_BATCH,
    )
    found = Account.objects.filter(key__in=list(keys)).values_list("key", "pk")
    return {keys[key]: pk for key, pk in found}


def voucher_balance(elder_id: int) -> int:
    account = Account.objects.filter(key=voucher_key(elder_id)).values_list("pk", flat=True).first()
    return balance(account) if account else 0


# --- posting (the generic core: shouwang.core.ledger) ---------------------------------------------------


def post(
    *,
    actor,
    kind: str,
    memo: str,
    lines: list[tuple[int, int]],
    run: EligibilityRun | None = None,
    order=None,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Post ``lines`` (account id, signed fen) as one transaction of money: the core's ``post``."""
    return core_ledger.post(
        actor=actor, kind=kind, memo=memo, lines=lines, run=run, order=order, reverses=reverses
    )


def post_run(run: EligibilityRun, *, actor) -> list[LedgerTransaction]:
    """The money of an approved run: allowances due to elders and vouchers credited to their accounts,
    each paid from the fund sources by the policy's shares. Once per run (a unique constraint)."""
    region = run.region
    policies = {
        v.policy.code: v.policy
        for v in PolicyVersion.objects.select_related("policy").filter(
            pk__in=[p["version"] for p in run.totals.get("policies", {}).values()]
        )
    }
    posted = []
    for kind, tx_kind in (
        (PolicyKind.CASH_ALLOWANCE, TransactionKind.ALLOWANCE),
        (PolicyKind.SERVICE_SUBSIDY, TransactionKind.VOUCHER_CREDIT),
    ):
        chosen = {
            code: p
            for code, p in run.totals.get("policies", {}).items()
            if p["kind"] == kind and p["amount_fen"]
        }
        if not chosen:
            continue
        lines: list[tuple[int, int]] = []
        for code, totals in chosen.items():
            for source, fen in totals["funds"].items():
                lines.append((fund_account(source, region).pk, -fen))
            if kind == PolicyKind.CASH_ALLOWANCE:
                lines.append((allowance_account(policies[code], region).pk, totals["amount_fen"]))
        if kind == PolicyKind.SERVICE_SUBSIDY:
            lines += _voucher_lines(run)
        memo = _("%(region)s %(month)s: %(kind)s") % {
            "region": region.name,
            "month": run.month.strftime("%Y-%m"),
            "kind": TransactionKind(tx_kind).label,
        }
        posted.append(post(actor=actor, kind=tx_kind, memo=memo, lines=lines, run=run))
    return posted


def _voucher_lines(run: EligibilityRun) -> list[tuple[int, int]]:
    rows = list(
        EligibilityResult.objects.filter(run=run, voucher_fen__gt=0).values_list("elder_id", "voucher_fen")
    )
    elders = {
        pk: (name, community)
        for pk, name, community in Elder.objects.filter(
            pk__in=[elder_id for elder_id, _fen in rows]
        ).values_list("pk", "name", "community_id")
    }
    accounts = voucher_accounts(elders)
    return [(accounts[elder_id], fen) for elder_id, fen in rows]


def reverse(*, actor, transaction_id: int, reason: str) -> LedgerTransaction:
    """Undo a transaction by posting its opposite; refused when already reversed or when the reversal
    would overdraw an account (vouchers already spent)."""
    return core_ledger.reverse(
        actor=actor, transaction_id=transaction_id, reason=reason, action="benefits.ledger.reverse"
    )


# --- vouchers at settlement -----------------------------------------------------------------------------


def self_pay_percent(elder: Elder, day: dt.date) -> int | None:
    """The share of a service's price the elder pays, by the service subsidies in force that day for
    their community (the lowest share of their categories, else the policy's "*"); None when no service
    subsidy applies to them."""
    month = day.replace(day=1)
    from .runs import versions_in_force  # runs imports this module's neighbours; kept local

    categories = set(ElderCategory.objects.filter(elder=elder).values_list("code", flat=True))
    shares = []
    for version in versions_in_force(elder.community_id, month):
        if version.policy.kind != PolicyKind.SERVICE_SUBSIDY:
            continue
        table = version.self_pay_percent
        own = [table[code] for code in categories if code in table]
        shares.append(min(own) if own else table.get(EVERYBODY_ELSE, 100))
    return min(shares) if shares else None


def voucher_share(elder: Elder, amount_fen: int, day: dt.date) -> int:
    """The part of ``amount_fen`` the service subsidies in force on ``day`` would pay from the elder's
    vouchers: the amount less the self-pay share (rounded up to the fen), before the balance caps it."""
    percent = self_pay_percent(elder, day)
    return 0 if percent is None else amount_fen - -(-amount_fen * percent // 100)


def quote_split(elder: Elder, amount_fen: int, day: dt.date) -> tuple[int, int]:
    """What settlement would split ``amount_fen`` into today, as (voucher, self-pay): the same rule as
    ``split_settlement`` with the voucher balance as it stands. For showing before an order is placed;
    writes nothing."""
    if amount_fen <= 0:
        return 0, 0
    voucher = min(voucher_share(elder, amount_fen, day), voucher_balance(elder.pk))
    return voucher, amount_fen - voucher


def split_settlement(*, order, amount_fen: int, actor) -> tuple[int, int]:
    """Registered with orders: at settlement, the price splits into voucher and self-pay (``amount ×
    self-pay share``, rounded up to the fen, is the elder's; the rest is paid from the voucher account as
    far as its balance goes, the remainder being self-pay too). Posted as one transaction for the order."""
    if amount_fen <= 0:
        return 0, 0
    day = timezone.localtime(order.window_start).date()
    wanted = voucher_share(order.elder, amount_fen, day)
    voucher = 0
    account_id = Account.objects.filter(key=voucher_key(order.elder_id)).values_list("pk", flat=True).first()
    if wanted and account_id:
        Account.objects.select_for_update().filter(pk=account_id).first()
        voucher = min(wanted, balance(account_id))
    self_pay = amount_fen - voucher
    lines = [
        (provider_account(order.provider).pk, amount_fen),
        (self_pay_account(order.community_id).pk, -self_pay),
    ]
    if voucher:
        lines.append((account_id, -voucher))
    post(
        actor=actor,
        kind=TransactionKind.REDEMPTION,
        memo=_("Order #%(id)s settled") % {"id": order.pk},
        lines=lines,
        order=order,
    )
    return voucher, self_pay


def redeem(*, actor, elder_id: int, provider, amount_fen: int, memo: str = "") -> LedgerTransaction:
    """Pay ``amount_fen`` of a service from the elder's vouchers to ``provider``; refused, with nothing
    written, when the balance does not cover it."""
    require_actor(actor)
    if not is_system(actor):
        require(may_redeem(actor), _("Only officials pay services from vouchers."))
    if amount_fen <= 0:
        message = _("The amount must be more than zero.")
        raise ValidationFailed(message, errors={"amount_fen": message})
    with transaction.atomic():
        account_id, community = Account.objects.filter(key=voucher_key(elder_id)).values_list(
            "pk", "region_id"
        ).first() or (None, "")
        if account_id is None:
            raise InsufficientBalance(_("This elder has no voucher account. Nothing was recorded."))
        posted = post(
            actor=actor,
            kind=TransactionKind.REDEMPTION,
            memo=memo or _("Vouchers redeemed"),
            lines=[(account_id, -amount_fen), (provider_account(provider).pk, amount_fen)],
        )
        audit.record(
            actor=actor,
            action="benefits.voucher.redeem",
            obj=posted,
            after={"elder": elder_id, "amount_fen": amount_fen, "provider": provider.pk},
            region_code=community,
            provider_id=provider.pk,
        )
        return posted
