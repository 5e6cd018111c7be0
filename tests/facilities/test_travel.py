"""The travel matrix: walking times from a routing engine replace the straight line where the bureau has
them. A hand-made matrix where the street and the straight line disagree (a river between a home 500 m
away and the centre; a straight path to a home 900 m away), a pair missing (straight line, counted as
estimated), the import all-or-nothing, the export of the points to route, and site suggestions."""

import csv
import io
import math

import h3
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from shouwang.core.actors import SYSTEM
from shouwang.core.errors import ValidationFailed
from shouwang.core.geo import offset_km
from shouwang.facilities import coverage
from shouwang.facilities.circle import circle_for
from shouwang.facilities.coverage import MATRIX_RESOLUTION, Person, Site, TravelMatrix
from shouwang.facilities.models import TravelTime
from shouwang.facilities.travel import import_travel_csv
from tests import factories

from .conftest import A_LAT, A_LON, B_LAT, B_LON

LAT, LON = 43.85, 126.55
REACH = 773.0  # 15 minutes at 67 m/min over a detour factor of 1.3
NORTH, SOUTH, EAST = 0.0, math.pi, math.pi / 2


def cell(lat: float, lon: float) -> str:
    return h3.latlng_to_cell(lat, lon, MATRIX_RESOLUTION)


def test_the_matrix_decides_where_it_has_the_pair_and_the_straight_line_where_not():
    centre = Site(1, LAT, LON, frozenset({"meal"}))
    across_river = Person(1, "A", *offset_km(LAT, LON, 0.5, NORTH))  # 500 m, but 25 minutes over the bridge
    straight_path = Person(2, "A", *offset_km(LAT, LON, 0.9, SOUTH))  # 900 m, but 12 minutes on foot
    unrouted = Person(3, "B", *offset_km(LAT, LON, 0.3, EAST))  # 300 m, the matrix lacks the pair
    no_route = Person(4, "B", *offset_km(LAT, LON, 0.2, SOUTH))  # 200 m, the engine found no way there
    far = Person(5, "B", *offset_km(LAT, LON, 3, NORTH))  # beyond any 15-minute walk: never looked up
    people = [across_river, straight_path, unrouted, no_route, far]

    straight, _outside = coverage.compute(people, [centre], REACH)
    assert (straight["A"].covered, straight["B"].covered) == (1, 2)
    assert straight["A"].estimated == straight["B"].estimated == 0

    seconds = {
        (cell(across_river.lat, across_river.lon), "facility:1"): 1500,
        (cell(straight_path.lat, straight_path.lon), "facility:1"): 720,
        (cell(no_route.lat, no_route.lon), "facility:1"): math.inf,
    }
    matrix = TravelMatrix(seconds, limit_s=15 * 60, bound_m=1507)
    rows, outside = coverage.compute(people, [centre], REACH, matrix=matrix)
    assert sorted(p.key for p in outside) == [1, 4, 5]
    assert (rows["A"].covered, rows["A"].estimated) == (1, 0)
    assert (rows["B"].covered, rows["B"].estimated) == (1, 1)  # the unrouted one, by the straight line
    assert rows["A"].by_service["meal"] == 1


def test_site_choice_follows_the_matrix_and_counts_what_it_estimates():
    """Two candidates 400 to 570 m from three uncovered elders (200 m apart, each in its own cell): by the
    straight line both reach all three; the matrix puts a railway between the west one and two of them, so
    the east one is chosen."""
    people = [Person(i, "A", *offset_km(LAT, LON, 0.2 * i, NORTH)) for i in range(3)]
    west = Site("community:220202001001", *offset_km(LAT, LON, 0.4, -EAST))
    east = Site("community:220202002001", *offset_km(LAT, LON, 0.4, EAST))
    seconds = {(cell(p.lat, p.lon), west.target): (300 if p.key == 0 else 2400) for p in people}
    seconds |= {(cell(p.lat, p.lon), east.target): 400 for p in people[:2]}  # the third pair is missing
    matrix = TravelMatrix(seconds, limit_s=15 * 60, bound_m=1507)
    picks = coverage.suggest_sites(people, [west, east], REACH, 1, time_limit_s=5, matrix=matrix)
    assert [(site.key, gain) for site, gain in picks] == [(east.key, 3)]
    assert coverage.estimated_reach(people, [east, west], REACH, matrix) == [1, 0]
    assert coverage.estimated_reach(people, [east], REACH, None) == [0]


def _write(rows: list[tuple]) -> io.StringIO:
    handle = io.StringIO()
    writer = csv.writer(handle)
    writer.writerow(["origin", "target", "seconds"])
    writer.writerows(rows)
    handle.seek(0)
    return handle


