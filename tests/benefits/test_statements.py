"""Provider statements (对账单): issued per month, acknowledged or disputed, disputes resolved with
corrections posted as reversing ledger entries; who sees them."""

import datetime as dt

import pytest

from shouwang.benefits import ledger, reconciliation, statements
from shouwang.benefits.models import LedgerEntry, LedgerTransaction
from shouwang.benefits.selectors import trial_balance
from shouwang.benefits.statement_models import Statement, StatementLine, StatementTransition
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.orders.models import ExceptionState, VisitException
from tests.benefits import statement_data as sd

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def people(march_people):
    return march_people


@pytest.fixture
def march(people, provider, carer, official):
    """Three verified orders of March settled (特困 ¥40 all vouchers, 低保 ¥36 + ¥4, none ¥40 self-pay)."""
    return [
        sd.settled(official, provider, carer, people[who], dt.date(2026, 3, day))
        for who, day in (("tekun", 3), ("dibao", 10), ("none", 20))
    ]


def issue(official, **kwargs):
    return statements.issue_statements(actor=official, month="2026-03", **kwargs)


def test_a_statement_lists_the_verified_settled_orders_of_the_month_with_their_split(
    march, official, provider, carer, people
):
    unverified = sd.settled(official, provider, carer, people["tekun"], dt.date(2026, 3, 25))
    VisitException.objects.create(order=unverified, kind="too_short", state=ExceptionState.UPHELD)
    sd.settled(official, provider, carer, people["tekun"], dt.date(2026, 4, 1))  # April's

    [statement] = issue(official)

    lines = list(statement.lines.order_by("service_day"))
    assert [(line.order_id, line.amount_fen, line.voucher_fen, line.self_pay_fen) for line in lines] == [
        (march[0].pk, 4000, 4000, 0),
        (march[1].pk, 4000, 3600, 400),
        (march[2].pk, 4000, 0, 4000),
    ]
    assert (statement.order_count, statement.amount_fen, statement.voucher_fen, statement.self_pay_fen) == (
        3,
        12000,
        7600,
        4400,
    )
    assert statement.state == "issued"
    assert StatementTransition.objects.filter(statement=statement, to_state="issued").count() == 1


def test_issuing_again_is_idempotent_and_adds_an_order_settled_late(march, official, provider, carer, people):
    [first] = issue(official)
    line_ids = set(StatementLine.objects.values_list("pk", flat=True))
    audits = AuditLog.objects.filter(action="benefits.statement.issued").count()

    [again] = issue(official)

    assert again.pk == first.pk and Statement.objects.count() == 1
    assert set(StatementLine.objects.values_list("pk", flat=True)) == line_ids
    assert AuditLog.objects.filter(action="benefits.statement.issued").count() == audits  # nothing changed
    late = sd.settled(official, provider, carer, people["dibao"], dt.date(2026, 3, 28))
    [third] = issue(official)
    assert third.order_count == 4 and StatementLine.objects.filter(order=late).exists()


def test_the_scheduled_job_issues_only_missing_statements(march, provider_admin_a, english):
    [made] = statements.issue_statements(actor=SYSTEM, month="2026-03", only_missing=True)
    statements.acknowledge_statement(actor=provider_admin_a, statement_id=made.pk)

    [again] = statements.issue_statements(actor=SYSTEM, month="2026-03", only_missing=True)

    assert again.pk == made.pk and again.state == "acknowledged"


def test_an_answered_statement_is_not_changed_by_issuing_again(
    march, official, provider_admin_a, provider, carer, people
):
    [statement] = issue(official)
    statements.acknowledge_statement(actor=provider_admin_a, statement_id=statement.pk, note="无误")
    sd.settled(official, provider, carer, people["dibao"], dt.date(2026, 3, 28))

    [again] = issue(official)

    assert again.state == "acknowledged" and again.lines.count() == 3


def test_the_provider_acknowledges_its_statement_once(march, official, provider_admin_a, english):
    [statement] = issue(official)

    statements.acknowledge_statement(actor=provider_admin_a, statement_id=statement.pk, note="无误")

    statement.refresh_from_db()
    assert statement.state == "acknowledged"
    assert AuditLog.objects.filter(
        action="benefits.statement.acknowledged", object_id=str(statement.pk)
    ).exists()
    with pytest.raises(Conflict, match="cannot become"):
        statements.acknowledge_statement(actor=provider_admin_a, statement_id=statement.pk)
    with pytest.raises(Forbidden):
        statements.dispute_statement(actor=official, statement_id=statement.pk, reason="x")


def test_another_provider_sees_nothing_of_the_statement(march, official, provider_admin_b, english):
    [statement] = issue(official)

    assert not statements.statements_for(provider_admin_b).exists()
    with pytest.raises(NotFound):
        statements.acknowledge_statement(actor=provider_admin_b, statement_id=statement.pk)
    with pytest.raises(NotFound):
        statements.get_statement_for(provider_admin_b, statement.pk)


