"""The demo's statements, reconciliation and budgets, on a small demo district."""

import pytest

from shouwang.accounts.models import User
from shouwang.benefits import budgets, reconciliation
from shouwang.benefits.models import LedgerTransaction
from shouwang.benefits.selectors import trial_balance
from shouwang.benefits.statement_models import Statement
from shouwang.orders.models import Order
from shouwang.regions.models import Level, level_of

pytestmark = pytest.mark.django_db


def check_the_demo_has_two_past_months_of_statements_settled_orders_in_the_ledger_and_budgets():
    """On a seeded demo district (tests/demo/test_demo_district.py seeds it once for every such check)."""
    official = User.objects.get(username="official")
    provider = User.objects.get(username="provider")

    mine = list(Statement.objects.filter(provider_id=provider.provider_id).order_by("month"))
    assert [s.state for s in mine] == ["acknowledged", "disputed"]
    assert all(s.order_count > 0 for s in mine)
    assert mine[1].lines.exclude(dispute_reason="").count() == 1
    settled = Order.objects.filter(state="settled", amount_fen__gt=0)
    assert settled.count() == LedgerTransaction.objects.filter(kind="redemption", order__in=settled).count()
    assert settled.filter(subsidy_fen__gt=0).exists()  # vouchers in use by the demo orders
    report = reconciliation.reconcile(official, provider_id=provider.provider_id, month=mine[0].month)
    # Only settled orders whose visit has an upheld exception stay off the statement, and with them its
    # total falls short of the ledger's; order and ledger agree for every order.
    assert {d.kind for d in report.differences} <= {"not_on_statement", "statement_total_differs"}
    found = budgets.budget_status(official)
    assert "warning" in [status.level for status in found]
    # A street's budget shows its communities' share of the district's run.
    assert [s.spent_fen > 0 for s in found if level_of(s.budget.region_id) == Level.STREET] == [True]
    assert trial_balance(official)["total"] == 0
