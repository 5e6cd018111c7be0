"""Before publishing a version: what it would change ("adds N elders, removes M, costs ¥X more")."""

import datetime as dt

import pytest

from shouwang.benefits.models import PolicyVersion
from shouwang.benefits.selectors import version_effect
from shouwang.core.errors import Forbidden, NotFound, ValidationFailed
from tests import factories
from tests.benefits import factories as bf

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def elders(policies):
    return [
        bf.elder(born=dt.date(1946, 1, 1)),  # 80: ¥100 now
        bf.elder(born=dt.date(1935, 1, 1)),  # 91: ¥500 now
        bf.elder(born=dt.date(1948, 1, 1)),  # 78: nothing now
    ]


def test_a_lower_age_and_a_flat_amount_shows_who_is_added_removed_and_the_cost(elders, policies, official):
    draft = {
        "conditions": [{"fact": "hukou_in_region"}],
        "tiers": [
            {"label": "75–89", "amount_fen": 15000, "conditions": [{"fact": "age", "min": 75, "max": 89}]}
        ],
        "fund_shares": {"city": 100},
    }

    found = version_effect(
        official, policies["gaoling"].pk, region_code=factories.DISTRICT, month=MARCH, **draft
    )

    assert (found["elders"], found["adds"], found["removes"], found["changes"]) == (3, 1, 1, 1)
    assert (found["before_fen"], found["after_fen"]) == (60000, 30000)
    assert found["cost_change_fen"] == -30000
    assert PolicyVersion.objects.filter(policy=policies["gaoling"]).count() == 1  # nothing saved


def test_the_effect_is_checked_like_a_version_and_scoped(elders, policies, official, worker_a, english):
    with pytest.raises(ValidationFailed, match="not 100"):
        version_effect(
            official,
            policies["gaoling"].pk,
            region_code=factories.DISTRICT,
            month=MARCH,
            tiers=bf.AGE_TIERS,
            fund_shares={"city": 10},
        )
    with pytest.raises(Forbidden):
        version_effect(
            worker_a,
            policies["gaoling"].pk,
            region_code=factories.COMMUNITY_A,
            month=MARCH,
            tiers=bf.AGE_TIERS,
            fund_shares={"city": 100},
        )
    street = factories.user("official", regions=(factories.STREET_A,))
    with pytest.raises(NotFound):
        version_effect(
            street,
            policies["gaoling"].pk,
            region_code=factories.DISTRICT,
            month=MARCH,
            tiers=bf.AGE_TIERS,
            fund_shares={"city": 100},
        )


def test_the_effect_through_the_api(elders, policies, official, client):
    client.force_login(official)
    body = {
        "region": factories.DISTRICT,
        "month": "2026-03",
        "tiers": bf.AGE_TIERS,
        "fund_shares": {"city": 100},
    }
    answer = client.post(
        f"/api/v1/benefits/policies/{policies['gaoling'].pk}/effect", body, content_type="application/json"
    )
    assert answer.status_code == 200
    assert answer.json()["cost_change_fen"] == 0
