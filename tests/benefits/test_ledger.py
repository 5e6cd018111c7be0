import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import DatabaseError, connection, connections, transaction

from shouwang.benefits import ledger, services
from shouwang.benefits.models import Account, AccountKind, LedgerEntry, LedgerTransaction
from shouwang.benefits.selectors import trial_balance
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from shouwang.orders import services as order_services
from tests import factories
from tests.benefits import factories as bf
from tests.benefits.conftest import approved
from tests.orders import factories as of

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(policies):
    return {
        "tekun": bf.elder(born=dt.date(1940, 1, 1), categories=("tekun",)),
        "dibao": bf.elder(born=dt.date(1950, 1, 1), categories=("dibao",), level=3),
        "low_income": bf.elder(born=dt.date(1950, 1, 1), categories=("low_income",)),
        "none": bf.elder(born=dt.date(1930, 1, 1)),
    }


@pytest.fixture
def credited(people, worker_a, street_official, official):
    """March approved: ¥300 vouchers for 特困 and 低保, ¥200 for 低收入."""
    run = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)
    return approved(run, worker=worker_a, street=street_official, district=official)


def test_an_approved_run_credits_vouchers_and_allowances_from_the_fund_sources(credited, people, official):
    assert [ledger.voucher_balance(people[k].pk) for k in ("tekun", "dibao", "low_income", "none")] == [
        30000,
        30000,
        20000,
        0,
    ]
    balance = trial_balance(official)
    kinds = {row["kind"]: row["balance"] for row in balance["by_kind"]}
    # 高龄 80–89 ¥100 + 90–99 ¥500, 护理 level 3 ¥400; vouchers ¥800.
    assert kinds == {
        "allowance_payable": 100_00 + 500_00 + 400_00,
        "fund": -(1000_00 + 800_00),
        "voucher": 800_00,
    }
    assert balance["total"] == 0
    funds = {row["key"]: row["balance"] for row in balance["accounts"] if row["kind"] == "fund"}
    assert funds["fund:lottery:220202000000"] == -12000  # 30 % of 护理补贴's ¥400


def test_every_transaction_sums_to_zero(credited):
    for posted in LedgerTransaction.objects.all():
        assert sum(posted.entries.values_list("amount_fen", flat=True)) == 0


def test_a_redemption_beyond_the_balance_is_refused_and_nothing_is_written(
    credited, people, provider_a, official, english
):
    elder = people["low_income"]
    entries = LedgerEntry.objects.count()

    with pytest.raises(Conflict, match="holds ¥200.00; ¥200.01 cannot be taken"):
        ledger.redeem(actor=official, elder_id=elder.pk, provider=provider_a, amount_fen=20001)

    assert LedgerEntry.objects.count() == entries
    ledger.redeem(actor=official, elder_id=elder.pk, provider=provider_a, amount_fen=20000)
    assert ledger.voucher_balance(elder.pk) == 0
    assert ledger.balance(Account.objects.get(kind=AccountKind.PROVIDER_PAYABLE).pk) == 20000


def test_only_officials_redeem_and_never_nothing(credited, people, provider_a, worker_a, official, english):
    with pytest.raises(Forbidden):
        ledger.redeem(actor=worker_a, elder_id=people["tekun"].pk, provider=provider_a, amount_fen=100)
    with pytest.raises(ValidationFailed):
        ledger.redeem(actor=official, elder_id=people["tekun"].pk, provider=provider_a, amount_fen=0)
    with pytest.raises(Conflict, match="no voucher account"):
        ledger.redeem(actor=official, elder_id=people["none"].pk, provider=provider_a, amount_fen=100)


def test_an_unbalanced_transaction_is_refused(credited, english):
    account = Account.objects.filter(kind=AccountKind.VOUCHER).first()
    with pytest.raises(ValidationFailed, match="sum to zero"):
        ledger.post(actor=None, kind="redemption", memo="x", lines=[(account.pk, -100), (account.pk + 1, 99)])


def test_a_reversal_posts_the_opposite_once_and_may_not_overdraw(
    credited, people, provider_a, official, english
):
    spent = ledger.redeem(actor=official, elder_id=people["tekun"].pk, provider=provider_a, amount_fen=5000)

    ledger.reverse(actor=official, transaction_id=spent.pk, reason="wrong elder")

    assert ledger.voucher_balance(people["tekun"].pk) == 30000
    with pytest.raises(Conflict, match="already been reversed"):
        ledger.reverse(actor=official, transaction_id=spent.pk, reason="again")
    ledger.redeem(actor=official, elder_id=people["tekun"].pk, provider=provider_a, amount_fen=30000)
    credit = LedgerTransaction.objects.get(kind="voucher_credit")
    with pytest.raises(Conflict, match="cannot be taken"):
        ledger.reverse(actor=official, transaction_id=credit.pk, reason="vouchers already spent")
    assert trial_balance(official)["total"] == 0


@pytest.mark.parametrize(
    ("who", "subsidy", "self_pay"),
    [("tekun", 4000, 0), ("dibao", 3600, 400), ("low_income", 2800, 1200), ("none", 0, 4000)],
)
def test_settlement_splits_the_price_into_vouchers_and_self_pay_by_category(
    credited, people, official, provider_a, who, subsidy, self_pay
):
    provider = of.admitted_provider(official, provider_a)
    order = of.OrderFactory(
        elder=people[who], state="confirmed", provider=provider, caregiver=of.caregiver(provider)
    )

    settled = order_services.settle_order(actor=official, order_id=order.pk)

    assert (settled.amount_fen, settled.subsidy_fen, settled.self_pay_fen) == (4000, subsidy, self_pay)
    assert (
        ledger.voucher_balance(people[who].pk)
        == {"tekun": 30000, "dibao": 30000, "low_income": 20000}.get(who, 0) - subsidy
    )
    assert ledger.balance(ledger.provider_account(provider).pk) == 4000
    assert trial_balance(official)["total"] == 0


