"""Demo statements, reconciliation and budgets (after ``load_orders`` and ``load_benefits``).

- The order history of ``demo.orders`` is written before the benefits exist, so its settled orders carry
  no settlement in the ledger: each is settled into the ledger here with the benefits' split (vouchers by
  the elder's self-pay share, as far as the balance goes), so the voucher balances are in use and the
  reconciliation agrees.
- The two months before this one get a history of their own where the three weeks of ``demo.orders`` do
  not reach, so both have statements: the older acknowledged by the demo provider, the last one disputed
  (one order's price), waiting for the district official.
- Budgets for every fund source of the district: last month's, one of them near 90 %, and this year's;
  and the first street's own budget of last month, whose spend is its communities' share of the
  district's run.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.benefits import budgets, ledger, statements
from shouwang.benefits.models import FundSource, LedgerTransaction, TransactionKind
from shouwang.benefits.runs import last_month, previous_month
from shouwang.elders.models import Elder, Status
from shouwang.orders.models import Order, OrderState
from shouwang.regions.models import Level, Region

from .orders import HISTORY_DAYS, _History, _network

ORDERS_PER_DAY = 6
# Last month's budget per fund source, as a multiple of what it spent: the city's is nearly used up.
BUDGET_HEADROOM = {
    FundSource.CITY: 1.08,
    FundSource.DISTRICT: 1.5,
    FundSource.STREET: 1.3,
    FundSource.LOTTERY: 2,
}


def load_statements(*, community_codes: list[str], district: str, seed: int) -> dict:
    """History for the two past months, every settled order in the ledger, the two months' statements
    (one acknowledged, one disputed) and the budgets. Returns what it made, for the loader's summary."""
    official, provider_user = (User.objects.get(username=name) for name in ("official", "provider"))
    today = timezone.localdate()
    last = last_month(today)
    before = previous_month(last)
    _history(community_codes, first=before, seed=seed)
    settled = _settle_into_ledger()
    issued = {
        month: statements.issue_statements(actor=official, month=month, provider_id=provider_user.provider_id)
        for month in (before, last)
    }
    older, newer = issued[before][0], issued[last][0]
    statements.acknowledge_statement(actor=provider_user, statement_id=older.pk, note="已核对无误")
    line = newer.lines.order_by("-amount_fen", "order_id").first()
    statements.dispute_statement(
        actor=provider_user,
        statement_id=newer.pk,
        reason="" if line else "本月服务单数与我方记录不符",
        lines={line.order_id: "该单实际服务时长为两小时，应按两小时结算"} if line else {},
    )
    made = _budgets(official, district, last)
    return {"settled_into_ledger": settled, "statements": 2, "budgets": made}


def _history(community_codes: list[str], *, first: dt.date, seed: int) -> int:
    """Orders from ``first`` up to where ``demo.orders``' history starts, as that history writes them."""
    rng = random.Random(f"{seed}-statements")
    network = _network(timezone.localdate())
    elders = list(
        Elder.objects.filter(
            community_id__in=community_codes, status=Status.ACTIVE, lat__isnull=False
        ).order_by("pk")[:600]
    )
    if not network.carers or not elders:
        return 0
    actors = {name: User.objects.get(username=name) for name in ("operator", "provider", "official")}
    history = _History(rng, network, actors)
    day, stop = first, timezone.localdate() - dt.timedelta(days=HISTORY_DAYS)
    while day < stop:
        for _ in range(ORDERS_PER_DAY):
            history.add_any(elders, day)
        day += dt.timedelta(days=1)
    return history.write() if history.orders else 0


def _settle_into_ledger() -> int:
    """Post the settlement of every settled order that has none in the ledger yet, oldest first."""
    posted = set(
        LedgerTransaction.objects.filter(kind=TransactionKind.REDEMPTION, order__isnull=False).values_list(
            "order_id", flat=True
        )
    )
    count = 0
    orders = Order.objects.filter(state=OrderState.SETTLED, amount_fen__gt=0).select_related(
        "elder", "provider"
    )
    for order in orders.order_by("window_start", "pk").iterator():
        if order.pk in posted:
            continue
        voucher, self_pay = ledger.split_settlement(order=order, amount_fen=order.amount_fen, actor=None)
        Order.objects.filter(pk=order.pk).update(subsidy_fen=voucher, self_pay_fen=self_pay)
        count += 1
    return count


def _budgets(official, district: str, last: dt.date) -> int:
    made = 0
    for source, headroom in BUDGET_HEADROOM.items():
        spent = budgets.spent(source, district, last, last)
        if not spent:
            continue
        monthly = round(spent * headroom / 100) * 100  # whole yuan
        budgets.set_budget(
            actor=official,
            fund_source=source,
            region_code=district,
            year=last.year,
            month=last.month,
            amount_fen=monthly,
            note="演示：月度预算",
        )
        budgets.set_budget(
            actor=official,
            fund_source=source,
            region_code=district,
            year=timezone.localdate().year,
            amount_fen=monthly * 14,
            note="演示：年度预算",
        )
        made += 2
    street = Region.objects.filter(parent_id=district, level=Level.STREET).order_by("code").first()
    spent = budgets.spent(FundSource.STREET, street.code, last, last) if street else 0
    if street and spent:
        budgets.set_budget(
            actor=official,
            fund_source=FundSource.STREET,
            region_code=street.code,
            year=last.year,
            month=last.month,
            amount_fen=round(spent * BUDGET_HEADROOM[FundSource.STREET] / 100) * 100,
            note="演示：街道月度预算",
        )
        made += 1
    return made
