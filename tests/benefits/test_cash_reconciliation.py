"""The reconciliation report's cash side: an approved run's cash allowances against its payment batches'
rows, the ledger (payable → sent to the bank → paid) and the bank's returns — agreeing, or each difference
listed with its reason, on the page, in the API and in the xlsx export."""

import datetime as dt
import io

import pytest
from python_calamine_plus import CalamineWorkbook

from shouwang.benefits import ledger, payments, reconciliation
from shouwang.benefits.models import AccountKind, LedgerTransaction, PaymentLine, TransactionKind
from shouwang.core.errors import Forbidden
from shouwang.elders.services import record_life_event
from tests.benefits.test_payments import import_, return_upload

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)
# The run owes A ¥500, B ¥500 and C ¥100 (C has no account).


def kinds(report) -> list[str]:
    return sorted(d.kind for d in report.differences)


def cash(user):
    [report] = reconciliation.reconcile_payments(user, MARCH)
    return report


def test_before_any_batch_the_whole_amount_is_owed_and_said_so(run, official, english):
    report = cash(official)
    assert kinds(report) == ["no_batch"]
    assert "¥1,100.00 owed to 3 elders" in report.differences[0].message
    assert (report.results_fen, report.unpaid_fen, report.ledger_payable_fen) == (1100_00, 1100_00, 1100_00)


def test_a_fully_returned_batch_agrees_but_for_what_cannot_be_paid(batch, run, people, official, english):
    import_(batch, official, return_upload(batch))

    report = cash(official)

    assert kinds(report) == ["no_account"]
    assert "王五" in report.differences[0].message and "no account" in report.differences[0].message
    assert (report.paid_fen, report.at_bank_fen, report.unpaid_fen) == (1000_00, 0, 100_00)
    assert (report.ledger_paid_fen, report.ledger_at_bank_fen, report.ledger_payable_fen) == (
        1000_00,
        0,
        100_00,
    )


def test_each_cash_difference_is_listed_with_its_reason(batch, run, people, official, english):
    b_seq = batch.lines.get(elder=people["b"]).seq
    returned = return_upload(
        batch,
        {b_seq: ("失败", "户名不符")},
        extra_rows=[[99, "陌生人", "220202193001010011", "6222", "88.00", "成功", ""]],
    )
    import_(batch, official, returned)
    record_life_event(actor=official, elder_id=people["c"].pk, event="deceased", date=dt.date(2026, 4, 3))
    # B is re-issued and refused again; C, dead since, is withheld.
    second = payments.reissue_batch(actor=official, run_id=run.pk)
    import_(second, official, return_upload(second, {1: ("失败", "账户已销户")}), name="回盘2.xlsx")
    # A's row says ¥500 but the run owes A ¥400 (as if the run had been corrected after the batch).
    from shouwang.benefits.models import EligibilityResult

    EligibilityResult.objects.filter(run=run, elder=people["a"]).update(cash_fen=400_00)

    report = cash(official)

    assert kinds(report) == sorted(
        ["line_amount_differs", "refused", "withheld", "return_row_unknown", "ledger_owed_differs"]
    )
    words = {d.kind: d.message for d in report.differences}
    assert "账户已销户" in words["refused"]
    assert "died (2026-04-03)" in words["withheld"]
    assert "not in this batch" in words["return_row_unknown"] and "88.00" in words["return_row_unknown"]
    assert "¥500.00; the run owes ¥400.00" in words["line_amount_differs"]


def test_the_ledger_is_checked_against_the_rows(batch, run, people, official, english):
    # Rows at the bank, no return yet: the rows and the ledger agree on ¥1,000 sent.
    report = cash(official)
    assert sorted(kinds(report)) == ["at_bank", "at_bank", "no_account"]
    assert report.ledger_at_bank_fen == report.at_bank_fen == 1000_00
    # A row marked paid with no return booked: the ledger's paid and at-the-bank accounts no longer agree.
    PaymentLine.objects.filter(batch=batch, elder=people["a"]).update(status="paid")
    report = cash(official)
    assert {"ledger_paid_differs", "ledger_at_bank_differs"} <= set(kinds(report))
    # The run's allowance posting cannot be undone while its money is at the bank.
    posting = LedgerTransaction.objects.get(run=run, kind=TransactionKind.ALLOWANCE)
    assert posting.entries.filter(account__kind=AccountKind.ALLOWANCE_PAYABLE).exists()
    with pytest.raises(ledger.InsufficientBalance):  # ¥1,000 of it is at the bank already
        ledger.reverse(actor=official, transaction_id=posting.pk, reason="重算")


def test_only_officials_of_the_area_read_the_cash_side(batch, worker_a, official, street_official):
    with pytest.raises(Forbidden):
        reconciliation.reconcile_payments(worker_a, MARCH)
    # The run is the district's: a street official's area holds no part of it.
    assert reconciliation.reconcile_payments(street_official, MARCH) == []
    assert reconciliation.reconcile_payments(official, dt.date(2026, 4, 1)) == []


def test_the_page_the_api_and_the_export_show_the_cash_side(batch, people, official, client, english):
    client.force_login(official)

    page = client.get("/benefits/reconciliation/?month=2026-03").content.decode()
    body = client.get("/api/v1/benefits/reconciliation/payments", {"month": "2026-03"}).json()
    export = client.get("/api/v1/benefits/reconciliation/export", {"month": "2026-03"})

    assert "Cash allowances" in page and "王五" in page and "is at the bank" in page
    [report] = body
    assert (report["results_fen"], report["at_bank_fen"], report["agrees"]) == (1100_00, 1000_00, False)
    assert sorted(d["kind"] for d in report["differences"]) == ["at_bank", "at_bank", "no_account"]
    assert report["differences"][0]["label"]
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content)))
    assert workbook.sheet_names[-2:] == ["Payments", "Payment differences"]
    rows = workbook.get_sheet_by_index(3).to_python()
    assert len(rows) == 1 + 3 and {row[1] for row in rows[1:]} == {
        "sent to the bank, no return yet",
        "not paid: no account",
    }


def test_a_user_outside_the_area_sees_no_run_in_the_api(batch, client, street_official, worker_a):
    client.force_login(street_official)
    assert client.get("/api/v1/benefits/reconciliation/payments", {"month": "2026-03"}).json() == []
    client.force_login(worker_a)
    assert client.get("/api/v1/benefits/reconciliation/payments", {"month": "2026-03"}).status_code in (
        403,
        404,
    )


def test_the_page_speaks_chinese_by_default(batch, official, client):
    client.force_login(official)
    page = client.get("/benefits/reconciliation/?month=2026-03").content.decode()
    assert "现金津贴" in page and "已送银行，尚无回盘" in page and "未发放：老人没有账号" in page
