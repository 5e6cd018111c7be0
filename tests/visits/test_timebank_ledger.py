"""The time bank on the platform's one double-entry ledger (ADR 0018): hours are minutes on accounts of
their own unit, earned from the community's issued hours, redeemed into its redeemed hours; transactions
never mix units; a reversal undoes once and never overdraws; benefits' money pages never show hours; the
old single-entry rows migrate with their balances; concurrent gifts from one account never overdraw it
(PostgreSQL)."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from shouwang.benefits import ledger as benefits_ledger
from shouwang.benefits.models import Account, LedgerEntry, LedgerTransaction
from shouwang.benefits.selectors import accounts_for, trial_balance
from shouwang.core import ledger
from shouwang.core.errors import Conflict, ValidationFailed
from shouwang.core.idnumbers import make_resident_id
from shouwang.visits import timebank, volunteers
from shouwang.visits.models import HoursPosting, Volunteer
from tests import factories

pytestmark = pytest.mark.django_db


def _volunteer(actor, community, serial, name):
    user = factories.user("volunteer", regions=(community,), username=name)
    return volunteers.register_volunteer(
        actor=actor, user_id=user.pk, community=community, skills=["visit"], available_days=[],
        id_number=make_resident_id("220202", dt.date(1990, 5, 1), serial),
    )  # fmt: skip


@pytest.fixture
def pair(tree, worker_a):
    return (
        _volunteer(worker_a, factories.COMMUNITY_A, 201, "tb_one"),
        _volunteer(worker_a, factories.COMMUNITY_A, 202, "tb_two"),
    )


def test_hours_are_balanced_minute_transactions_between_issued_members_and_redeemed(pair, worker_a):
    one, two = pair
    timebank.earn(actor=worker_a, volunteer=one, minutes=90, note="开户结转")
    volunteers.donate_hours(actor=worker_a, from_id=one.pk, to_id=two.pk, minutes=30)
    volunteers.redeem_hours(actor=worker_a, volunteer_id=two.pk, minutes=20, note="助浴")
    keys = {a.key: a for a in Account.objects.filter(unit=ledger.Unit.MINUTE)}
    issued, redeemed = f"hours:issued:{factories.COMMUNITY_A}", f"hours:redeemed:{factories.COMMUNITY_A}"
    assert set(keys) == {timebank.member_key(one.pk), timebank.member_key(two.pk), issued, redeemed}
    balances = ledger.balances([a.pk for a in keys.values()])
    by_key = {key: balances[a.pk] for key, a in keys.items()}
    assert by_key == {
        timebank.member_key(one.pk): 60,
        timebank.member_key(two.pk): 10,
        issued: -90,
        redeemed: 20,
    }
    for posted in LedgerTransaction.objects.filter(hours_posting__isnull=False):
        assert sum(posted.entries.values_list("amount_fen", flat=True)) == 0
        assert posted.hours_posting.volunteer_id in (one.pk, two.pk)
    assert [(line.kind, line.minutes, line.balance) for line in timebank.statement_lines(two)] == [
        ("received", 30, 30),
        ("redeemed", -20, 10),
    ]


def test_a_transaction_never_mixes_fen_and_minutes(pair, worker_a, elder_a, official):
    one, _two = pair
    member = timebank.member_account(one)
    voucher = benefits_ledger.voucher_accounts({elder_a.pk: (elder_a.name, elder_a.community_id)})[elder_a.pk]
    with pytest.raises(ValidationFailed):
        ledger.post(actor=worker_a, kind="hours_earned", memo="x", lines=[(member.pk, 60), (voucher, -60)])
    assert not LedgerEntry.objects.exists()
    # The money pages read money accounts only: no volunteer's hours in the trial balance.
    timebank.earn(actor=worker_a, volunteer=one, minutes=15)
    assert not accounts_for(official).filter(unit=ledger.Unit.MINUTE).exists()
    assert trial_balance(official)["total"] == 0


def test_a_reversal_undoes_an_earning_once_and_never_overdraws(pair, worker_a):
    one, two = pair
    earned = timebank.earn(actor=worker_a, volunteer=one, minutes=60)
    ledger.reverse(
        actor=worker_a, transaction_id=earned.transaction_id, reason="记错", action="visits.hours.reverse"
    )
    assert timebank.balance_minutes(one) == 0
    assert [line.kind for line in timebank.statement_lines(one)] == ["earned", "reversed"]
    with pytest.raises(Conflict):
        ledger.reverse(
            actor=worker_a,
            transaction_id=earned.transaction_id,
            reason="again",
            action="visits.hours.reverse",
        )
    # Hours already given away cannot be taken back out of the giver's empty account.
    again = timebank.earn(actor=worker_a, volunteer=one, minutes=40, note="second")
    volunteers.donate_hours(actor=worker_a, from_id=one.pk, to_id=two.pk, minutes=40)
    with pytest.raises(ledger.InsufficientBalance):
        ledger.reverse(
            actor=worker_a, transaction_id=again.transaction_id, reason="x", action="visits.hours.reverse"
        )
    assert timebank.balance_minutes(one) == 0 and timebank.balance_minutes(two) == 40


@pytest.mark.django_db(transaction=True)
def test_the_single_entry_rows_migrate_to_the_ledger_with_their_balances(tree):
    worker = factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="mig_worker")
    one = _volunteer(worker, factories.COMMUNITY_A, 301, "mig_one")
    two = _volunteer(worker, factories.COMMUNITY_A, 302, "mig_two")
    executor = MigrationExecutor(connection)
    before = [("visits", "0006_help_tasks_and_hours_postings")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    HoursEntry = old.get_model("visits", "HoursEntry")
    rows = [
        (one.pk, "earned", 120, None, ""),
        (one.pk, "donated", -45, two.pk, "谢谢"),
        (two.pk, "received", 45, one.pk, "谢谢"),
        (two.pk, "redeemed", -15, None, "助浴"),
    ]
    for volunteer_id, kind, minutes, peer_id, note in rows:
        HoursEntry.objects.create(
            volunteer_id=volunteer_id, kind=kind, minutes=minutes, peer_id=peer_id, note=note
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    one, two = Volunteer.objects.get(pk=one.pk), Volunteer.objects.get(pk=two.pk)
    assert (timebank.balance_minutes(one), timebank.balance_minutes(two)) == (75, 30)
    assert [
        (line.kind, line.minutes, line.balance, line.peer_id) for line in timebank.statement_lines(two)
    ] == [
        ("received", 45, 45, one.pk),
        ("redeemed", -15, 30, None),
    ]
    assert HoursPosting.objects.count() == 3  # a donation's two rows are one transaction
    issued = Account.objects.get(key=f"hours:issued:{factories.COMMUNITY_A}")
    assert ledger.balance(issued.pk) == -120


ROUNDS = 60
GIFT = 7
START = 300  # 42 gifts of 7 minutes fit (294); the rest are refused


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_gifts_never_overdraw_a_member_account(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL (set DATABASE_URL)")
    worker = factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="cc_worker")
    giver = _volunteer(worker, factories.COMMUNITY_A, 401, "cc_giver")
    takers = [_volunteer(worker, factories.COMMUNITY_A, 410 + n, f"cc_taker{n}") for n in range(4)]
    timebank.earn(actor=worker, volunteer=giver, minutes=START)
    for taker in takers:  # the takers' accounts exist before the race; the race is on the giver's
        timebank.member_account(taker)
    width = 12
    start = threading.Barrier(width)

    def give(lane: int) -> list[str]:
        outcomes = []
        try:
            for number in range(lane, ROUNDS, width):
                start.wait(60)
                try:
                    volunteers.donate_hours(
                        actor=worker, from_id=giver.pk, to_id=takers[number % 4].pk, minutes=GIFT
                    )
                    outcomes.append("given")
                except ValidationFailed:
                    outcomes.append("refused")
            return outcomes
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=width) as pool:
        outcomes = [o for lane in pool.map(give, range(width)) for o in lane]
    affordable = START // GIFT
    assert outcomes.count("given") == affordable and outcomes.count("refused") == ROUNDS - affordable
    assert timebank.balance_minutes(giver) == START - affordable * GIFT
    assert sum(timebank.balance_minutes(t) for t in takers) == affordable * GIFT
    account = Account.objects.get(key=timebank.member_key(giver.pk))
    with connection.cursor() as cursor:  # entries are numbered under the lock: no running balance below 0
        cursor.execute(
            "SELECT MIN(running) FROM (SELECT SUM(amount_fen) OVER (ORDER BY id) AS running"
            " FROM benefits_ledgerentry WHERE account_id = %s) balances",
            [account.pk],
        )
        assert cursor.fetchone()[0] >= 0
