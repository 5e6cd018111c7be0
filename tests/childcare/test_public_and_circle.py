"""The public list for parents (no login) and the 托育 layer of the facilities' service circle."""

from __future__ import annotations

import pytest

from shouwang.childcare.services import decide_registration, set_population
from shouwang.facilities.circle import circle_for
from shouwang.regions.models import Region
from tests import factories

from .conftest import institution

pytestmark = pytest.mark.django_db


def test_the_public_list_shows_registered_institutions_without_login(client, nursery_a, nursery_b, official):
    pending = institution(register=False, name="待审托育园")
    page = client.get("/public/childcare/?area=220202001000")
    text = page.content.decode()
    assert page.status_code == 200
    assert "甲托育园" in text and "乙托育园" not in text and pending.name not in text
    decide_registration(actor=official, institution_id=nursery_a.pk, state="suspended", note="整改")
    assert "甲托育园" not in client.get("/public/childcare/?area=220202001000").content.decode()


def test_the_service_circle_has_a_childcare_row_per_community(official, nursery_a, nursery_b):
    Region.objects.filter(code=factories.COMMUNITY_A).update(centre_lat=43.85, centre_lon=126.551)
    Region.objects.filter(code=factories.COMMUNITY_B).update(centre_lat=43.85, centre_lon=126.65)
    set_population(actor=official, region_code=factories.COMMUNITY_A, year=2025, residents=5_000)
    circle = circle_for(official, region=factories.DISTRICT, minutes=15)
    layer = next(layer for layer in circle.sectors if layer.sector == "childcare")
    rows = {row["community"]: row for row in layer.rows}
    # 甲托育园 is some 80 m from A's centre; 乙托育园 has no coordinates, so B has nothing in reach
    assert rows[factories.COMMUNITY_A]["values"][:4] == [1, 60, 60, 5_000]
    assert str(rows[factories.COMMUNITY_A]["values"][4]) == "12.00"
    assert rows[factories.COMMUNITY_B]["gap"] is True
    assert [point["name"] for point in layer.points] == ["甲托育园"]