def test_vouchers_pay_only_as_far_as_the_balance_goes_at_settlement(credited, people, official, provider_a):
    provider = of.admitted_provider(official, provider_a)
    ledger.redeem(actor=official, elder_id=people["tekun"].pk, provider=provider, amount_fen=29000)
    order = of.OrderFactory(
        elder=people["tekun"], state="confirmed", provider=provider, caregiver=of.caregiver(provider)
    )

    settled = order_services.settle_order(actor=official, order_id=order.pk)

    assert (settled.subsidy_fen, settled.self_pay_fen) == (1000, 3000)
    assert ledger.voucher_balance(people["tekun"].pk) == 0


@pytest.mark.postgres
def test_postgresql_refuses_to_change_or_delete_an_entry(credited):
    if connection.vendor != "postgresql":
        pytest.skip("the immutability trigger is PostgreSQL's (set DATABASE_URL)")
    entry = LedgerEntry.objects.first()
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_fen=1)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.amount_fen != 1


REDEMPTIONS = 200
# Each redemption takes ¥1.70 from ¥300 of vouchers: exactly 176 are affordable (¥299.20), 24 are refused.
AMOUNT_FEN = 170
AFFORDABLE = 30000 // AMOUNT_FEN
# Connections left to the server's other users (other test runs share it) and to this test's watcher.
HEADROOM = 15


def connections_to_use() -> int:
    """As many connections as the server can spare, up to one per redemption.

    A connection runs one transaction at a time, so 200 redemptions are all in flight at once only over
    200 connections. PostgreSQL's default max_connections is 100 (and the server is shared), so the
    redemptions go in barrier-synchronised rounds: every connection starts its next redemption at the
    same instant, and all of them queue on the voucher account's row lock together."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
            " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        )
        free = cursor.fetchone()[0]
    return max(2, min(REDEMPTIONS, free - HEADROOM))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_never_overdraw_a_voucher_account(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL (set DATABASE_URL)")
    bf.standard_policies()
    elder = bf.elder(born=dt.date(1940, 1, 1), categories=("dibao",))  # ¥300 of vouchers
    provider = factories.provider("甲服务商")
    services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)
    worker = factories.user("community_worker", regions=(factories.COMMUNITY_A,))
    street = factories.user("official", regions=(factories.STREET_A,))
    district = factories.user("official", regions=(factories.DISTRICT,))
    from shouwang.benefits.models import EligibilityRun

    approved(EligibilityRun.objects.get(), worker=worker, street=street, district=district)
    account = Account.objects.get(key=ledger.voucher_key(elder.pk))
    width = connections_to_use()
    rounds = -(-REDEMPTIONS // width)
    start = threading.Barrier(width)
    running = threading.Event()
    seen = {"lowest": 30000, "most_waiting": 0, "polls": 0}

    def redeem(lane: int) -> list[str]:
        """One connection's share: in each round, wait for every other connection, then redeem."""
        outcomes = []
        try:
            for number in range(lane, rounds * width, width):
                start.wait(60)
                if number >= REDEMPTIONS:
                    continue
                try:
                    ledger.redeem(actor=district, elder_id=elder.pk, provider=provider, amount_fen=AMOUNT_FEN)
                    outcomes.append("paid")
                except ledger.InsufficientBalance:
                    outcomes.append("refused")
            return outcomes
        finally:
            connections.close_all()

    def watch() -> None:
        """From a connection of its own: the committed balance, and how many redemptions wait for the
        account's lock, as often as it can while the redemptions run."""
        try:
            while running.is_set():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT COALESCE(SUM(amount_fen), 0) FROM benefits_ledgerentry WHERE account_id = %s",
                        [account.pk],
                    )
                    seen["lowest"] = min(seen["lowest"], cursor.fetchone()[0])
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    seen["most_waiting"] = max(seen["most_waiting"], cursor.fetchone()[0])
                seen["polls"] += 1
        finally:
            connections.close_all()

    running.set()
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=width) as pool:
            outcomes = [o for lane in pool.map(redeem, range(width)) for o in lane]
    finally:
        running.clear()
        watcher.join()

    assert len(outcomes) == REDEMPTIONS
    assert outcomes.count("paid") == AFFORDABLE
    assert outcomes.count("refused") == REDEMPTIONS - AFFORDABLE
    assert ledger.voucher_balance(elder.pk) == 30000 - AFFORDABLE * AMOUNT_FEN
    assert LedgerTransaction.objects.filter(kind="redemption").count() == AFFORDABLE
    # Entries are numbered while the account is locked, so their order is the order the redemptions
    # took effect in: the balance after each one never went below zero.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(running) FROM (SELECT SUM(amount_fen) OVER (ORDER BY id) AS running"
            " FROM benefits_ledgerentry WHERE account_id = %s) balances",
            [account.pk],
        )
        assert cursor.fetchone()[0] >= 0
    assert seen["polls"] > 0 and seen["lowest"] >= 0
    # The redemptions really ran at the same time: some of them queued for the account's lock together.
    assert seen["most_waiting"] >= 2
    assert trial_balance(district)["total"] == 0
