"""Cash allowances through the bank: the payment batch, its file, the bank's return, re-issue, and the
ledger staying balanced through all of it."""

import datetime as dt
import io

import pytest

from shouwang.benefits import payments, services
from shouwang.benefits.models import (
    LedgerTransaction,
    LineStatus,
    PaymentBatch,
    PaymentLine,
    PaymentReturn,
    TransactionKind,
)
from shouwang.benefits.selectors import trial_balance
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.core.spreadsheets import open_workbook
from tests import factories
from tests.benefits.conftest import PAYMENT_ACCOUNTS, approved

pytestmark = pytest.mark.django_db

ACCOUNT_A, ACCOUNT_B = PAYMENT_ACCOUNTS


def balances(user) -> dict:
    found = trial_balance(user)
    assert found["total"] == 0
    return {row["kind"]: row["balance"] for row in found["by_kind"]}


def return_upload(batch, outcomes=None, extra_rows=()) -> io.BytesIO:
    content = payments.return_file(batch, outcomes or {})
    if extra_rows:
        # A bank's file with rows of its own: rebuild it with the extra rows after the batch's.
        from shouwang.core.spreadsheets import SheetWriter

        rows = _rows(content)
        buffer = io.BytesIO()
        with SheetWriter(buffer, payments.RETURN_HEADER) as writer:
            for row in [*rows, *extra_rows]:
                writer.append(row)
        content = buffer.getvalue()
    return io.BytesIO(content)


def _rows(content: bytes, sheet: int = 0) -> list[list]:
    path = _saved(content)
    with open_workbook(path) as workbook:
        return [[("" if c is None else str(c)) for c in row] for row in workbook.sheet(sheet).rows]


def _header(content: bytes, sheet: int = 0) -> list[str]:
    with open_workbook(_saved(content)) as workbook:
        return workbook.sheet(sheet).header


def _saved(content: bytes):
    import tempfile
    from pathlib import Path

    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.write(content)
    handle.close()
    return Path(handle.name)


def import_(batch, actor, upload: io.BytesIO, name="回盘.xlsx"):
    path = _saved(upload.getvalue())
    return payments.import_return(actor=actor, batch_id=batch.pk, path=path, name=name)


def test_a_run_not_yet_approved_is_not_paid_and_nothing_is_saved(people, official):
    run = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)
    with pytest.raises(Conflict) as refused:
        payments.create_batch(actor=official, run_id=run.pk)
    assert refused.value.code == "run_not_approved"
    assert not PaymentBatch.objects.exists()


def test_the_batch_holds_every_cash_allowance_and_lists_who_cannot_be_paid(batch, people, official):
    lines = {line.elder_id: line for line in batch.lines.all()}
    assert set(lines) == {people[k].pk for k in ("a", "b", "c")}  # the 66-year-old has no cash allowance
    assert lines[people["a"].pk].amount_fen == 100_00 + 400_00
    assert lines[people["a"].pk].amounts == {"gaoling": 100_00, "huli": 400_00}
    assert lines[people["a"].pk].account == ACCOUNT_A
    assert lines[people["c"].pk].status == LineStatus.NO_ACCOUNT
    assert (batch.row_count, batch.total_fen, batch.unpayable_count) == (2, 500_00 + 500_00, 1)
    # What is sent moves from payable to the bank; what cannot be paid stays owed.
    assert balances(official) == {"allowance_payable": 100_00, "bank_clearing": 1000_00, "fund": -1100_00}


def test_making_the_batch_again_gives_the_same_batch_and_books_nothing_more(batch, run, official):
    posted = LedgerTransaction.objects.count()
    again = payments.create_batch(actor=official, run_id=run.pk)
    assert again.pk == batch.pk
    assert PaymentBatch.objects.count() == 1 and LedgerTransaction.objects.count() == posted


def test_only_whoever_approves_the_run_makes_its_batch(run, worker_a, street_official):
    for user in (worker_a, street_official):
        with pytest.raises(Forbidden):
            payments.create_batch(actor=user, run_id=run.pk)
    assert not PaymentBatch.objects.exists()


def test_the_bank_file_has_the_rows_the_total_the_count_and_the_check_code(batch, people, official):
    content = payments.bank_file(actor=official, batch=batch)
    assert _header(content) == payments.BANK_HEADER
    rows = [row for row in _rows(content) if any(row)]
    data, summary = rows[:2], {row[0]: row[4] for row in rows[2:]}
    assert {(row[1], row[2], row[3], row[4]) for row in data} == {
        ("张三丰", people["a"].id_number, ACCOUNT_A, "500.00"),
        ("李四光", people["b"].id_number, ACCOUNT_B, "500.00"),
    }
    assert summary[payments.TOTAL_LABEL] == "1000.00"
    assert summary[payments.COUNT_LABEL] in ("2", "2.0")
    assert (
        summary[payments.CHECK_LABEL] == batch.checksum == payments.checksum(batch.lines.exclude(account=""))
    )
    unpayable = [row for row in _rows(content, 1) if any(row)]
    assert [(row[1], row[4]) for row in unpayable] == [("王五", str(LineStatus.NO_ACCOUNT.label))]
    # The file holds full ID and account numbers: its download is recorded.
    assert AuditLog.objects.filter(action="benefits.payment.file", actor=official).count() == 1


