import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from shouwang.routes.engine.mankowska import make_jobs, read_mankowska
from shouwang.routes.engine.solomon import read_solomon, route_cost

from .checker import check_mankowska, check_solomon

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "bench-data"
SOLOMON = DATA / "solomon"
HHCRSP = DATA / "hhcrsp"
needs_data = pytest.mark.skipif(not DATA.exists(), reason="benchmark files not on this machine")


def solve(path: Path, seconds: float) -> dict:
    out = io.StringIO()
    call_command("solve_routes", str(path), "--seconds", str(seconds), stdout=out)
    return json.loads(out.getvalue())


@needs_data
def test_solomon_reader_numbers_nodes_from_the_depot():
    instance = read_solomon(SOLOMON / "C101.vrp")
    assert instance.num_customers == 100
    assert (instance.vehicles, instance.capacity) == (25, 200)
    assert instance.coords[0] == (40, 50) and instance.coords[1] == (45, 68)
    assert instance.service[0] == 0 and instance.service[1] == 90
    assert instance.windows[100] == (647, 726)


@needs_data
def test_solomon_cost_matches_the_published_best_known_solution():
    routes = []
    for line in (SOLOMON / "C101.sol").read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(c) for c in line.split(":")[1].split()])
    assert route_cost(read_solomon(SOLOMON / "C101.vrp"), routes) == 827.3


@needs_data
def test_mankowska_reader_reads_double_services_and_processing_times():
    instance = read_mankowska(HHCRSP / "InstanzCPLEX_HCSRP_10_1.txt")
    assert (instance.nodes, instance.vehicles, instance.services) == (12, 3, 6)
    assert instance.double == [8, 9, 10]  # the file lists them 1-based: 11 10 9
    assert instance.processing[3][1] == [14.0] * 6 and instance.processing[0][0] == [0.0] * 6
    assert (instance.min_delay[9], instance.max_delay[9]) == (51, 102)
    jobs = make_jobs(instance)
    assert sum(1 for p in jobs.partner if p >= 0) == 6


@needs_data
@pytest.mark.parametrize("name", ["C101", "R101", "RC201"])
def test_solomon_plans_are_feasible_and_costed_exactly(name):
    answer = solve(SOLOMON / f"{name}.vrp", 2)
    assert answer["format"] == "solomon"
    assert check_solomon(SOLOMON / f"{name}.vrp", answer) == []
    assert check_solomon(SOLOMON / f"{name}.vrp", answer, exact_times=True) == []


@needs_data
@pytest.mark.parametrize("name", ["10_1", "10_4", "25_3"])
def test_mankowska_plans_are_feasible_and_figures_exact(name):
    path = HHCRSP / f"InstanzCPLEX_HCSRP_{name}.txt"
    answer = solve(path, 1.5)
    assert answer["format"] == "mankowska"
    assert check_mankowska(path, answer) == []


@needs_data
def test_simultaneous_double_service_starts_together_on_two_vehicles():
    answer = solve(HHCRSP / "InstanzCPLEX_HCSRP_10_1.txt", 1)
    node_8 = [
        (route["vehicle"], visit["start"])
        for route in answer["routes"]
        for visit in route["visits"]
        if visit["node"] == 8
    ]
    assert len(node_8) == 2
    assert node_8[0][0] != node_8[1][0]
    assert node_8[0][1] == node_8[1][1]


def test_a_file_in_neither_format_is_refused(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    with pytest.raises(CommandError):
        solve(junk, 1)


@needs_data
def test_the_checker_catches_a_broken_synchronisation_and_a_wrong_cost():
    path = HHCRSP / "InstanzCPLEX_HCSRP_10_1.txt"
    answer = solve(path, 1)
    for route in answer["routes"]:
        for visit in route["visits"]:
            if visit["node"] == 8 and visit["service"] == 4:
                visit["start"] += 5
    problems = check_mankowska(path, answer)
    assert any("node 8" in p for p in problems)
    solomon = solve(SOLOMON / "C101.vrp", 1)
    solomon["cost"] += 0.1
    assert any(p.startswith("cost") for p in check_solomon(SOLOMON / "C101.vrp", solomon))
