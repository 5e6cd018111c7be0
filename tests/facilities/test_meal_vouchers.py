"""Meal subsidies are paid from the diners' vouchers through the benefits ledger: one balanced redemption
per sitting to the meal point's provider; a diner recorded again is paid once; a diner whose vouchers do
not cover the subsidy still has the meal recorded, unpaid and said so; the trial balance stays zero."""

import pytest
from django.db.models import Sum
from django.utils import timezone

from shouwang.benefits import ledger, selectors
from shouwang.benefits.models import LedgerEntry, LedgerTransaction
from shouwang.facilities.models import MealRecord
from tests import factories

from .test_meals import diners, fund  # noqa: F401  (the fixture, and the helper that credits vouchers)

pytestmark = pytest.mark.django_db


def test_a_sitting_redeems_the_subsidies_once_and_the_ledger_balances(w, api, diners):  # noqa: F811
    poor, plain, _gone = diners  # 特困 ¥8 a meal, anyone from 60 ¥3; both hold ¥10 of vouchers
    short = factories.ElderFactory(community_id=factories.COMMUNITY_B, name="余额不足")
    fund(short, 100)
    nothing = factories.ElderFactory(community_id=factories.COMMUNITY_B, name="无券老人")
    today = timezone.localdate().isoformat()
    client = api(w.padmin_b)
    url = f"/api/v1/facilities/{w.meal_point.pk}/meals"
    people = [poor.id_number, plain.id_number, short.id_number, nothing.id_number]
    summary = client.post(url, {"day": today, "meal": "lunch", "people": people}).json()
    assert summary == {"recorded": 4, "already": 0, "flagged": 0, "unpaid": 2, "subsidy_fen": 1100}
    assert [ledger.voucher_balance(e.pk) for e in (poor, plain, short, nothing)] == [200, 700, 100, 0]
    provider = ledger.provider_account(w.meal_point.provider)
    assert ledger.balance(provider.pk) == 1100

    meals = {m.elder_id: m for m in MealRecord.objects.all()}
    assert (meals[short.pk].subsidy_fen, meals[short.pk].unpaid, meals[short.pk].redemption) == (
        0,
        "no_vouchers",
        None,
    )
    assert meals[nothing.pk].unpaid == "no_vouchers"
    posted = meals[poor.pk].redemption
    assert posted is not None and meals[plain.pk].redemption == posted and posted.kind == "redemption"

    # The same diners again: already recorded, nothing redeemed twice.
    again = client.post(url, {"day": today, "meal": "lunch", "people": people[:2]}).json()
    assert again["already"] == 2 and again["subsidy_fen"] == 0
    assert LedgerTransaction.objects.filter(kind="redemption").count() == 1
    # Dinner: ¥2 left does not cover ¥8, so 特困 eats unpaid; ¥7 covers ¥3.
    dinner = client.post(url, {"day": today, "meal": "dinner", "people": people[:2]}).json()
    assert (dinner["unpaid"], dinner["subsidy_fen"]) == (1, 300)
    assert [ledger.voucher_balance(e.pk) for e in (poor, plain)] == [200, 400]

    # Every transaction sums to zero, and so does the trial balance.
    sums = LedgerEntry.objects.values("transaction").annotate(total=Sum("amount_fen"))
    assert {row["total"] for row in sums} == {0}
    assert selectors.trial_balance(factories.user("admin"))["total"] == 0


def test_another_providers_meal_point_pays_nothing(w, api, diners):  # noqa: F811
    poor, _plain, _gone = diners
    today = timezone.localdate().isoformat()
    url = f"/api/v1/facilities/{w.meal_point.pk}/meals"
    assert api(w.padmin_a).post(url, {"day": today, "people": [poor.id_number]}).status_code == 404
    assert ledger.voucher_balance(poor.pk) == 1000 and not LedgerTransaction.objects.filter(kind="redemption")
