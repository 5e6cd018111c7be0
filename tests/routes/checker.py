"""An independent checker of returned plans, written from the problem statements, not from the engine.

It re-reads the instance files itself and recomputes every figure from the routes, as the external
contract checker does.
"""

from __future__ import annotations

import math
from pathlib import Path

EPS = 1e-6


def _solomon_nodes(path: Path) -> dict:
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    head = {row[0]: row[-1] for row in lines if len(row) >= 3 and row[1] == ":"}
    section, data = None, {"coords": {}, "demand": {}, "window": {}}
    for row in lines:
        if row[0].endswith("_SECTION"):
            section = row[0]
        elif section == "NODE_COORD_SECTION":
            data["coords"][int(row[0])] = (float(row[1]), float(row[2]))
        elif section == "DEMAND_SECTION":
            data["demand"][int(row[0])] = int(row[1])
        elif section == "TIME_WINDOW_SECTION":
            data["window"][int(row[0])] = (int(row[1]), int(row[2]))
    data["vehicles"] = int(head["VEHICLES"])
    data["capacity"] = int(head["CAPACITY"])
    data["service"] = int(head["SERVICE_TIME"])
    return data


def check_solomon(path: Path, answer: dict, exact_times: bool = False) -> list[str]:
    """Problems found in a Solomon answer; empty when the plan is feasible and its cost exact.

    Times are checked with the truncated distances (DIMACS) or, with ``exact_times``, the exact ones.
    """
    data = _solomon_nodes(path)
    problems = []
    customers = sorted(data["coords"])[1:]

    def truncated(a, b):
        (x1, y1), (x2, y2) = data["coords"][a], data["coords"][b]
        return math.floor(10 * math.hypot(x1 - x2, y1 - y2) + 1e-9) / 10

    def exact(a, b):
        (x1, y1), (x2, y2) = data["coords"][a], data["coords"][b]
        return math.hypot(x1 - x2, y1 - y2)

    travel = exact if exact_times else truncated
    seen = [c for route in answer["routes"] for c in route]
    if sorted(seen) != [c - 1 for c in customers]:
        problems.append("customers not each visited exactly once")
    if len(answer["routes"]) > data["vehicles"]:
        problems.append("more routes than vehicles")
    cost = 0.0
    for route in answer["routes"]:
        nodes = [1, *[c + 1 for c in route], 1]
        if sum(data["demand"][n] for n in nodes[1:-1]) > data["capacity"]:
            problems.append(f"route {route} over capacity")
        clock = data["window"][1][0]
        for a, b in zip(nodes, nodes[1:], strict=False):
            cost += truncated(a, b)
            service = data["service"] if a != 1 else 0
            clock = max(clock + service + travel(a, b), data["window"][b][0])
            if clock > data["window"][b][1] + EPS:
                problems.append(f"late at node {b} on route {route}")
    if abs(cost - answer["cost"]) > 1e-6:
        problems.append(f"cost {answer['cost']} but routes cost {cost}")
    return problems


def _mankowska(path: Path) -> dict:
    blocks: dict[str, list[list[float]]] = {}
    key = None
    for line in path.read_text().splitlines():
        row = line.split()
        if len(row) == 1 and row[0][0].isalpha():
            key = row[0]
            blocks[key] = []
        elif row:
            blocks[key].append([float(v) for v in row])
    return blocks


def check_mankowska(path: Path, answer: dict) -> list[str]:
    b = _mankowska(path)
    n, nv, ns = int(b["nbNodes"][0][0]), int(b["nbVehi"][0][0]), int(b["nbServi"][0][0])
    r, a, d, p = b["r"], b["a"], b["d"], b["p"]
    e, late = b["e"][0], b["l"][0]
    mind, maxd = b["mind"][0], b["maxd"][0]
    problems = []
    done: dict[tuple[int, int], tuple[int, float]] = {}
    distance = 0.0
    for route in answer["routes"]:
        v = route["vehicle"]
        prev, free_at = 0, 0.0
        for visit in route["visits"]:
            node, s, start = visit["node"], visit["service"], visit["start"]
            if not a[v][s]:
                problems.append(f"vehicle {v} not qualified for service {s}")
            if (node, s) in done:
                problems.append(f"node {node} service {s} twice")
            done[(node, s)] = (v, start)
            if start < e[node] - EPS:
                problems.append(f"node {node} started before its window")
            if start < free_at + d[prev][node] - EPS:
                problems.append(f"node {node} started before vehicle {v} could arrive")
            distance += d[prev][node]
            free_at = start + p[node * nv + v][s]
            prev = node
        distance += d[prev][0]
    required = {(i, s) for i in range(1, n - 1) for s in range(ns) if r[i][s]}
    if set(done) != required:
        problems.append("services done differ from services required")
    for i in range(1, n - 1):
        pair = sorted(s for s in range(ns) if r[i][s])
        if len(pair) == 2 and all((i, s) in done for s in pair):
            (v1, t1), (v2, t2) = done[(i, pair[0])], done[(i, pair[1])]
            if v1 == v2 and mind[i] == maxd[i] == 0:
                problems.append(f"node {i}: one vehicle cannot do two simultaneous services")
            if not (mind[i] - EPS <= t2 - t1 <= maxd[i] + EPS):
                problems.append(f"node {i}: services {t2 - t1} apart, allowed [{mind[i]}, {maxd[i]}]")
    tardiness = [max(0.0, t - late[i]) for (i, _s), (_v, t) in done.items()]
    figures = {
        "distance": distance,
        "tardiness": sum(tardiness),
        "max_tardiness": max(tardiness, default=0.0),
    }
    figures["objective"] = (figures["distance"] + figures["tardiness"] + figures["max_tardiness"]) / 3
    for name, value in figures.items():
        if abs(value - answer[name]) > 1e-6:
            problems.append(f"{name} {answer[name]} but the routes give {value}")
    return problems
