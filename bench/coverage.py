"""Service-circle benchmark: coverage of 1,000,000 elders by 2,000 facilities, and the choice of 20 new sites
out of 2,000 candidates (PRODUCT issue 19: ≤ 30 s and ≤ 60 s).

    uv run python bench/coverage.py
    uv run python bench/coverage.py --elders 100000 --facilities 200   # a smoke run

It times ``facilities.coverage`` itself — the computation the API and the console run after reading the
registry — on synthetic data: ``--communities`` community centres spread over a 40 × 40 km city, elders
around them (normally distributed, about 600 m), facilities near a random 70 % of the centres (so whole
communities lie outside every circle), each offering a random set of services, and ``--candidates``
candidate sites (community centres and random points). Reading a million rows from the database is the
registry's cost, measured by bench/search_elders.py and bench/import_elders.py, not repeated here.
Prints the figures and writes bench/results/coverage.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import h3

CENTRE = (43.85, 126.55)  # 吉林市昌邑区
SERVICES = ("daily_living", "basic_care", "health", "visiting", "emotional", "errands", "meal")


def _setup() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
    os.environ.setdefault("SHOUWANG_VAR_DIR", tempfile.mkdtemp(prefix="bench-coverage-"))
    import django

    django.setup()


def _point(rng: random.Random, lat: float, lon: float, sigma_km: float) -> tuple[float, float]:
    from shouwang.core.geo import offset_km

    return offset_km(lat, lon, abs(rng.gauss(0, sigma_km)), rng.uniform(0, 2 * math.pi))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elders", type=int, default=1_000_000)
    parser.add_argument("--facilities", type=int, default=2_000)
    parser.add_argument("--candidates", type=int, default=2_000)
    parser.add_argument("--communities", type=int, default=2_500)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--minutes", type=int, default=15)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument(
        "--matrix",
        action="store_true",
        help="also time coverage by a travel matrix (synthetic walking times for every home cell and "
        "facility within reach, 10 %% of the pairs left out so they fall back to the straight line)",
    )
    args = parser.parse_args()
    _setup()
    from shouwang.facilities import coverage
    from shouwang.facilities.coverage import Person, Site

    rng = random.Random(args.seed)
    centres = [_point(rng, *CENTRE, 12) for _ in range(args.communities)]
    people = []
    for key in range(args.elders):
        index = rng.randrange(len(centres))
        lat, lon = _point(rng, *centres[index], 0.6)
        people.append(Person(key, f"c{index}", lat, lon, rng.random() < 0.15, rng.random() < 0.05))
    served = rng.sample(range(len(centres)), int(len(centres) * 0.7))
    sites = []
    for key in range(args.facilities):
        lat, lon = _point(rng, *centres[served[key % len(served)]], 0.3)
        sites.append(Site(key, lat, lon, frozenset(rng.sample(SERVICES, rng.randint(1, 5)))))
    candidates = [
        Site(f"community:{i}", lat, lon) for i, (lat, lon) in enumerate(centres[: args.candidates // 2])
    ]
    while len(candidates) < args.candidates:
        candidates.append(Site(f"point:{len(candidates)}", *_point(rng, *CENTRE, 12)))
    reach = coverage.reach_metres(args.minutes)

    started, cpu = time.perf_counter(), time.process_time()
    rows, uncovered = coverage.compute(people, sites, reach)
    coverage_s, coverage_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    picks = coverage.suggest_sites(uncovered, candidates, reach, args.k)
    suggestion_s, suggestion_cpu = time.perf_counter() - started, time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    cells = coverage.density(people)
    density_s, density_cpu = time.perf_counter() - started, time.process_time() - cpu
    matrix_figures = _time_matrix(rng, people, sites, args.minutes) if args.matrix else {}

    covered = sum(row.covered for row in rows.values())
    result = {
        "elders": args.elders,
        "facilities": args.facilities,
        "candidates": args.candidates,
        "k": args.k,
        "reach_m": round(reach),
        "covered": covered,
        "uncovered": len(uncovered),
        "coverage_s": round(coverage_s, 2),
        "suggestion_s": round(suggestion_s, 2),
        "density_s": round(density_s, 2),
        "density_cpu_s": round(density_cpu, 2),
        "density_cells": len(cells),
        **matrix_figures,
        "coverage_cpu_s": round(coverage_cpu, 2),
        "suggestion_cpu_s": round(suggestion_cpu, 2),
        "added_covered": [gain for _site, gain in picks],
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    print(
        f"coverage of {args.elders:,} elders by {args.facilities:,} facilities: {coverage_s:.1f} s "
        f"(CPU {coverage_cpu:.1f} s) "
        f"({covered:,} within {reach:.0f} m, {len(uncovered):,} outside)"
    )
    print(
        f"{args.k} sites out of {args.candidates:,} candidates: {suggestion_s:.1f} s "
        f"(CPU {suggestion_cpu:.1f} s), adding {sum(result['added_covered']):,}"
    )
    print(
        f"density of {args.elders:,} elders in {len(cells):,} H3 hexagons: {density_s:.1f} s "
        f"(CPU {density_cpu:.1f} s)"
    )
    if matrix_figures:
        figures = matrix_figures
        print(
            f"coverage by a travel matrix of {figures['matrix_pairs']:,} pairs: "
            f"{figures['matrix_coverage_s']:.1f} s (CPU {figures['matrix_coverage_cpu_s']:.1f} s) "
            f"({figures['matrix_covered']:,} within reach, "
            f"{figures['matrix_estimated']:,} estimated)"
        )
    out = Path(__file__).with_name("results") / "coverage.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


def _time_matrix(rng: random.Random, people: list, sites: list, minutes: int) -> dict:
    """Coverage by a synthetic travel matrix: a walk of the straight line × 1.1 to 1.6 from each home cell
    to each facility within a walk's bound, every tenth pair left out."""
    from django.conf import settings

    from shouwang.core.geo import distance_m
    from shouwang.facilities import coverage
    from shouwang.facilities.coverage import TravelMatrix

    pace = settings.SHOUWANG_WALK_METRES_PER_MINUTE
    bound_m = minutes * pace * 1.5
    grid = coverage._Grid(bound_m, coverage._reference_latitude(people))
    for site in sites:
        grid.add(site.lat, site.lon, site)
    seconds: dict[tuple[str, str], float] = {}
    seen: set[tuple[str, str]] = set()
    for person in people:
        origin = h3.latlng_to_cell(person.lat, person.lon, coverage.MATRIX_RESOLUTION)
        for site in grid.near(person.lat, person.lon):
            pair = (origin, site.target)
            if pair in seen:
                continue
            seen.add(pair)
            metres = distance_m(person.lat, person.lon, site.lat, site.lon)
            if metres <= bound_m and rng.random() >= 0.1:
                seconds[pair] = metres * rng.uniform(1.1, 1.6) / pace * 60
    matrix = TravelMatrix(seconds, limit_s=minutes * 60.0, bound_m=bound_m)
    started, cpu = time.perf_counter(), time.process_time()
    rows, _uncovered = coverage.compute(people, sites, coverage.reach_metres(minutes), matrix=matrix)
    elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "matrix_pairs": len(seconds),
        "matrix_coverage_s": round(elapsed, 2),
        "matrix_coverage_cpu_s": round(elapsed_cpu, 2),
        "matrix_covered": sum(row.covered for row in rows.values()),
        "matrix_estimated": sum(row.estimated for row in rows.values()),
    }


if __name__ == "__main__":
    main()
