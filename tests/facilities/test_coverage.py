"""The 15-minute circle: coverage on a hand-made case (checked against the great-circle distance), site
suggestions equal to the brute-force optimum on small cases, the API per community with its scope, and
residents moving in and out of an institution (the registry's living arrangement follows)."""

import datetime as dt
import itertools
import os
import random

import pytest
from django.test import override_settings
from django.utils import timezone

from shouwang.core.geo import distance_m, offset_km
from shouwang.core.idnumbers import make_resident_id
from shouwang.elders.models import Elder
from shouwang.elders.services import record_life_event
from shouwang.facilities import coverage
from shouwang.facilities.coverage import Person, Site
from shouwang.facilities.models import Residency
from tests import factories

from .conftest import A_LAT, A_LON, B_LAT, B_LON

LAT, LON = 43.85, 126.55


def _at(km: float, bearing_deg: float) -> tuple[float, float]:
    return offset_km(LAT, LON, km, bearing_deg * 3.14159265 / 180)


def test_reach_follows_the_settings():
    with override_settings(SHOUWANG_WALK_METRES_PER_MINUTE=60.0, SHOUWANG_DETOUR_FACTOR=1.2):
        assert coverage.reach_metres(15) == pytest.approx(750)


def test_coverage_on_a_hand_made_case():
    reach = 750.0
    sites = [Site(1, LAT, LON, frozenset({"meal"})), Site(2, *_at(3, 90), frozenset({"health"}))]
    people = [
        Person(1, "A", *_at(0.70, 0), alone=True),  # 700 m north of the meal point: reached
        Person(2, "A", *_at(0.80, 180), disabled=True),  # 800 m south: not reached
        Person(3, "A", *_at(0.74, 45)),  # 740 m: just inside
        Person(4, "B", *_at(3.2, 90), alone=True),  # 200 m beyond site 2: reached, health only
        Person(5, "B", *_at(6, 90)),  # far from both
    ]
    for person in people:
        nearest = min(distance_m(person.lat, person.lon, s.lat, s.lon) for s in sites)
        expected = nearest <= reach
        assert (
            coverage.within(
                person.lat,
                person.lon,
                *min(((s.lat, s.lon) for s in sites), key=lambda p: distance_m(person.lat, person.lon, *p)),
                reach * reach,
            )
            == expected
        )
    rows, uncovered = coverage.compute(people, sites, reach)
    a, b = rows["A"], rows["B"]
    assert (a.elders, a.covered, a.alone_covered, a.disabled, a.disabled_covered) == (3, 2, 1, 1, 0)
    assert a.share == pytest.approx(0.6667) and a.by_service["meal"] == 2 and a.by_service["health"] == 0
    assert (b.elders, b.covered, b.by_service["health"], b.by_service["meal"]) == (2, 1, 1, 0)
    assert [p.key for p in uncovered] == [2, 5]


def _brute_force(people, candidates, reach, k):
    sets, _estimated = coverage._reaches(people, candidates, reach)
    return max(len(frozenset().union(*c)) for c in itertools.combinations(sets, k))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_site_suggestions_are_optimal_on_small_cases(seed):
    rng = random.Random(seed)
    people = [Person(i, "A", *_at(rng.uniform(0, 4), rng.uniform(0, 360))) for i in range(60)]
    candidates = [Site(f"c{i}", *_at(rng.uniform(0, 4), rng.uniform(0, 360))) for i in range(12)]
    picks = coverage.suggest_sites(people, candidates, 900.0, 3)
    gains = [gain for _site, gain in picks]
    assert gains == sorted(gains, reverse=True)
    assert sum(gains) == _brute_force(people, candidates, 900.0, 3)
    # The greedy choice the solver starts from stays within its guarantee of the optimum.
    sets, _estimated = coverage._reaches(people, candidates, 900.0)
    greedy = sum(gain for _i, gain in coverage._greedy(sets, 3))
    assert greedy >= (1 - 1 / 2.718281828) * _brute_force(people, candidates, 900.0, 3)


