"""Routing benchmark (issue 21), measured side by side in one run on the same machine.

    nice -n 10 uv run --group bench python bench/routing.py solomon [--seconds 10] [--only C101,R101]
    nice -n 10 uv run --group bench python bench/routing.py mankowska [--seconds 30] [--only 50_1]
    nice -n 10 uv run --group bench python bench/routing.py district [--seconds 60]

1. ``solomon``: the Solomon VRPTW instances of ../shared/bench-data/solomon; for each, ours (PyVRP), OR-Tools
   (guided local search) and pyvroom with the same time limit, each plan checked (every customer once,
   capacity, windows timed with truncated distances) and costed by the DIMACS convention; gap to the
   cost in the ``.sol`` file.
2. ``mankowska``: the home-care instances of ../shared/bench-data/hhcrsp; ours only (the others have no
   synchronisation); feasibility checked by the test-suite checker; gap to the best of the published
   columns of best-known.csv.
3. ``district``: one generated district day, 200 caregivers and 2,000 visits (skills, double visits,
   shifts), planned by the app's day planner; wall time and peak memory (ru_maxrss).

Writes bench/results/routing-<part>.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.routes.checker import check_mankowska, check_solomon  # noqa: E402

from shouwang.routes.engine.mankowska import plan_as_json, read_mankowska, solve_mankowska  # noqa: E402
from shouwang.routes.engine.solomon import _matrices, read_solomon, route_cost, solve_solomon  # noqa: E402

DATA = ROOT.parent / "shared" / "bench-data"
RESULTS = ROOT / "bench" / "results"


def best_known_solomon(name: str) -> float:
    for line in (DATA / "solomon" / f"{name}.sol").read_text().splitlines():
        if line.lower().startswith("cost"):
            return float(line.split()[1])
    raise ValueError(f"no cost in {name}.sol")


def solve_ortools(instance, seconds: float) -> list[list[int]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    distance, duration = _matrices(instance)
    n = len(instance.coords)
    manager = pywrapcp.RoutingIndexManager(n, instance.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist_list = distance.tolist()
    travel = [[int(duration[i][j]) + 10 * instance.service[i] for j in range(n)] for i in range(n)]

    def arc_cost(i, j):
        return dist_list[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def arc_time(i, j):
        return travel[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def demand(i):
        return instance.demands[manager.IndexToNode(i)]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(arc_cost))
    time_cb = routing.RegisterTransitCallback(arc_time)
    horizon = 10 * instance.windows[0][1]
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    clock = routing.GetDimensionOrDie("time")
    for node in range(1, n):
        early, late = instance.windows[node]
        clock.CumulVar(manager.NodeToIndex(node)).SetRange(10 * early, 10 * late)
    for v in range(instance.vehicles):
        clock.CumulVar(routing.Start(v)).SetRange(10 * instance.windows[0][0], horizon)
        clock.CumulVar(routing.End(v)).SetRange(10 * instance.windows[0][0], horizon)
    demand_cb = routing.RegisterUnaryTransitCallback(demand)
    routing.AddDimensionWithVehicleCapacity(
        demand_cb, 0, [instance.capacity] * instance.vehicles, True, "load"
    )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return []
    routes = []
    for v in range(instance.vehicles):
        index, route = solution.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes


def solve_vroom(instance, seconds: float) -> list[list[int]]:
    import numpy as np
    import vroom

    distance, duration = _matrices(instance)
    problem = vroom.Input()
    problem.set_durations_matrix("car", np.asarray(duration, dtype=np.uint32))
    problem.set_costs_matrix("car", np.asarray(distance, dtype=np.uint32))
    early, late = instance.windows[0]
    for v in range(instance.vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                v,
                start=0,
                end=0,
                capacity=[instance.capacity],
                time_window=vroom.TimeWindow(10 * early, 10 * late),
            )
        )
    for node in range(1, len(instance.coords)):
        e, latest = instance.windows[node]
        problem.add_job(
            vroom.Job(
                node,
                location=node,
                default_service=10 * instance.service[node],
                delivery=[instance.demands[node]],
                time_windows=[vroom.TimeWindow(10 * e, 10 * latest)],
            )
        )
    solution = problem.solve(exploration_level=5, nb_threads=1, timeout=dt.timedelta(seconds=seconds))
    routes: dict[int, list[int]] = {}
    for row in solution.routes.itertuples():
        if row.type == "job":
            routes.setdefault(int(row.vehicle_id), []).append(int(row.id))
    return list(routes.values())


def _machine() -> dict:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _write(part: str, payload: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"routing-{part}.json"
    path.write_text(json.dumps(payload, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")


def run_solomon(seconds: float, only: list[str] | None) -> None:
    names = sorted(p.stem for p in (DATA / "solomon").glob("*.vrp"))
    if only:
        names = [n for n in names if n in only]
    solvers = {"pyvrp (ours)": solve_solomon, "or-tools gls": solve_ortools, "pyvroom": solve_vroom}
    rows = []
    for name in names:
        path = DATA / "solomon" / f"{name}.vrp"
        instance = read_solomon(path)
        best = best_known_solomon(name)
        row = {"instance": name, "best_known": best}
        for label, solver in solvers.items():
            started = time.perf_counter()
            routes = [r for r in solver(instance, seconds) if r]
            wall = time.perf_counter() - started
            answer = {"cost": route_cost(instance, routes), "routes": [[c for c in r] for r in routes]}
            problems = check_solomon(path, answer)
            row[label] = {
                "cost": answer["cost"],
                "routes": len(routes),
                "feasible": not problems,
                "gap_percent": round(100 * (answer["cost"] - best) / best, 3) if not problems else None,
                "seconds": round(wall, 2),
            }
        print(
            name,
            best,
            "  ".join(f"{k}: {row[k]['cost']} ({row[k]['gap_percent']} %)" for k in solvers),
            flush=True,
        )
        rows.append(row)
    summary = {}
    for label in solvers:
        gaps = [r[label]["gap_percent"] for r in rows]
        summary[label] = {
            "feasible": sum(g is not None for g in gaps),
            "mean_gap_percent": round(sum(g for g in gaps if g is not None) / max(1, len(gaps)), 3)
            if all(g is not None for g in gaps)
            else None,
        }
    print(json.dumps(summary, indent=2))
    _write(
        "solomon", {"seconds_per_instance": seconds, "machine": _machine(), "summary": summary, "rows": rows}
    )


def best_known_mankowska() -> dict[str, float]:
    sizes = {"A": 10, "B": 25, "C": 50}
    best = {}
    with (DATA / "hhcrsp" / "best-known.csv").open() as f:
        for row in csv.DictReader(f):
            values = [float(row[k]) for k in ("mk", "lf", "matheur", "brkga") if row[k]]
            best[f"{sizes[row['subset']]}_{row['iid']}"] = min(values)
    return best


def run_mankowska(seconds: float, only: list[str] | None) -> None:
    best = best_known_mankowska()
    names = sorted(best, key=lambda n: (int(n.split("_")[0]), int(n.split("_")[1])))
    if only:
        names = [n for n in names if n in only]
    rows = []
    for name in names:
        path = DATA / "hhcrsp" / f"InstanzCPLEX_HCSRP_{name}.txt"
        started = time.perf_counter()
        answer = plan_as_json(solve_mankowska(read_mankowska(path), seconds))
        wall = time.perf_counter() - started
        problems = check_mankowska(path, answer)
        gap = 100 * (answer["objective"] - best[name]) / best[name]
        rows.append(
            {
                "instance": name,
                "best_known": best[name],
                "objective": round(answer["objective"], 3),
                "feasible": not problems,
                "problems": problems,
                "gap_percent": round(gap, 3),
                "seconds": round(wall, 2),
            }
        )
        print(
            name,
            best[name],
            round(answer["objective"], 2),
            f"{gap:.2f} %",
            problems or "ok",
            flush=True,
        )
    summary = {
        "instances": len(rows),
        "feasible": sum(r["feasible"] for r in rows),
        "mean_gap_percent": round(sum(r["gap_percent"] for r in rows) / max(1, len(rows)), 3),
    }
    print(json.dumps(summary, indent=2))
    _write(
        "mankowska",
        {"seconds_per_instance": seconds, "machine": _machine(), "summary": summary, "rows": rows},
    )


def run_district(seconds: float, caregivers: int, visits: int) -> None:
    from shouwang.routes.engine.day import generate_district_day, plan_day

    day = generate_district_day(caregivers=caregivers, visits=visits, seed=7)
    started = time.perf_counter()
    plan = plan_day(day, seconds=seconds)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    problems = plan.check(day)
    summary = {
        "caregivers": caregivers,
        "visits": visits,
        "double_visits": sum(1 for v in day.visits if v.double),
        "planned": len(day.visits) - len(plan.unassigned),
        "unassigned": len(plan.unassigned),
        "travel_minutes": round(plan.travel_minutes, 1),
        "feasible": not problems,
        "problems": problems[:10],
        "wall_seconds": round(wall, 2),
        "cpu_seconds_whole_process": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_memory_mb": round(peak_mb, 1),
        "time_limit_seconds": seconds,
    }
    print(json.dumps(summary, indent=2))
    _write("district", {"machine": _machine(), "summary": summary})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("part", choices=["solomon", "mankowska", "district"])
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--only", help="comma-separated instance names")
    parser.add_argument("--caregivers", type=int, default=200)
    parser.add_argument("--visits", type=int, default=2000)
    args = parser.parse_args()
    only = args.only.split(",") if args.only else None
    if args.part == "solomon":
        run_solomon(args.seconds or 10, only)
    elif args.part == "mankowska":
        run_mankowska(args.seconds or 30, only)
    else:
        run_district(args.seconds or 60, args.caregivers, args.visits)


if __name__ == "__main__":
    main()
