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
    return sorted(d.kind for d in report.all_differences())


def messages(report) -> list[str]:
    return [d.message for d in report.all_differences()]


def cash(user):
    [report] = reconciliation.reconcile_payments(user, MARCH)
    return report


def test_before_any_batch_the_whole_amount_is_owed_and_said_so(run, official, english):
    report = cash(official)
    assert kinds(report) == ["no_batch"]
    assert "¥1,100.00 owed to 3 elders" in messages(report)[0]
    assert (report.results_fen, report.unpaid_fen, report.ledger_payable_fen) == (1100_00, 1100_00, 1100_00)


def test_a_fully_returned_batch_agrees_but_for_what_cannot_be_paid(batch, run, people, official, english):
    import_(batch, official, return_upload(batch))

    report = cash(official)

    assert kinds(report) == ["no_account"]
    assert "王五" in messages(report)[0] and "no account" in messages(report)[0]
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
    words = {d.kind: d.message for d in report.all_differences()}
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
    assert (body["count"], body["page"]) == (1, 1)
    [report] = body["items"]
    assert (report["results_fen"], report["at_bank_fen"], report["agrees"]) == (1100_00, 1000_00, False)
    assert report["difference_count"] == 3 and report["counts"] == {"at_bank": 2, "no_account": 1}
    url = f"/api/v1/benefits/reconciliation/payments/{report['run_id']}/differences"
    differences = client.get(url).json()
    assert differences["count"] == 3
    assert sorted(d["kind"] for d in differences["items"]) == ["at_bank", "at_bank", "no_account"]
    assert differences["items"][0]["label"]
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content)))
    assert workbook.sheet_names[-2:] == ["Payments", "Payment differences"]
    rows = workbook.get_sheet_by_index(3).to_python()
    assert len(rows) == 1 + 3 and {row[1] for row in rows[1:]} == {
        "sent to the bank, no return yet",
        "not paid: no account",
    }


def test_a_user_outside_the_area_sees_no_run_in_the_api(batch, client, street_official, worker_a):
    client.force_login(street_official)
    assert client.get("/api/v1/benefits/reconciliation/payments", {"month": "2026-03"}).json()["items"] == []
    client.force_login(worker_a)
    assert client.get("/api/v1/benefits/reconciliation/payments", {"month": "2026-03"}).status_code in (
        403,
        404,
    )


def test_the_page_speaks_chinese_by_default(batch, official, client):
    client.force_login(official)
    page = client.get("/benefits/reconciliation/?month=2026-03").content.decode()
    assert "现金津贴" in page and "已送银行，尚无回盘" in page and "未发放：老人没有账号" in page


def test_the_differences_page_through_the_runs_own_then_row_by_row(batch, run, people, official, english):
    from shouwang.benefits.models import EligibilityResult

    # C's row is taken out of the batch (C is owed but in no batch); B is owed nothing now (B's row pays
    # what the run does not owe), and the ledger no longer agrees.
    PaymentLine.objects.filter(batch=batch, elder=people["c"]).delete()
    EligibilityResult.objects.filter(run=run, elder=people["b"]).update(cash_fen=0)
    report = cash(official)
    everything = list(report.all_differences())

    pages = [report.differences_page(page=n, page_size=2) for n in (1, 2, 3, 4)]

    assert report.difference_count == len(everything) == pages[0].count
    assert report.counts["not_in_batch"] == 1 and report.counts["line_without_result"] == 1
    assert [d.message for p in pages[: pages[0].pages] for d in p.items] == [d.message for d in everything]
    assert pages[-1].page == pages[0].pages  # past the end: the last page
    [lone] = report.differences_page(kind="not_in_batch").items
    assert (lone.elder_id, lone.result_fen) == (people["c"].pk, 100_00)
    [extra] = report.differences_page(kind="line_without_result").items
    assert extra.elder_id == people["b"].pk and "which the run does not owe" in extra.message


def test_one_runs_differences_are_read_only_by_officials_of_its_area(
    batch, run, client, official, street_official, worker_a
):
    url = f"/api/v1/benefits/reconciliation/payments/{run.pk}/differences"
    client.force_login(official)
    assert client.get(url, {"kind": "at_bank", "page_size": 1}).json()["count"] == 2
    assert client.get(url, {"kind": "nonsense"}).json()["count"] == 3  # an unknown kind: every kind
    client.force_login(street_official)  # the district's run is outside a street's area
    missing = client.get(f"/api/v1/benefits/reconciliation/payments/{run.pk + 1000}/differences")
    assert client.get(url).status_code == missing.status_code == 404
    assert client.get(url).json() == missing.json()
    client.force_login(worker_a)
    assert client.get(url).status_code in (403, 404)


def test_a_run_not_yet_approved_has_no_cash_side(policies, official, client):
    from shouwang.benefits import services
    from shouwang.core.actors import SYSTEM

    computed = services.start_run(actor=SYSTEM, month="2026-03", region_code="220202000000")
    client.force_login(official)
    answer = client.get(f"/api/v1/benefits/reconciliation/payments/{computed.pk}/differences")
    assert answer.status_code == 404


def test_the_page_pages_one_runs_differences(batch, run, official, client, english, monkeypatch):
    from shouwang.benefits import statement_views

    monkeypatch.setattr(statement_views, "CASH_DIFFERENCES_PER_PAGE", 1)
    client.force_login(official)
    asked = [{"month": "2026-03", "run": run.pk, "page": n} for n in (1, 2, 3)]
    pages = [client.get("/benefits/reconciliation/", query).content.decode() for query in asked]
    shown = [[m for m in messages(cash(official)) if m in page] for page in pages]
    assert [len(messages) for messages in shown] == [1, 1, 1]
    assert len({messages[0] for messages in shown}) == 3
    assert "Page 2 of 3" in pages[1] and f"run={run.pk}" in pages[1]
