"""Console pages of statements, reconciliation and budgets."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.benefits import services, statements
from shouwang.benefits.statement_models import Budget, Statement, StatementLine
from shouwang.benefits.statement_views import fen_from_yuan
from shouwang.core.actors import SYSTEM
from tests import factories
from tests.benefits import statement_data as sd
from tests.benefits.conftest import approved
from tests.orders import factories as of

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(policies, worker_a, street_official, official, provider_a):
    people = sd.credit_march(worker=worker_a, street=street_official, district=official)
    provider = of.admitted_provider(official, provider_a)
    carer = of.caregiver(provider)
    orders = [
        sd.settled(official, provider, carer, people[who], dt.date(2026, 3, day))
        for who, day in (("tekun", 3), ("dibao", 10))
    ]
    [statement] = statements.issue_statements(actor=official, month="2026-03")
    return statement, orders


def test_the_provider_answers_on_the_page_and_the_other_provider_gets_404(
    march, client, provider_admin_a, provider_admin_b, english
):
    statement, orders = march
    client.force_login(provider_admin_b)
    assert client.get(f"/benefits/statements/{statement.pk}/").status_code == 404
    assert (
        client.post(f"/benefits/statements/{statement.pk}/answer/", {"action": "acknowledge"}).status_code
        == 404
    )
    assert "甲服务商" not in client.get("/benefits/statements/").content.decode()

    client.force_login(provider_admin_a)
    page = client.get(f"/benefits/statements/{statement.pk}/").content.decode()
    assert "Acknowledge (确认)" in page and f"reason-{orders[0].pk}" in page
    client.post(
        f"/benefits/statements/{statement.pk}/answer/",
        {"action": "dispute", f"reason-{orders[0].pk}": "价格不对"},
    )
    assert StatementLine.objects.get(order=orders[0]).dispute_reason == "价格不对"
    assert Statement.objects.get(pk=statement.pk).state == "disputed"


def test_an_official_resolves_on_the_page_with_a_price_in_yuan(
    march, client, provider_admin_a, official, english
):
    statement, orders = march
    statements.dispute_statement(
        actor=provider_admin_a, statement_id=statement.pk, lines={orders[0].pk: "¥45"}
    )
    client.force_login(official)
    assert "Resolve the dispute" in client.get(f"/benefits/statements/{statement.pk}/").content.decode()

    client.post(
        f"/benefits/statements/{statement.pk}/resolve/",
        {f"decision-{orders[0].pk}": "corrected", f"amount-{orders[0].pk}": "45.00", "resolution": "核实"},
    )

    assert StatementLine.objects.get(order=orders[0]).corrected_amount_fen == 4500
    page = client.get("/benefits/reconciliation/?month=2026-03").content.decode()
    assert "agrees" in page and "甲服务商" in page
    export = client.get("/benefits/reconciliation/export/?month=2026-03")
    assert export.status_code == 200 and export["Content-Disposition"].startswith("attachment")


def test_budgets_are_entered_and_the_home_page_warns_at_90_percent(
    march, client, official, worker_a, street_official, english
):
    this_month = timezone.localdate().replace(day=1)
    run = services.start_run(actor=SYSTEM, month=this_month.strftime("%Y-%m"), region_code=factories.DISTRICT)
    approved(run, worker=worker_a, street=street_official, district=official)  # the street pays ¥120
    client.force_login(official)
    client.post(
        "/benefits/budgets/",
        {
            "fund_source": "street",
            "region": factories.DISTRICT,
            "year": str(this_month.year),
            "month": str(this_month.month),
            "amount": "130.00",
        },
    )
    refused = client.post(
        "/benefits/budgets/",
        {"fund_source": "street", "region": factories.DISTRICT, "year": "2026", "amount": "-1"},
        follow=True,
    )

    assert Budget.objects.get().amount_fen == 13000
    assert "zero or more" in refused.content.decode()
    home = client.get("/benefits/").content.decode()
    assert "Spend against budget" in home and "92.3" in home and "90 % or more spent" in home


def test_pages_are_closed_to_roles_without_them(march, client, worker_a, provider_admin_a):
    client.force_login(worker_a)
    assert client.get("/benefits/statements/").status_code == 403
    client.force_login(provider_admin_a)
    assert client.get("/benefits/reconciliation/").status_code == 403
    assert client.get("/benefits/budgets/").status_code == 403


@pytest.mark.parametrize(("typed", "fen"), [("12.5", 1250), ("1,200", 120000), ("0.001", None), ("x", None)])
def test_yuan_typed_in_a_form(typed, fen):
    assert fen_from_yuan(typed) == fen
