"""core.geo: the one module of geometry on the earth's surface."""

import math

import pytest

from shouwang.core.geo import distance_m, offset_km

JILIN = (43.85, 126.55)


@pytest.mark.parametrize("bearing", [0, math.pi / 2, math.pi, 3 * math.pi / 2, 0.7])
@pytest.mark.parametrize("km", [0.3, 5, 16])
def test_an_offset_lands_its_distance_away_by_the_great_circle(km, bearing):
    lat, lon = offset_km(*JILIN, km, bearing)
    assert distance_m(*JILIN, lat, lon) == pytest.approx(km * 1000, rel=0.005)


def test_an_offset_goes_the_way_of_its_bearing():
    north, east = offset_km(*JILIN, 10, 0), offset_km(*JILIN, 10, math.pi / 2)
    assert north[0] > JILIN[0] and north[1] == pytest.approx(JILIN[1])
    assert east[1] > JILIN[1] and east[0] == pytest.approx(JILIN[0])
