"""The demo's benefits: four policies, the last three months run and approved, vouchers credited."""

import pytest

from shouwang.benefits.models import EligibilityRun, Policy, RunState
from shouwang.benefits.selectors import trial_balance
from shouwang.demo.benefits import load_benefits
from tests import factories
from tests.benefits import factories as bf

pytestmark = pytest.mark.django_db


def test_the_demo_runs_and_approves_three_past_months(tree, admin_user):
    factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="worker")
    factories.user("official", regions=(factories.STREET_A,), username="street")
    factories.user("official", regions=(factories.DISTRICT,), username="official")
    bf.elder(categories=("dibao",))

    runs = load_benefits(city=bf.CITY, district=factories.DISTRICT)

    assert Policy.objects.count() == 4
    assert [run.state for run in EligibilityRun.objects.order_by("month")] == [RunState.APPROVED] * 3
    assert len({run.month for run in runs}) == 3
    kinds = {row["kind"]: row["balance"] for row in trial_balance(admin_user)["by_kind"]}
    assert kinds["voucher"] == 3 * (30000 + 2000)  # 低保 ¥300 and 80+ ¥20, three months
    assert trial_balance(admin_user)["total"] == 0


def check_the_demo_orders_spend_vouchers_and_the_family_sees_its_elders_balance_and_history(client):
    """On a seeded demo district (tests/demo/test_demo_district.py seeds it once for every such check);
    the page is read in English."""
    from django.db.models import Sum
    from django.utils import timezone

    from shouwang.accounts.models import User
    from shouwang.benefits import ledger
    from shouwang.benefits.models import Account, LedgerEntry, LedgerTransaction
    from shouwang.elders.models import Elder
    from shouwang.orders.models import Order

    settled = list(Order.objects.filter(state="settled"))
    assert settled
    for order in settled:
        # Settled through the service: one redemption for the order; the voucher part came from the
        # elder's voucher account, the rest is the elder's own share.
        redemption = LedgerTransaction.objects.get(order=order, kind="redemption")
        from_vouchers = redemption.entries.filter(account__kind="voucher").aggregate(s=Sum("amount_fen"))["s"]
        assert -(from_vouchers or 0) == order.subsidy_fen
        assert order.subsidy_fen + order.self_pay_fen == order.amount_fen > 0
    assert any(0 < order.subsidy_fen < order.amount_fen for order in settled)  # partly by voucher
    balances = LedgerEntry.objects.values("account_id").annotate(b=Sum("amount_fen"))
    kinds = dict(Account.objects.values_list("pk", "kind"))
    assert all(row["b"] >= 0 for row in balances if kinds[row["account_id"]] == "voucher")
    admin = User.objects.filter(is_superuser=True).first() or User.objects.get(username="official")
    assert trial_balance(admin)["total"] == 0

    family = User.objects.get(username="family")
    own = Elder.objects.get(family_links__user=family)
    balance = ledger.voucher_balance(own.pk)
    credited = LedgerEntry.objects.filter(account__elder=own, amount_fen__gt=0).aggregate(
        s=Sum("amount_fen")
    )["s"]
    assert 0 <= balance < credited  # the demo's orders used some of it
    client.force_login(family)
    month = timezone.localdate().replace(day=1).strftime("%Y-%m")
    mine = client.get(f"/api/v1/elders/{own.pk}/benefits", {"month": month})
    assert mine.status_code == 200 and mine.json()["voucher_balance_fen"] == balance
    other = Elder.objects.exclude(pk=own.pk).first()
    assert client.get(f"/api/v1/elders/{other.pk}/benefits", {"month": month}).status_code == 404
    client.force_login(User.objects.get(username="worker"))  # the record page is the staff's
    page = client.get(f"/elders/{own.pk}/").content.decode()
    assert "Voucher history" in page and ledger.yuan(balance) in page and "Order #" in page
