import pytest

from shouwang.benefits import services
from shouwang.benefits.models import Policy, PolicyVersion
from shouwang.benefits.policies import split_by_shares
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Forbidden, ValidationFailed
from tests import factories
from tests.benefits import factories as bf

pytestmark = pytest.mark.django_db


def _publish(policy, **changes):
    version = {"effective_from": "2026-06", "tiers": bf.AGE_TIERS, "fund_shares": {"city": 100}, **changes}
    return services.publish_version(actor=SYSTEM, policy_id=policy.pk, **version)


@pytest.fixture
def gaoling(tree):
    return services.create_policy(
        actor=SYSTEM, code="gaoling", name="高龄津贴", kind="cash", region_code=bf.CITY
    )


def test_a_new_version_closes_the_open_one_the_month_before(gaoling):
    first = _publish(gaoling, effective_from="2026-01")
    second = _publish(
        gaoling, effective_from="2026-07", tiers=[{"label": "80+", "amount_fen": 12000, "conditions": []}]
    )

    first.refresh_from_db()
    assert (first.number, str(first.effective_until)) == (1, "2026-06-01")
    assert (second.number, second.effective_until) == (2, None)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"fund_shares": {"city": 50, "district": 40}}, "fund_shares", "90 %, not 100 %"),
        ({"fund_shares": {"city": 50, "bank": 50}}, "fund_shares", "Unknown fund sources bank"),
        (
            {"tiers": [{"label": "x", "amount_fen": -100, "conditions": []}]},
            "tiers[0].amount_fen",
            "negative",
        ),
        (
            {"tiers": [{"label": "x", "amount_fen": 10.5, "conditions": []}]},
            "tiers[0].amount_fen",
            "whole number",
        ),
        ({"conditions": [{"fact": "income", "min": 1}]}, "conditions[0].fact", "Unknown fact 'income'"),
        ({"conditions": [{"fact": "age", "min": 90, "max": 80}]}, "conditions[0]", "lowest value is above"),
        (
            {"conditions": [{"fact": "category", "any_of": ["rich"]}]},
            "conditions[0].any_of",
            "Unknown values rich",
        ),
        ({"conditions": [{"fact": "ability_level", "min": 7}]}, "conditions[0]", "0 to 4"),
        ({"self_pay_percent": {"*": 30}}, "self_pay_percent", "Only a service subsidy"),
        ({"effective_from": "March"}, "month", "YYYY-MM"),
    ],
)
def test_wrong_rules_are_refused_naming_the_field_and_nothing_is_saved(
    gaoling, english, changes, field, words
):
    with pytest.raises(ValidationFailed) as refused:
        _publish(gaoling, **changes)

    assert field in refused.value.errors
    assert words in refused.value.message
    assert not PolicyVersion.objects.exists()


def test_an_overlapping_version_is_refused(gaoling, english):
    _publish(gaoling, effective_from="2026-01", effective_until="2026-12")

    with pytest.raises(ValidationFailed, match="overlap version 1 \\(2026-01 to 2026-12\\)"):
        _publish(gaoling, effective_from="2026-06")
    with pytest.raises(ValidationFailed, match="overlap"):
        _publish(gaoling, effective_from="2025-06")
    assert PolicyVersion.objects.count() == 1


def test_a_service_subsidy_needs_the_self_pay_share_of_everybody_else(tree, english):
    fuwu = services.create_policy(
        actor=SYSTEM, code="fuwu", name="服务补贴", kind="service", region_code=bf.CITY
    )
    with pytest.raises(ValidationFailed, match='under "\\*"'):
        _publish(fuwu, self_pay_percent={"dibao": 10})


def test_only_admins_and_officials_keep_policies(tree, worker_a):
    with pytest.raises(Forbidden):
        services.create_policy(actor=worker_a, code="x", name="x", kind="cash", region_code=bf.CITY)
    assert not Policy.objects.exists()


def test_a_policy_code_is_unique(gaoling, english):
    with pytest.raises(ValidationFailed, match="exists already"):
        services.create_policy(
            actor=SYSTEM, code="gaoling", name="x", kind="cash", region_code=factories.DISTRICT
        )


@pytest.mark.parametrize(
    ("amount", "shares", "parts"),
    [
        (10000, {"city": 50, "district": 50}, {"city": 5000, "district": 5000}),
        (100, {"city": 33, "district": 33, "street": 34}, {"city": 33, "district": 33, "street": 34}),
        (1, {"city": 50, "district": 50}, {"city": 1, "district": 0}),
        (101, {"city": 40, "district": 40, "street": 20}, {"city": 41, "district": 40, "street": 20}),
    ],
)
def test_a_split_by_shares_adds_up_to_the_amount_in_whole_fen(amount, shares, parts):
    assert split_by_shares(amount, shares) == parts
    assert sum(split_by_shares(amount, shares).values()) == amount