def test_the_solver_beats_the_greedy_choice_where_it_falls_short():
    """A site in the middle reaches four elders, two on each side; two sites at the sides reach three each.
    The greedy choice takes the middle first and ends at five; the optimum is the two sides, six."""
    people = [
        Person(i, "A", *_at(abs(x) / 1000, 90 if x > 0 else 270))
        for i, x in enumerate([-150, -60, -50, 50, 60, 150])
    ]
    candidates = [Site("middle", LAT, LON), Site("west", *_at(0.1, 270)), Site("east", *_at(0.1, 90))]
    sets, _estimated = coverage._reaches(people, candidates, 100.0)
    assert [len(s) for s in sets] == [4, 3, 3]
    assert [gain for _i, gain in coverage._greedy(sets, 2)] == [4, 1]
    picks = coverage.suggest_sites(people, candidates, 100.0, 2, time_limit_s=5)
    assert sorted(site.key for site, _gain in picks) == ["east", "west"]
    assert [gain for _site, gain in picks] == [3, 3]
    assert _brute_force(people, candidates, 100.0, 2) == 6


@pytest.mark.django_db
def test_coverage_api_per_community_and_site_suggestions(w, api):
    factories.ElderFactory(
        community_id=factories.COMMUNITY_A, lat=A_LAT + 0.003, lon=A_LON, living_arrangement="with_family"
    )
    far_a = factories.ElderFactory(
        community_id=factories.COMMUNITY_A, lat=A_LAT - 0.03, lon=A_LON, living_arrangement="alone"
    )
    factories.ElderFactory(community_id=factories.COMMUNITY_A)  # no coordinates
    factories.ElderFactory(community_id=factories.COMMUNITY_B, lat=B_LAT, lon=B_LON + 0.002)
    client = api(w.official)
    body = client.get("/api/v1/facilities/coverage", region=factories.DISTRICT, minutes=15).json()
    rows = {row["community"]: row for row in body["communities"]}
    a, b = rows[factories.COMMUNITY_A], rows[factories.COMMUNITY_B]
    assert (a["elders"], a["covered"], a["share"], a["unlocated"], a["gap"]) == (2, 1, 0.5, 1, True)
    assert (a["alone"], a["alone_covered"]) == (1, 0) and a["by_service"]["meal"] == 0.5
    assert (b["elders"], b["covered"], b["gap"]) == (1, 1, False)
    assert body["uncovered_elders"] == 1 and body["reach_m"] == 773

    sites = client.post("/api/v1/facilities/site-suggestions", {"region": factories.DISTRICT, "k": 2}).json()
    assert [s["added_covered"] for s in sites] == [1]
    assert distance_m(sites[0]["lat"], sites[0]["lon"], far_a.lat, far_a.lon) < 1

    # A community worker sees their own community only; a provider's admin no circle at all.
    worker = api(w.worker_a).get("/api/v1/facilities/coverage", region=factories.DISTRICT).json()
    assert [row["community"] for row in worker["communities"]] == [factories.COMMUNITY_A]
    assert (
        api(w.official_b).get("/api/v1/facilities/coverage", region=factories.COMMUNITY_A).status_code == 404
    )
    assert api(w.padmin_a).get("/api/v1/facilities/coverage", region=factories.DISTRICT).status_code == 403

    client.client.force_login(w.official)
    page = client.client.get("/facilities/circle/", {"region": factories.DISTRICT, "suggest": "1", "k": "2"})
    assert page.status_code == 200 and far_a.name in page.content.decode()
    export = client.client.get("/facilities/circle/export.xlsx", {"region": factories.DISTRICT})
    assert export.status_code == 200 and export["Content-Disposition"].endswith('.xlsx"')


