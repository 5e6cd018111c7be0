"""The demo's benefits: four policies, the last three months run and approved, vouchers credited."""

import pytest

from shouwang.benefits.models import EligibilityRun, Policy, RunState
from shouwang.benefits.selectors import trial_balance
from shouwang.demo.benefits import load_benefits
from tests import factories
from tests.benefits import factories as bf

pytestmark = pytest.mark.django_db


def test_the_demo_runs_and_approves_three_past_months(tree, admin_user):
    factories.user("community_worker", regions=(factories.COMMUNITY_A,), username="worker")
    factories.user("official", regions=(factories.STREET_A,), username="street")
    factories.user("official", regions=(factories.DISTRICT,), username="official")
    bf.elder(categories=("dibao",))

    runs = load_benefits(city=bf.CITY, district=factories.DISTRICT)

    assert Policy.objects.count() == 4
    assert [run.state for run in EligibilityRun.objects.order_by("month")] == [RunState.APPROVED] * 3
    assert len({run.month for run in runs}) == 3
    kinds = {row["kind"]: row["balance"] for row in trial_balance(admin_user)["by_kind"]}
    assert kinds["voucher"] == 3 * (30000 + 2000)  # 低保 ¥300 and 80+ ¥20, three months
    assert trial_balance(admin_user)["total"] == 0
