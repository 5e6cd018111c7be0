"""The indicators against a case counted by hand.

District 昌邑区: streets 兴华 (20,000 residents) and 文庙 (30,000), the town 孤店子 without a figure, so the
district's population is 50,000 and marked incomplete. Registered places: 甲托育园 in 兴华 60 (affordable,
30 enrolled), 乙托育园 in 文庙 40 (35 enrolled); a filing under review with 100 places does not count.
District: 100 places / 50,000 × 1000 = 2.00 per thousand against the city's 4.5 (not met); affordable
60/100 = 0.600; occupancy 65/100 = 0.650. 兴华: 60 / 20,000 × 1000 = 3.00 against its own 2.5 (met). 文庙:
40 / 30,000 × 1000 = 1.333… → 1.33.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from shouwang.childcare.indicators import indicators_for
from shouwang.childcare.services import set_population, set_target
from shouwang.core.errors import NotFound
from tests import factories

from .conftest import institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(official, nursery_a, nursery_b):
    institution(register=False, places_2_3=100)
    set_population(actor=official, region_code="220202001000", year=2025, residents=20_000, under_three=400)
    set_population(actor=official, region_code="220202002000", year=2025, residents=30_000, under_three=600)
    admin = factories.user("admin")
    set_target(
        actor=admin, region_code="220200000000", year=2025, places_per_thousand="4.5", affordable_share="0.6"
    )
    set_target(actor=official, region_code="220202001000", year=2025, places_per_thousand="2.5")


def test_district_indicators_match_the_hand_count(official, planned):
    result = indicators_for(official, factories.DISTRICT)
    assert result["year"] == 2025
    assert (result["residents"], result["under_three"], result["population_complete"]) == (
        50_000,
        1000,
        False,
    )
    assert (result["institutions"], result["places"], result["enrolled"]) == (2, 100, 65)
    assert (result["places_0_1"], result["places_1_2"], result["places_2_3"]) == (10, 35, 55)
    assert result["places_per_thousand"] == Decimal("2.00")
    assert result["target_per_thousand"] == Decimal("4.50") and result["target_region"] == "220200000000"
    assert result["meets_target"] is False
    assert result["affordable_share"] == Decimal("0.600")
    assert result["occupancy"] == Decimal("0.650")
    parts = {part["region"]: part for part in result["parts"]}
    assert parts["220202001000"]["places_per_thousand"] == Decimal("3.00")
    assert parts["220202001000"]["meets_target"] is True
    assert parts["220202002000"]["places_per_thousand"] == Decimal("1.33")
    assert parts["220202002000"]["target_per_thousand"] == Decimal("4.50")
    assert parts["220202100000"]["residents"] is None and parts["220202100000"]["places_per_thousand"] is None


def test_the_api_answers_the_same_and_keeps_scope(client, official, planned):
    client.force_login(official)
    body = client.get("/api/v1/childcare/indicators?region=220202000000").json()
    assert body["places_per_thousand"] == "2.00" and body["occupancy"] == "0.650"
    street_b = factories.user("official", regions=("220202002000",))
    with pytest.raises(NotFound):
        indicators_for(street_b, factories.DISTRICT)
    client.force_login(street_b)
    assert client.get("/api/v1/childcare/indicators?region=220202000000").status_code == 404
    own = client.get("/api/v1/childcare/indicators?region=220202002000").json()
    assert own["places"] == 40


def test_a_region_figure_of_its_own_wins_over_its_parts(official, planned):
    set_population(actor=official, region_code=factories.DISTRICT, year=2025, residents=80_000)
    result = indicators_for(official, factories.DISTRICT)
    assert result["residents"] == 80_000 and result["population_complete"] is True
    assert result["places_per_thousand"] == Decimal("1.25")