def test_the_bank_file_is_not_for_community_workers(batch, worker_a):
    with pytest.raises(Forbidden):
        payments.bank_file(actor=worker_a, batch=batch)


def test_the_return_marks_paid_and_failed_rows_and_books_them(batch, people, official):
    failed_seq = batch.lines.get(elder=people["b"]).seq
    returned = import_(batch, official, return_upload(batch, {failed_seq: ("失败", "账户已销户")}))
    assert (returned.paid_count, returned.failed_count, returned.unknown_count) == (1, 1, 0)
    lines = {line.elder_id: line for line in batch.lines.all()}
    assert lines[people["a"].pk].status == LineStatus.PAID
    assert lines[people["b"].pk].status == LineStatus.FAILED
    assert lines[people["b"].pk].bank_reason == "账户已销户"
    assert returned.report["failed"][0]["reason"] == "账户已销户"
    kinds = balances(official)
    # A's ¥500 paid; B's ¥500 back to payable (with C's ¥100 never sent); nothing left at the bank.
    assert kinds["allowance_paid"] == 500_00
    assert kinds["allowance_payable"] == 500_00 + 100_00
    assert kinds.get("bank_clearing", 0) == 0


def test_the_same_return_twice_changes_nothing_the_second_time(batch, official):
    upload = return_upload(batch)
    first = import_(batch, official, upload)
    posted, lines = LedgerTransaction.objects.count(), list(batch.lines.values_list("status", "settled_at"))
    second = import_(batch, official, io.BytesIO(upload.getvalue()))
    assert second.pk == first.pk
    assert PaymentReturn.objects.count() == 1 and LedgerTransaction.objects.count() == posted
    assert list(batch.lines.values_list("status", "settled_at")) == lines


def test_a_second_file_with_rows_already_returned_reports_them_unchanged(batch, official):
    import_(batch, official, return_upload(batch))
    posted = LedgerTransaction.objects.count()
    other = return_upload(batch, extra_rows=[[9, "某某", "220202199001011234", "", "100.00", "成功", ""]])
    returned = import_(batch, official, other, name="回盘-2.xlsx")
    assert (returned.paid_count, returned.unchanged_count, returned.unknown_count) == (0, 2, 1)
    assert LedgerTransaction.objects.count() == posted


def test_rows_the_batch_does_not_hold_are_reported_and_change_nothing(batch, people, official):
    a_line = batch.lines.get(elder=people["a"])
    extra = [
        [99, "陌生人", "110101195001011234", "6222", "100.00", "成功", ""],  # not in the batch
        [a_line.seq, "张三丰", people["a"].id_number, ACCOUNT_A, "499.00", "成功", ""],  # amount differs
    ]
    # Only the unknown rows and B's row: A's row carries the wrong amount.
    content = return_upload(batch, extra_rows=extra)
    rows = [row for row in _rows(content.getvalue()) if row[2] != people["a"].id_number or row[4] == "499.00"]
    from shouwang.core.spreadsheets import SheetWriter

    buffer = io.BytesIO()
    with SheetWriter(buffer, payments.RETURN_HEADER) as writer:
        for row in rows:
            writer.append(row)
    returned = import_(batch, official, buffer)
    assert (returned.paid_count, returned.unknown_count) == (1, 2)
    whys = sorted(item["why"] for item in returned.report["unknown"])
    assert any("500.00" in why for why in whys)
    assert (
        "1234" in returned.report["unknown"][0]["id_number"]
        and "*" in returned.report["unknown"][0]["id_number"]
    )
    assert batch.lines.get(elder=people["a"]).status == LineStatus.SENT


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (["1", "张三丰", "X", "", "100.00", "已处理", ""], "status"),
        (["1", "张三丰", "X", "", "一百元", "成功", ""], "amount"),
        (["1", "张三丰", "X", "", "100.001", "成功", ""], "amount"),
    ],
)
def test_a_bad_return_file_is_refused_whole_naming_the_row(batch, official, row, field):
    content = return_upload(batch, extra_rows=[row])
    with pytest.raises(ValidationFailed) as refused:
        import_(batch, official, content)
    assert field in refused.value.errors and "4" in refused.value.message  # the 4th row of the sheet
    assert not PaymentReturn.objects.exists()
    assert set(batch.lines.values_list("status", flat=True)) == {LineStatus.SENT, LineStatus.NO_ACCOUNT}


def test_a_return_without_the_status_column_is_refused(batch, official):
    from shouwang.core.spreadsheets import SheetWriter

    buffer = io.BytesIO()
    with SheetWriter(buffer, ["序号", "身份证号", "金额(元)"]) as writer:
        writer.append([1, "220202194001011234", "100.00"])
    with pytest.raises(ValidationFailed):
        import_(batch, official, buffer)
    assert not PaymentReturn.objects.exists()


