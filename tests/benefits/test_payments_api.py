"""The payments API, the run's export and the elder's payment account (docs/api.md, "Benefits: payments"),
and who reaches what through them."""

import datetime as dt
import io
import tempfile
from pathlib import Path

import pytest

from shouwang.benefits import payments, services
from shouwang.benefits.models import LineStatus, PaymentBatch
from shouwang.core.actors import SYSTEM
from shouwang.core.models import AuditLog
from shouwang.core.spreadsheets import open_workbook
from shouwang.elders.models import Elder
from tests import factories
from tests.benefits import factories as bf
from tests.benefits.conftest import approved

pytestmark = pytest.mark.django_db
API = "/api/v1/benefits"


@pytest.fixture
def people(policies):
    return {
        "a": bf.elder(born=dt.date(1940, 1, 1), name="张三丰", payment_account="6222020200001111"),
        "b": bf.elder(born=dt.date(1930, 1, 1), community=factories.COMMUNITY_B, name="李四光"),
    }


@pytest.fixture
def run(people, worker_a, street_official, official):
    made = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.DISTRICT)
    return approved(made, worker=worker_a, street=street_official, district=official)


def sheet_rows(content: bytes) -> tuple[list[str], list[list]]:
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        handle.write(content)
    with open_workbook(Path(handle.name)) as workbook:
        sheet = workbook.sheet(0)
        return sheet.header, [list(row) for row in sheet.rows]


def test_post_payments_makes_the_batch_once(run, client, official):
    client.force_login(official)
    first = client.post(f"{API}/runs/{run.pk}/payments")
    assert first.status_code == 201
    body = first.json()
    assert (body["number"], body["row_count"], body["total_fen"], body["unpayable_count"]) == (
        1,
        1,
        100_00,
        1,
    )
    assert body["status_counts"][LineStatus.NO_ACCOUNT] == 1
    again = client.post(f"{API}/runs/{run.pk}/payments")
    assert again.status_code == 200 and again.json()["checksum"] == body["checksum"]
    assert PaymentBatch.objects.count() == 1


def test_lines_are_masked_and_the_file_is_full(run, client, official, people):
    client.force_login(official)
    client.post(f"{API}/runs/{run.pk}/payments")
    lines = client.get(f"{API}/runs/{run.pk}/payments/1/lines").json()["items"]
    a = next(line for line in lines if line["elder_id"] == people["a"].pk)
    assert a["account_masked"] == "6222********1111" and "*" in a["id_number_masked"]
    assert "6222020200001111" not in str(lines)
    answer = client.get(f"{API}/runs/{run.pk}/payments/1/file")
    assert answer.status_code == 200
    header, rows = sheet_rows(answer.content)
    assert header == payments.BANK_HEADER
    assert rows[0][2:5] == [people["a"].id_number, "6222020200001111", "100.00"]


def test_the_bank_return_is_uploaded_and_reported(run, client, official):
    client.force_login(official)
    client.post(f"{API}/runs/{run.pk}/payments")
    batch = PaymentBatch.objects.get()
    upload = io.BytesIO(payments.return_file(batch, {1: ("失败", "账户冻结")}))
    upload.name = "回盘.xlsx"
    answer = client.post(f"{API}/runs/{run.pk}/payments/1/return", {"file": upload})
    assert answer.status_code == 201, answer.content
    assert (answer.json()["failed_count"], answer.json()["report"]["failed"][0]["reason"]) == (1, "账户冻结")
    detail = client.get(f"{API}/runs/{run.pk}/payments/1").json()
    assert detail["status_counts"][LineStatus.FAILED] == 1 and len(detail["returns"]) == 1


def test_a_bad_upload_is_a_422_naming_the_problem(run, client, official):
    client.force_login(official)
    client.post(f"{API}/runs/{run.pk}/payments")
    upload = io.BytesIO(b"not a spreadsheet")
    upload.name = "回盘.xlsx"
    answer = client.post(f"{API}/runs/{run.pk}/payments/1/return", {"file": upload})
    assert answer.status_code == 422
    assert set(PaymentBatch.objects.get().lines.values_list("status", flat=True)) == {
        LineStatus.SENT,
        LineStatus.NO_ACCOUNT,
    }