@pytest.mark.django_db
def test_the_circle_uses_the_imported_matrix_when_configured(w, api, tmp_path):
    across_river = factories.ElderFactory(community_id=factories.COMMUNITY_A, lat=A_LAT + 0.0045, lon=A_LON)
    straight_path = factories.ElderFactory(community_id=factories.COMMUNITY_A, lat=A_LAT - 0.0081, lon=A_LON)
    factories.ElderFactory(community_id=factories.COMMUNITY_B, lat=B_LAT, lon=B_LON + 0.002)  # no pair
    day_care = f"facility:{w.day_care.pk}"
    path = tmp_path / "walks.csv"
    path.write_text(
        _write(
            [
                (cell(across_river.lat, across_river.lon), day_care, "1500"),
                (cell(straight_path.lat, straight_path.lon), day_care, "720.4"),
            ]
        ).getvalue()
    )
    out = io.StringIO()
    call_command("import_travel_matrix", str(path), stdout=out)
    assert "imported 2 walking times" in out.getvalue()

    client = api(w.official)
    straight = client.get("/api/v1/facilities/coverage", region=factories.DISTRICT).json()
    assert straight["walk_times"] == "straight" and straight["estimated"] == 0
    with override_settings(SHOUWANG_WALK_TIMES="matrix"):
        body = client.get("/api/v1/facilities/coverage", region=factories.DISTRICT).json()
        circle = circle_for(w.official, region=factories.DISTRICT)
        client.client.force_login(w.official)
        page = client.client.get("/facilities/circle/", {"region": factories.DISTRICT, "suggest": "1"})
        sites = client.post(
            "/api/v1/facilities/site-suggestions", {"region": factories.DISTRICT, "k": 1}
        ).json()
    assert body["walk_times"] == "matrix" and body["estimated"] == 1
    rows = {row["community"]: row for row in body["communities"]}
    a, b = rows[factories.COMMUNITY_A], rows[factories.COMMUNITY_B]
    assert (a["covered"], a["estimated"]) == (1, 0) and (b["covered"], b["estimated"]) == (1, 1)
    straight_rows = {row["community"]: row for row in straight["communities"]}
    assert straight_rows[factories.COMMUNITY_A]["covered"] == 1
    # the same share, but the other elder: the matrix reaches the one the straight line missed
    assert [p.key for p in circle.uncovered] == [across_river.pk]
    assert page.status_code == 200 and 'data-walk-times="matrix"' in page.content.decode()
    # the only candidate is the uncovered elder's own cluster, which no matrix holds: all estimate
    assert [(s["added_covered"], s["estimated"]) for s in sites] == [(1, 1)]


@pytest.mark.django_db
def test_an_import_is_all_or_nothing_and_replaces_a_targets_times(w, tmp_path, english):
    origin = cell(A_LAT, A_LON)
    day_care = f"facility:{w.day_care.pk}"
    import_travel_csv(
        actor=SYSTEM, source=_write([(origin, day_care, "600"), (cell(B_LAT, B_LON), day_care, "")])
    )
    assert dict(TravelTime.objects.values_list("origin", "seconds")) == {
        origin: 600,
        cell(B_LAT, B_LON): None,
    }

    bad = [
        (origin, day_care, "300"),
        (h3.latlng_to_cell(A_LAT, A_LON, 8), day_care, "300"),  # a density hexagon, not an origin cell
        (origin, "facility:999999", "300"),
        (origin, f"community:{factories.COMMUNITY_B}", "-5"),
        (origin, day_care, "400"),  # the same pair again
    ]
    with pytest.raises(ValidationFailed) as refused:
        import_travel_csv(actor=SYSTEM, source=_write(bad))
    assert set(refused.value.errors) == {"line 3", "line 4", "line 5", "line 6"}
    assert TravelTime.objects.get(origin=origin).seconds == 600  # nothing changed

    import_travel_csv(actor=SYSTEM, source=_write([(origin, day_care, "480")]))
    assert list(TravelTime.objects.values_list("origin", "seconds")) == [(origin, 480)]  # replaced whole
    with pytest.raises(ValidationFailed):
        import_travel_csv(actor=SYSTEM, source=io.StringIO("from,to\nx,y\n"))
    path = tmp_path / "bad.csv"
    path.write_text(_write(bad).getvalue())
    with pytest.raises(CommandError, match="line 4"):
        call_command("import_travel_matrix", str(path))


@pytest.mark.django_db
def test_the_export_lists_the_cells_where_elders_live_and_the_facilities(w, tmp_path):
    home = factories.ElderFactory(community_id=factories.COMMUNITY_A, lat=A_LAT + 0.001, lon=A_LON)
    factories.ElderFactory(community_id=factories.COMMUNITY_A, lat=A_LAT + 0.00101, lon=A_LON)  # same cell
    origins, targets = tmp_path / "origins.csv", tmp_path / "targets.csv"
    call_command(
        "export_travel_points",
        factories.DISTRICT,
        origins=str(origins),
        targets=str(targets),
        stdout=io.StringIO(),
    )
    origin_rows = list(csv.DictReader(origins.open()))
    assert [row["id"] for row in origin_rows] == [cell(home.lat, home.lon)]
    lat, lon = float(origin_rows[0]["lat"]), float(origin_rows[0]["lon"])
    assert cell(lat, lon) == origin_rows[0]["id"]  # the cell's centre lies in it
    target_ids = {row["id"] for row in csv.DictReader(targets.open())}
    assert f"facility:{w.day_care.pk}" in target_ids
    assert f"facility:{w.home.pk}" not in target_ids  # an institution is not part of the circle