def test_a_dispute_needs_a_reason_and_orders_of_the_statement(march, official, provider_admin_a, english):
    [statement] = issue(official)

    with pytest.raises(ValidationFailed) as refused:
        statements.dispute_statement(actor=provider_admin_a, statement_id=statement.pk, reason="  ")
    assert "reason" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        statements.dispute_statement(
            actor=provider_admin_a, statement_id=statement.pk, lines={999999: "不是我们的"}
        )
    assert "lines" in refused.value.errors
    statement.refresh_from_db()
    assert statement.state == "issued"
    assert not StatementLine.objects.exclude(dispute_reason="").exists()


def test_a_disputed_price_is_corrected_by_a_reversal_and_a_new_posting_never_an_edit(
    march, official, provider_admin_a, people, english
):
    [statement] = issue(official)
    disputed = march[1]  # 低保: ¥36 vouchers + ¥4 self-pay
    statements.dispute_statement(
        actor=provider_admin_a, statement_id=statement.pk, lines={disputed.pk: "实际服务两小时，应为¥80"}
    )
    entries_before = list(LedgerEntry.objects.order_by("pk").values_list("pk", "account_id", "amount_fen"))
    payable = ledger.balance(ledger.provider_account(disputed.provider).pk)

    statements.resolve_dispute(
        actor=official,
        statement_id=statement.pk,
        resolution="核实为两小时",
        decisions={disputed.pk: {"decision": "corrected", "amount_fen": 8000}},
    )

    statement.refresh_from_db()
    line = statement.lines.get(order=disputed)
    assert (
        statement.state == "resolved" and line.decision == "corrected" and line.corrected_amount_fen == 8000
    )
    assert (
        list(
            LedgerEntry.objects.filter(pk__in=[e[0] for e in entries_before])
            .order_by("pk")
            .values_list("pk", "account_id", "amount_fen")
        )
        == entries_before
    )
    assert line.reversal.reverses == LedgerTransaction.objects.get(order=disputed)
    assert ledger.balance(ledger.provider_account(disputed.provider).pk) == payable + 4000
    # The vouchers paid as far as before (¥36); the rest of ¥80 is the elder's.
    assert sorted(line.reposting.entries.values_list("amount_fen", flat=True)) == [-4400, -3600, 8000]
    assert trial_balance(official)["total"] == 0
    assert reconciliation.reconcile(official, provider_id=disputed.provider_id, month=MARCH).agrees
    statements.acknowledge_statement(actor=provider_admin_a, statement_id=statement.pk)


def test_a_correction_to_nothing_only_reverses_and_gives_the_vouchers_back(
    march, official, provider_admin_a, people, english
):
    [statement] = issue(official)
    order = march[0]  # 特困, all vouchers
    statements.dispute_statement(actor=provider_admin_a, statement_id=statement.pk, reason="整体有误")
    statements.resolve_dispute(
        actor=official,
        statement_id=statement.pk,
        resolution="该单未实际服务",
        decisions={order.pk: {"decision": "corrected", "amount_fen": 0, "note": "老人不在家"}},
    )

    line = StatementLine.objects.get(order=order)
    assert line.reposting is None and line.reversal is not None
    assert ledger.voucher_balance(people["tekun"].pk) == 30000
    assert Statement.objects.get(pk=statement.pk).dispute_reason == "整体有误"


def test_every_disputed_order_needs_a_decision_and_only_officials_resolve(
    march, official, provider_admin_a, english
):
    [statement] = issue(official)
    statements.dispute_statement(
        actor=provider_admin_a,
        statement_id=statement.pk,
        lines={march[0].pk: "价格不对", march[1].pk: "时间不对"},
    )
    with pytest.raises(Forbidden):
        statements.resolve_dispute(actor=provider_admin_a, statement_id=statement.pk, resolution="x")
    with pytest.raises(ValidationFailed, match=str(march[1].pk)) as refused:
        statements.resolve_dispute(
            actor=official,
            statement_id=statement.pk,
            resolution="核实",
            decisions={march[0].pk: {"decision": "stands"}},
        )
    assert "decisions" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        statements.resolve_dispute(
            actor=official,
            statement_id=statement.pk,
            resolution="核实",
            decisions={march[0].pk: {"decision": "stands"}, march[1].pk: {"decision": "corrected"}},
        )
    assert "amount_fen" in refused.value.errors
    statement.refresh_from_db()
    assert statement.state == "disputed"
    assert not StatementLine.objects.exclude(decision="").exists()
    assert not LedgerTransaction.objects.filter(kind="reversal").exists()


def test_a_statement_is_resolved_only_when_disputed(march, official, english):
    [statement] = issue(official)
    with pytest.raises(Conflict, match="cannot become"):
        statements.resolve_dispute(actor=official, statement_id=statement.pk, resolution="x")


def test_the_scheduled_task_issues_last_months_statements(people, provider, carer, official):
    from django.utils import timezone

    from shouwang.benefits import tasks
    from shouwang.core.scheduler import registered_jobs

    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    order = sd.settled(official, provider, carer, people["none"], last_month)

    tasks.issue_statements.call()

    statement = Statement.objects.get(month=last_month)
    assert list(statement.lines.values_list("order_id", flat=True)) == [order.pk]
    assert "benefits.issue_statements" in {job.name for job in registered_jobs()}