def test_a_community_worker_reads_their_rows_but_makes_no_batch_and_gets_no_file(
    run, client, worker_b, official
):
    payments.create_batch(actor=official, run_id=run.pk)
    client.force_login(worker_b)
    assert client.post(f"{API}/runs/{run.pk}/payments").status_code == 403
    assert client.get(f"{API}/runs/{run.pk}/payments/1/file").status_code == 403
    lines = client.get(f"{API}/runs/{run.pk}/payments/1/lines").json()["items"]
    assert [line["name"] for line in lines] == ["李四光"]


def test_a_street_official_of_another_street_gets_404(people, client, worker_a, street_official, official):
    run = services.start_run(actor=SYSTEM, month="2026-03", region_code=factories.STREET_A)
    approved(run, worker=worker_a, street=street_official, district=official)
    payments.create_batch(actor=official, run_id=run.pk)
    client.force_login(factories.user("official", regions=("220202002000",), username="street_b"))
    for url in ("payments", "payments/1", "payments/1/lines", "payments/1/file", "export"):
        assert client.get(f"{API}/runs/{run.pk}/{url}").status_code == 404, url
    assert client.post(f"{API}/runs/{run.pk}/payments").status_code == 404
    assert client.get(f"{API}/runs/{run.pk}/payments/9").status_code == 404  # missing: the same answer


def test_the_run_export_explains_each_elder_within_the_callers_area(run, client, worker_a, people):
    client.force_login(worker_a)
    answer = client.get(f"{API}/runs/{run.pk}/export")
    assert answer.status_code == 200
    header, rows = sheet_rows(b"".join(answer.streaming_content))
    assert sum(name.startswith("高龄津贴·") for name in header) == 4  # eligible, amount, why, change
    assert [row[1] for row in rows] == ["张三丰"]  # 李四光 lives in community B
    assert row_value(header, rows[0], "高龄津贴", 1) == "100.00"
    why = row_value(header, rows[0], "高龄津贴", 2)
    assert "✓" in why and "✗" not in why
    assert "✗" in row_value(header, rows[0], "护理补贴", 2)  # no ability level: not eligible, and why
    assert AuditLog.objects.filter(action="benefits.run.export", actor=worker_a).exists()


def row_value(header: list[str], row: list, policy: str, offset: int):
    start = next(index for index, name in enumerate(header) if name.startswith(policy))
    return row[start + offset]


def test_the_payment_account_is_set_masked_and_revealed_with_an_audit(people, client, worker_a):
    client.force_login(worker_a)
    elder = people["a"]
    answer = client.put(
        f"/api/v1/elders/{elder.pk}/payment-account",
        {"account": "6217 0000 1111 2220"},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert answer.json()["payment_account_masked"] == "6217********2220"
    assert Elder.objects.get(pk=elder.pk).payment_account == "6217000011112220"
    assert client.get(f"/api/v1/elders/{elder.pk}").json()["payment_account_masked"] == "6217********2220"
    logged = AuditLog.objects.filter(action="elders.payment_account").get()
    assert "6217000011112220" not in str(logged.after) and "2220" in str(logged.after)
    revealed = client.post(
        f"/api/v1/elders/{elder.pk}/reveal", {"reason": "核对代发账号"}, content_type="application/json"
    )
    assert revealed.json()["payment_account"] == "6217000011112220"
    bad = client.put(
        f"/api/v1/elders/{elder.pk}/payment-account", {"account": "12ab!"}, content_type="application/json"
    )
    assert bad.status_code == 422 and Elder.objects.get(pk=elder.pk).payment_account == "6217000011112220"
    other = people["b"]
    client.force_login(factories.user("community_worker", regions=(factories.VILLAGE,), username="v"))
    assert (
        client.put(
            f"/api/v1/elders/{other.pk}/payment-account",
            {"account": "62170000"},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_year_end_through_the_api_is_refused_before_the_year_ends(people, client, official):
    from django.utils import timezone

    client.force_login(official)
    answer = client.post(
        f"{API}/year-end",
        {"year": timezone.localdate().year, "region": factories.DISTRICT},
        content_type="application/json",
    )
    assert answer.status_code == 409
