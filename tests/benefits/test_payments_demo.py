"""The demo's payments: each of the three approved months has its batch, returned by the bank; two elders
have no account, and the latest month's bank refused two rows, which wait to be re-issued."""

import datetime as dt

import pytest

from shouwang.benefits.models import LineStatus, PaymentBatch, PaymentReturn
from shouwang.benefits.selectors import trial_balance
from shouwang.demo.benefits import load_benefits
from shouwang.demo.payments import BANK_REFUSALS, load_payments
from tests import factories
from tests.benefits import factories as bf

pytestmark = pytest.mark.django_db


def test_the_demo_pays_three_months_and_leaves_two_refusals_waiting(tree, admin_user):
    factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="worker")
    factories.user("official", regions=(factories.STREET_A,), username="street")
    factories.user("official", regions=(factories.DISTRICT,), username="official")
    for year in range(1930, 1942, 2):  # six elders 80+, all with 高龄津贴
        bf.elder(born=dt.date(year, 1, 1))

    batches = load_payments(load_benefits(city=bf.CITY, district=factories.DISTRICT))

    assert len(batches) == 3 == PaymentBatch.objects.count() == PaymentReturn.objects.count()
    for batch in batches[:2]:
        assert set(batch.lines.values_list("status", flat=True)) == {LineStatus.PAID, LineStatus.NO_ACCOUNT}
    latest = batches[-1]
    failed = latest.lines.filter(status=LineStatus.FAILED)
    assert sorted(failed.values_list("bank_reason", flat=True)) == sorted(BANK_REFUSALS)
    assert latest.lines.filter(status=LineStatus.NO_ACCOUNT).count() == 2
    assert latest.lines.filter(status=LineStatus.PAID).count() == 2
    kinds = {row["kind"]: row["balance"] for row in trial_balance(admin_user)["by_kind"]}
    assert kinds.get("bank_clearing", 0) == 0 and kinds["allowance_paid"] > 0
    assert trial_balance(admin_user)["total"] == 0