def test_failed_and_account_less_payments_are_reissued_in_a_new_batch(batch, run, people, official):
    b_seq = batch.lines.get(elder=people["b"]).seq
    import_(batch, official, return_upload(batch, {b_seq: ("失败", "户名不符")}))
    people["c"].payment_account = "6222033300004444"
    people["c"].save()
    second = payments.reissue_batch(actor=official, run_id=run.pk)
    assert second.number == 2
    assert set(second.lines.values_list("elder_id", "status")) == {
        (people["b"].pk, LineStatus.SENT),
        (people["c"].pk, LineStatus.SENT),
    }
    assert second.total_fen == 500_00 + 100_00
    assert set(batch.lines.exclude(elder=people["a"]).values_list("status", flat=True)) == {
        LineStatus.REISSUED
    }
    kinds = balances(official)
    assert kinds["bank_clearing"] == 600_00 and kinds["allowance_payable"] == 0
    # Paid in full at last: everything the run owed in cash is with the elders.
    import_(second, official, return_upload(second), name="回盘-第2批.xlsx")
    kinds = balances(official)
    assert kinds["allowance_paid"] == 1100_00 and kinds.get("bank_clearing", 0) == 0
    with pytest.raises(Conflict):
        payments.reissue_batch(actor=official, run_id=run.pk)


def test_every_payment_transaction_balances(batch, official):
    import_(batch, official, return_upload(batch, {1: ("失败", "账号错误")}))
    kinds = {TransactionKind.PAYMENT_SENT, TransactionKind.PAYMENT_RETURNED}
    for posted in LedgerTransaction.objects.filter(kind__in=kinds):
        assert sum(posted.entries.values_list("amount_fen", flat=True)) == 0


def test_a_community_worker_sees_only_their_communitys_rows(batch, people, worker_a, worker_b):
    assert [line.elder_id for line in payments.lines_for(worker_a, batch)] == sorted(
        [people["a"].pk, people["c"].pk], key=lambda pk: batch.lines.get(elder_id=pk).seq
    )
    assert [line.elder_id for line in payments.lines_for(worker_b, batch)] == [people["b"].pk]


def test_a_street_official_of_another_street_does_not_find_a_streets_batch(
    people, worker_a, street_official, official
):
    run = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.STREET_A)
    approved(run, worker=worker_a, street=street_official, district=official)
    batch = payments.create_batch(actor=official, run_id=run.pk)
    other = factories.user("official", regions=("220202002000",), username="street_b")
    with pytest.raises(NotFound):
        payments.get_batch_for(other, run.pk, batch.number)
    assert PaymentLine.objects.filter(batch=batch).count() == 2  # A and C live in street A


def test_a_failed_payment_of_an_elder_who_died_since_is_not_reissued(batch, run, people, official, english):
    from shouwang.elders.services import record_life_event

    b_seq = batch.lines.get(elder=people["b"]).seq
    import_(batch, official, return_upload(batch, {b_seq: ("失败", "账户冻结")}))
    record_life_event(actor=official, elder_id=people["b"].pk, event="deceased", date=dt.date(2026, 4, 2))
    people["c"].payment_account = "6222033300004444"
    people["c"].save()

    second = payments.reissue_batch(actor=official, run_id=run.pk)

    assert list(second.lines.values_list("elder_id", flat=True)) == [people["c"].pk]
    held = batch.lines.get(elder=people["b"])
    assert held.status == LineStatus.WITHHELD
    assert "2026-04-02" in held.withheld_reason and "died" in held.withheld_reason
    assert AuditLog.objects.filter(action="benefits.payment.withhold").count() == 1
    # Its money stays payable (nothing sent); the ledger still balances.
    assert balances(official)["allowance_payable"] == 500_00
    # Asked again: nothing waits, and the withheld line stays as it is.
    with pytest.raises(Conflict):
        payments.reissue_batch(actor=official, run_id=run.pk)
    assert batch.lines.get(elder=people["b"]).status == LineStatus.WITHHELD


def test_when_only_moved_out_elders_wait_the_refusal_keeps_them_withheld(
    batch, run, people, official, english
):
    from shouwang.elders.services import record_life_event

    record_life_event(actor=official, elder_id=people["c"].pk, event="moved_out", date=dt.date(2026, 4, 9))
    people["c"].refresh_from_db()
    people["c"].payment_account = "6222033300004444"
    people["c"].save()

    with pytest.raises(Conflict) as refused:
        payments.reissue_batch(actor=official, run_id=run.pk)

    assert "withheld" in refused.value.message
    line = batch.lines.get(elder=people["c"])
    assert (line.status, "moved out" in line.withheld_reason) == (LineStatus.WITHHELD, True)
    assert PaymentBatch.objects.filter(run=run).count() == 1