@pytest.mark.django_db
def test_residents_move_in_and_out_and_the_registry_follows(w, api):
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, living_arrangement="alone")
    today = timezone.localdate()
    client = api(w.official)
    url = f"/api/v1/facilities/{w.home.pk}/residents"
    response = client.post(url, {"elder_id": elder.pk, "since": today.isoformat()})
    assert response.status_code == 201, response.json()
    assert Elder.objects.get(pk=elder.pk).living_arrangement == "institution"
    assert client.post(url, {"elder_id": elder.pk, "since": today.isoformat()}).status_code == 409
    assert [r["elder_name"] for r in api(w.padmin_a).get(url).json()] == [elder.name]
    assert api(w.padmin_a).post(url, {"elder_id": elder.pk, "since": today.isoformat()}).status_code == 403
    client = api(w.official)  # one test client: logging in the operator logged the official out
    day_care = f"/api/v1/facilities/{w.day_care.pk}/residents"
    assert client.post(day_care, {"elder_id": elder.pk, "since": today.isoformat()}).status_code == 422

    ended = client.post(
        f"/api/v1/facilities/residencies/{response.json()['id']}/end", {"until": today.isoformat()}
    )
    assert ended.status_code == 200 and Elder.objects.get(pk=elder.pk).living_arrangement == "alone"

    client.post(url, {"elder_id": elder.pk, "since": today.isoformat()})
    record_life_event(actor=w.official, elder_id=elder.pk, event="deceased", date=today)
    assert not Residency.objects.filter(elder=elder, until__isnull=True).exists()
    assert today - dt.timedelta(days=1) < Residency.objects.filter(elder=elder).latest("pk").until <= today

    # The console's form finds the elder by ID number among those the official may see.
    other = factories.ElderFactory(community_id=factories.COMMUNITY_A, name="入住老人")
    client.client.force_login(w.official)
    moved = client.client.post(f"/facilities/{w.home.pk}/residents/", {"id_number": other.id_number})
    assert moved.status_code == 302 and Residency.objects.filter(elder=other, until__isnull=True).exists()
    unknown = client.client.post(
        f"/facilities/{w.home.pk}/residents/",
        {"id_number": make_resident_id("220202", dt.date(1950, 1, 1), 999)},
    )
    assert unknown.status_code == 200 and "No elder with this ID number" in unknown.content.decode()


def test_the_solver_writes_nothing_to_stdout():
    """HiGHS's banner comes once per process, at the first solver made: a fresh interpreter shows it."""
    import subprocess
    import sys

    script = (
        "import django; django.setup()\n"
        "from shouwang.facilities.coverage import solve_mclp\n"
        "print(solve_mclp([frozenset({1, 2}), frozenset({2, 3}), frozenset({4})], 1, time_limit_s=5))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shouwang.settings"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert done.stdout == "[0]\n"
    assert "HiGHS" not in done.stderr


def test_density_counts_elders_per_h3_hexagon():
    """Three elders within 60 m of one hexagon's centre share it, one 3 km away has its own; each cell is
    drawn by its six corners around the elders it counts."""
    import h3

    centre = h3.cell_to_latlng(h3.latlng_to_cell(LAT, LON, coverage.DENSITY_RESOLUTION))
    near = [offset_km(*centre, 0.06, bearing) for bearing in (0.0, 2.0, 4.0)]
    far = offset_km(*centre, 3, 0)
    people = [Person(i, "A", lat, lon) for i, (lat, lon) in enumerate([*near, far])]
    cells = coverage.density(people)
    assert sorted(cell["elders"] for cell in cells) == [1, 3]
    assert all(h3.get_resolution(cell["cell"]) == 8 and len(cell["boundary"]) == 6 for cell in cells)
    crowded = next(cell for cell in cells if cell["elders"] == 3)
    corners = crowded["boundary"]
    assert all(300 < distance_m(*centre, lat, lon) < 700 for lat, lon in corners)
    lonely = next(cell for cell in cells if cell["elders"] == 1)
    assert distance_m(*far, *h3.cell_to_latlng(lonely["cell"])) < 600
    assert coverage.density([]) == []
