"""The statements, reconciliation and budget API (docs/api.md) and its xlsx exports."""

import datetime as dt
import io

import pytest
from python_calamine_plus import CalamineWorkbook

from tests import factories
from tests.benefits import statement_data as sd
from tests.orders import factories as of

pytestmark = pytest.mark.django_db
API = "/api/v1/benefits"


@pytest.fixture
def march(policies, worker_a, street_official, official, provider_a):
    people = sd.credit_march(worker=worker_a, street=street_official, district=official)
    provider = of.admitted_provider(official, provider_a)
    carer = of.caregiver(provider)
    return [
        sd.settled(official, provider, carer, people[who], dt.date(2026, 3, day))
        for who, day in (("tekun", 3), ("dibao", 10))
    ]


@pytest.fixture
def statement(march, official, client):
    client.force_login(official)
    answer = client.post(f"{API}/statements", {"month": "2026-03"}, content_type="application/json")
    assert answer.status_code == 201
    [made] = answer.json()
    return made


def rows_of(content: bytes, sheet: int = 0) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(sheet).to_python()


def test_issuing_answers_201_with_the_statement_and_its_totals(statement):
    assert (statement["month"], statement["state"], statement["order_count"]) == ("2026-03", "issued", 2)
    assert (statement["amount_fen"], statement["voucher_fen"], statement["self_pay_fen"]) == (8000, 7600, 400)


def test_the_provider_reads_acknowledges_and_the_other_provider_gets_404(
    statement, client, provider_admin_a, provider_admin_b
):
    client.force_login(provider_admin_b)
    assert client.get(f"{API}/statements/{statement['id']}").status_code == 404
    assert client.get(f"{API}/statements").json()["count"] == 0
    answer = client.post(
        f"{API}/statements/{statement['id']}/acknowledge", {}, content_type="application/json"
    )
    assert answer.status_code == 404
    assert client.get(f"{API}/statements/{statement['id']}/export").status_code == 404

    client.force_login(provider_admin_a)
    body = client.get(f"{API}/statements/{statement['id']}").json()
    assert [line["amount_fen"] for line in body["lines"]] == [4000, 4000]
    answer = client.post(
        f"{API}/statements/{statement['id']}/acknowledge", {"note": "无误"}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["state"] == "acknowledged"


def test_dispute_and_resolution_through_the_api(statement, march, client, provider_admin_a, official):
    client.force_login(provider_admin_a)
    answer = client.post(
        f"{API}/statements/{statement['id']}/dispute",
        {"lines": [{"order_id": march[0].pk, "reason": "价格应为¥50"}]},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["state"] == "disputed"

    client.force_login(official)
    answer = client.post(
        f"{API}/statements/{statement['id']}/resolve",
        {
            "resolution": "按合同价更正",
            "decisions": [{"order_id": march[0].pk, "decision": "corrected", "amount_fen": 5000}],
        },
        content_type="application/json",
    )
    body = answer.json()
    assert answer.status_code == 200 and body["state"] == "resolved"
    assert [line["effective_amount_fen"] for line in body["lines"]] == [5000, 4000]
    report = client.get(f"{API}/reconciliation", {"month": "2026-03"}).json()
    assert [(r["agrees"], r["ledger_fen"], r["statement_fen"]) for r in report] == [(True, 9000, 9000)]


def test_a_dispute_without_a_reason_is_422_naming_it(statement, client, provider_admin_a, english):
    client.force_login(provider_admin_a)
    answer = client.post(f"{API}/statements/{statement['id']}/dispute", {}, content_type="application/json")
    assert answer.status_code == 422
    assert "reason" in factories.error_fields(answer.json())


def test_the_statement_exports_as_xlsx(statement, client, english):
    answer = client.get(f"{API}/statements/{statement['id']}/export")

    assert answer.status_code == 200
    rows = rows_of(b"".join(answer.streaming_content))
    assert rows[0][:7] == [
        "Order",
        "Service day",
        "Elder",
        "Community",
        "Price (yuan)",
        "Voucher part (yuan)",
        "Self-pay part (yuan)",
    ]
    assert [row[4:7] for row in rows[1:4]] == [[40.0, 40.0, 0.0], [40.0, 36.0, 4.0], [80.0, 76.0, 4.0]]


def test_the_reconciliation_report_and_its_export_list_the_differences(statement, march, client, official):
    from shouwang.orders.models import Order

    Order.objects.filter(pk=march[1].pk).update(amount_fen=4100)

    report = client.get(f"{API}/reconciliation", {"month": "2026-03"}).json()
    answer = client.get(f"{API}/reconciliation/export", {"month": "2026-03"})

    assert [r["agrees"] for r in report] == [False]
    assert {d["kind"] for d in report[0]["differences"]} == {"amount_differs"}
    assert answer.status_code == 200
    content = b"".join(answer.streaming_content)
    assert len(rows_of(content, 0)) == 2  # header and the provider
    assert [row[2] for row in rows_of(content, 1)[1:]] == [march[1].pk, march[1].pk]


def test_reconciliation_is_for_officials(statement, client, provider_admin_a):
    client.force_login(provider_admin_a)
    assert client.get(f"{API}/reconciliation", {"month": "2026-03"}).status_code == 403


def test_budgets_through_the_api(march, client, official, english):
    client.force_login(official)
    answer = client.post(
        f"{API}/budgets",
        {
            "fund_source": "street",
            "region": factories.DISTRICT,
            "year": 2026,
            "month": 3,
            "amount_fen": 13000,
        },
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert (answer.json()["spent_fen"], answer.json()["level"]) == (12000, "warning")
    refused = client.post(
        f"{API}/budgets",
        {"fund_source": "street", "region": factories.DISTRICT, "year": 2026, "amount_fen": -5},
        content_type="application/json",
    )
    assert refused.status_code == 422 and "amount_fen" in factories.error_fields(refused.json())
    listed = client.get(f"{API}/budgets", {"year": 2026}).json()
    assert [(b["period"], b["percent"], b["level"]) for b in listed] == [("2026-03", 92.3, "warning")]


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "2026-13"])
def test_a_month_out_of_range_is_422_naming_it(tree, client, official, month, english):
    client.force_login(official)
    answer = client.get(f"{API}/reconciliation", {"month": month})
    assert answer.status_code == 422 and "month" in factories.error_fields(answer.json())
    answer = client.post(f"{API}/statements", {"month": month}, content_type="application/json")
    assert answer.status_code == 422
