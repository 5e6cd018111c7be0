"""Budgets per fund source, region, year or month, and spend against them from the ledger."""

import datetime as dt

import pytest

from shouwang.benefits import budgets, ledger
from shouwang.benefits.models import LedgerTransaction
from shouwang.core.errors import Forbidden, ValidationFailed
from shouwang.core.models import AuditLog
from tests import factories
from tests.benefits import statement_data as sd

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def march(policies, worker_a, street_official, official):
    """March approved: vouchers ¥300 + ¥300 paid 40/40/20 by city, district and street budgets."""
    return sd.credit_march(worker=worker_a, street=street_official, district=official)


def status_of(user, **where) -> budgets.BudgetStatus:
    [found] = [
        s for s in budgets.budget_status(user) if all(getattr(s.budget, k) == v for k, v in where.items())
    ]
    return found


def test_spend_is_measured_against_the_budget_with_a_warning_at_90_percent(march, official):
    street_spend = budgets.spent("street", factories.DISTRICT, MARCH, MARCH)
    assert street_spend == 12000  # 20 % of ¥600 vouchers
    budgets.set_budget(
        actor=official,
        fund_source="street",
        region_code=factories.DISTRICT,
        year=2026,
        month=3,
        amount_fen=13000,
    )
    budgets.set_budget(
        actor=official,
        fund_source="street",
        region_code=factories.DISTRICT,
        year=2026,
        month=4,
        amount_fen=13000,
    )
    budgets.set_budget(
        actor=official, fund_source="city", region_code=factories.DISTRICT, year=2026, amount_fen=20000
    )

    march_street = status_of(official, fund_source="street", month=3)
    assert (march_street.spent_fen, march_street.percent, march_street.level) == (12000, 92.3, "warning")
    assert status_of(official, fund_source="street", month=4).level == "ok"
    # The city's year: 40 % of ¥600 vouchers and half of 高龄津贴 (80–89 ¥100): ¥290 of a ¥200 budget.
    city = status_of(official, fund_source="city", month=None)
    assert (city.spent_fen, city.percent, city.level) == (29000, 145.0, "over")


def test_a_reversal_gives_the_spend_back(march, official):
    budgets.set_budget(
        actor=official,
        fund_source="street",
        region_code=factories.DISTRICT,
        year=2026,
        month=3,
        amount_fen=12000,
    )
    assert status_of(official, fund_source="street").level == "warning"  # exactly 100 %: not over

    credit = LedgerTransaction.objects.get(kind="voucher_credit")
    ledger.reverse(actor=official, transaction_id=credit.pk, reason="重算")

    assert status_of(official, fund_source="street").spent_fen == 0


def test_entering_a_budget_again_replaces_it_and_is_audited(march, official):
    first = budgets.set_budget(
        actor=official, fund_source="lottery", region_code=factories.DISTRICT, year=2026, amount_fen=100
    )
    again = budgets.set_budget(
        actor=official, fund_source="lottery", region_code=factories.DISTRICT, year=2026, amount_fen=250
    )

    assert again.pk == first.pk and again.amount_fen == 250
    log = AuditLog.objects.filter(action="benefits.budget.set").order_by("-pk").first()
    assert (log.before, log.after["amount_fen"]) == ({"amount_fen": 100, "note": ""}, 250)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount_fen": -1}, "amount_fen"),
        ({"amount_fen": 12.5}, "amount_fen"),
        ({"fund_source": "bank"}, "fund_source"),
        ({"month": 13}, "month"),
        ({"year": 26}, "year"),
        ({"region_code": "999999999999"}, "region"),
    ],
)
def test_a_wrong_budget_is_refused_naming_the_field_and_nothing_is_saved(
    tree, official, fields, field, english
):
    given = {
        "fund_source": "city",
        "region_code": factories.DISTRICT,
        "year": 2026,
        "amount_fen": 100,
        **fields,
    }

    with pytest.raises(ValidationFailed) as refused:
        budgets.set_budget(actor=official, **given)

    assert field in refused.value.errors
    assert not budgets.Budget.objects.exists()


def test_only_officials_of_the_region_enter_its_budget(tree, street_official, worker_a, english):
    with pytest.raises(Forbidden):
        budgets.set_budget(
            actor=street_official, fund_source="city", region_code=factories.DISTRICT, year=2026, amount_fen=1
        )
    with pytest.raises(Forbidden):
        budgets.set_budget(
            actor=worker_a, fund_source="city", region_code=factories.COMMUNITY_A, year=2026, amount_fen=1
        )
    budgets.set_budget(
        actor=street_official, fund_source="street", region_code=factories.STREET_A, year=2026, amount_fen=1
    )
    assert budgets.budget_status(worker_a) == []


STREET_B = "220202002000"


@pytest.fixture
def march_two_streets(policies, worker_a, street_official, official):
    """March approved at the district with a 低保 elder in street B too (¥300 vouchers, 40/40/20)."""
    from tests.benefits import factories as bf

    bf.elder(born=dt.date(1950, 1, 1), categories=("dibao",), community=factories.COMMUNITY_B)
    return sd.credit_march(worker=worker_a, street=street_official, district=official)


def test_a_street_budget_shows_what_its_communities_spent_of_the_districts_run(
    march_two_streets, street_official, official
):
    district = budgets.spent("street", factories.DISTRICT, MARCH, MARCH)
    street_a = budgets.spent("street", factories.STREET_A, MARCH, MARCH)
    street_b = budgets.spent("street", STREET_B, MARCH, MARCH)

    assert (district, street_a, street_b) == (18000, 12000, 6000)  # 20 % of ¥900, ¥600, ¥300
    assert budgets.spent("street", factories.COMMUNITY_A, MARCH, MARCH) == 12000
    # The city's share in street A: 40 % of its ¥600 vouchers and half of 高龄津贴 ¥100.
    assert budgets.spent("city", factories.STREET_A, MARCH, MARCH) == 29000
    assert budgets.spent("street", factories.STREET_A, dt.date(2026, 4, 1), dt.date(2026, 4, 1)) == 0

    budgets.set_budget(
        actor=street_official,
        fund_source="street",
        region_code=factories.STREET_A,
        year=2026,
        month=3,
        amount_fen=12500,
    )
    [mine] = budgets.budget_status(street_official)
    assert (mine.budget.region_id, mine.spent_fen, mine.level) == (factories.STREET_A, 12000, "warning")

    credit = LedgerTransaction.objects.get(kind="voucher_credit")
    ledger.reverse(actor=official, transaction_id=credit.pk, reason="重算")
    assert budgets.spent("street", factories.STREET_A, MARCH, MARCH) == 0
    assert budgets.spent("city", factories.STREET_A, MARCH, MARCH) == 5000  # the allowance still stands
