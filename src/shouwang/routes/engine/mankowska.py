"""Home care with synchronised services and qualifications (Mankowska, Meisel and Bierwirth 2014).

The file lists, by keyword: ``nbNodes`` (node 0 and node nbNodes-1 are the depot), ``nbVehi``,
``nbServi``, ``r`` (node x service requirements), ``DS`` (1-based numbers of the patients needing two
services), ``a`` (vehicle x service qualifications), ``x``, ``y``, ``d`` (distance = travel time),
``p`` (processing time, one row per node and vehicle), ``mind``/``maxd`` (the second service of a
double-service patient starts between mind and maxd after the first; 0/0 is simultaneous), ``e``/``l``
(the window; starting after ``l`` is tardiness, starting before ``e`` is not allowed).

Objective: (total distance + total tardiness + largest tardiness) / 3.

PyVRP has neither synchronisation nor tardiness, so this problem is solved by a search of our own
(see docs/decisions/0020-routes-engine.md): ruin-and-recreate over job sequences, each candidate timed
exactly by the earliest schedule that meets every route and every synchronisation constraint.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path


class FormatError(ValueError):
    """The file is not a Mankowska instance."""


KEYWORDS = ("nbNodes", "nbVehi", "nbServi", "r", "DS", "a", "x", "y", "d", "p", "mind", "maxd", "e", "l")


@dataclass
class MankowskaInstance:
    nodes: int
    vehicles: int
    services: int
    requires: list[list[int]]
    double: list[int]  # 0-based patient nodes with two services
    qualified: list[list[int]]
    x: list[float]
    y: list[float]
    distance: list[list[float]]
    processing: list[list[list[float]]]  # [node][vehicle][service]
    min_delay: list[float]
    max_delay: list[float]
    early: list[float]
    late: list[float]

    @property
    def patients(self) -> range:
        return range(1, self.nodes - 1)


def looks_like_mankowska(text: str) -> bool:
    return text.lstrip().startswith("nbNodes")


def read_mankowska(path: str | Path) -> MankowskaInstance:
    blocks: dict[str, list[list[str]]] = {}
    current = None
    for raw in Path(path).read_text().splitlines():
        tokens = raw.split()
        if not tokens:
            continue
        if len(tokens) == 1 and tokens[0] in KEYWORDS:
            current = tokens[0]
            blocks[current] = []
        elif current is None:
            raise FormatError("Mankowska file must start with a keyword such as nbNodes")
        else:
            blocks[current].append(tokens)
    missing = [k for k in KEYWORDS if k not in blocks]
    if missing:
        raise FormatError(f"Mankowska file lacks {', '.join(missing)}")
    n = int(blocks["nbNodes"][0][0])
    v = int(blocks["nbVehi"][0][0])
    s = int(blocks["nbServi"][0][0])

    def matrix(key, cast=float):
        return [[cast(t) for t in row] for row in blocks[key]]

    def vector(key):
        return [float(t) for row in blocks[key] for t in row]

    p_rows = matrix("p")
    if len(p_rows) != n * v:
        raise FormatError("the p section must have nbNodes x nbVehi rows")
    processing = [[p_rows[i * v + k] for k in range(v)] for i in range(n)]
    ds = [int(t) - 1 for row in blocks["DS"] for t in row]
    instance = MankowskaInstance(
        nodes=n,
        vehicles=v,
        services=s,
        requires=matrix("r", lambda t: int(float(t))),
        double=sorted(i for i in ds if 0 < i < n - 1),
        qualified=matrix("a", lambda t: int(float(t))),
        x=vector("x"),
        y=vector("y"),
        distance=matrix("d"),
        processing=processing,
        min_delay=vector("mind"),
        max_delay=vector("maxd"),
        early=vector("e"),
        late=vector("l"),
    )
    if len(instance.requires) != n or len(instance.qualified) != v or len(instance.distance) != n:
        raise FormatError("section sizes do not match nbNodes/nbVehi")
    return instance


# --- the search ----------------------------------------------------------------------------------------


@dataclass
class Jobs:
    """One job per (patient, required service); a double-service patient's two jobs are partners."""

    node: list[int] = field(default_factory=list)
    service: list[int] = field(default_factory=list)
    partner: list[int] = field(default_factory=list)  # -1 if none
    first: list[bool] = field(default_factory=list)  # the earlier of the two partners


def make_jobs(inst: MankowskaInstance) -> Jobs:
    jobs = Jobs()
    for i in inst.patients:
        needed = [s for s in range(inst.services) if inst.requires[i][s]]
        ids = []
        for s in needed:
            ids.append(len(jobs.node))
            jobs.node.append(i)
            jobs.service.append(s)
            jobs.partner.append(-1)
            jobs.first.append(False)
        if len(ids) == 2:
            a, b = ids
            jobs.partner[a], jobs.partner[b] = b, a
            jobs.first[a] = True
        elif len(ids) > 2:
            raise FormatError(f"patient {i} needs more than two services")
    return jobs


class Plan:
    """Routes of job ids per vehicle with their earliest feasible start times."""

    def __init__(self, inst: MankowskaInstance, jobs: Jobs):
        self.inst, self.jobs = inst, jobs
        self.routes: list[list[int]] = [[] for _ in range(inst.vehicles)]
        self.vehicle = [-1] * len(jobs.node)
        self.start = [0.0] * len(jobs.node)

    def copy(self) -> Plan:
        other = Plan.__new__(Plan)
        other.inst, other.jobs = self.inst, self.jobs
        other.routes = [list(r) for r in self.routes]
        other.vehicle = list(self.vehicle)
        other.start = list(self.start)
        return other

    # timing ------------------------------------------------------------------------------------------
    def _earliest(self, j: int, start) -> float:
        """Lower bound of job j's start from its predecessor, its window and its partner."""
        inst, jobs = self.inst, self.jobs
        node, k = jobs.node[j], self.vehicle[j]
        route = self.routes[k]
        at = route.index(j)
        if at == 0:
            ready = inst.distance[0][node]
        else:
            prev = route[at - 1]
            pn = jobs.node[prev]
            ready = start(prev) + inst.processing[pn][k][jobs.service[prev]] + inst.distance[pn][node]
        bound = max(inst.early[node], ready)
        mate = jobs.partner[j]
        if mate >= 0 and self.vehicle[mate] >= 0:
            if jobs.first[j]:
                bound = max(bound, start(mate) - inst.max_delay[node])
            else:
                bound = max(bound, start(mate) + inst.min_delay[node])
        return bound

    def _propagate(self, seeds, times: dict[int, float]) -> bool:
        """Raise start times from ``seeds`` until every constraint holds; False on a cycle (no schedule).

        ``times`` overlays ``self.start``: it holds the jobs whose start changed. Starts only ever rise,
        so this is a label-correcting longest-path computation; a positive cycle (two partners pushing
        each other forever) exhausts the budget and means no schedule exists.
        """

        def start(j):
            return times.get(j, self.start[j])

        queue = list(seeds)
        budget = 8 * len(self.jobs.node) + 64
        while queue:
            budget -= 1
            if budget < 0:
                return False
            j = queue.pop()
            value = self._earliest(j, start)
            if value <= start(j) + 1e-9:
                continue
            times[j] = value
            route = self.routes[self.vehicle[j]]
            at = route.index(j)
            if at + 1 < len(route):
                queue.append(route[at + 1])
            mate = self.jobs.partner[j]
            if mate >= 0 and self.vehicle[mate] >= 0:
                queue.append(mate)
        return True

    def schedule(self) -> bool:
        """Recompute every start from scratch (after removals times may fall)."""
        placed = [j for r in self.routes for j in r]
        times = {j: self.inst.early[self.jobs.node[j]] for j in placed}
        seeds = [r[i] for r in self.routes for i in range(len(r) - 1, -1, -1)]
        ok = self._propagate(seeds, times)
        if ok:
            for j, t in times.items():
                self.start[j] = t
        return ok

    # cost --------------------------------------------------------------------------------------------
    def distance(self) -> float:
        d = self.inst.distance
        total = 0.0
        for route in self.routes:
            prev = 0
            for j in route:
                node = self.jobs.node[j]
                total += d[prev][node]
                prev = node
            total += d[prev][0]
        return total

    def tardiness(self, j: int, t: float | None = None) -> float:
        return max(0.0, (self.start[j] if t is None else t) - self.inst.late[self.jobs.node[j]])

    def figures(self) -> tuple[float, float, float, float]:
        placed = [j for r in self.routes for j in r]
        tard = [self.tardiness(j) for j in placed]
        dist = self.distance()
        total, worst = sum(tard), max(tard, default=0.0)
        return (dist + total + worst) / 3, dist, total, worst

    # moves -------------------------------------------------------------------------------------------
    def remove(self, j: int) -> None:
        self.routes[self.vehicle[j]].remove(j)
        self.vehicle[j] = -1

    def may_serve(self, k: int, j: int) -> bool:
        if not self.inst.qualified[k][self.jobs.service[j]]:
            return False
        mate = self.jobs.partner[j]
        return mate < 0 or self.vehicle[mate] != k

    def try_insert(self, j: int, k: int, at: int, tard_sum: float, tard_max: float):
        """Cost increase of putting j at position ``at`` of route k, and the new times; None if impossible."""
        inst, jobs = self.inst, self.jobs
        route = self.routes[k]
        route.insert(at, j)
        self.vehicle[j] = k
        times = {j: inst.early[jobs.node[j]]}
        seeds = [j]
        if at + 1 < len(route):
            seeds.append(route[at + 1])
        if jobs.partner[j] >= 0 and self.vehicle[jobs.partner[j]] >= 0:
            seeds.append(jobs.partner[j])
        ok = self._propagate(seeds, times)
        route.pop(at)
        self.vehicle[j] = -1
        if not ok:
            return None
        d = inst.distance
        node = jobs.node[j]
        prev = jobs.node[route[at - 1]] if at > 0 else 0
        nxt = jobs.node[route[at]] if at < len(route) else 0
        delta_d = d[prev][node] + d[node][nxt] - d[prev][nxt]
        new_sum, new_max = tard_sum, tard_max
        for i, t in times.items():
            new_tard = self.tardiness(i, t)
            old_tard = 0.0 if i == j else self.tardiness(i)
            new_sum += new_tard - old_tard
            new_max = max(new_max, new_tard)
        delta = (delta_d + new_sum - tard_sum + new_max - tard_max) / 3
        return delta, times

    def insert_best(self, j: int, rng: random.Random) -> bool:
        placed = [i for r in self.routes for i in r]
        tard = [self.tardiness(i) for i in placed]
        tard_sum, tard_max = sum(tard), max(tard, default=0.0)
        best = None
        for k in range(self.inst.vehicles):
            if not self.may_serve(k, j):
                continue
            for at in range(len(self.routes[k]) + 1):
                trial = self.try_insert(j, k, at, tard_sum, tard_max)
                if trial is not None and (best is None or trial[0] < best[0] - 1e-9):
                    best = (trial[0], k, at, trial[1])
        if best is None:
            return False
        _, k, at, times = best
        self.routes[k].insert(at, j)
        self.vehicle[j] = k
        for i, t in times.items():
            self.start[i] = t
        return True


def _ruin(plan: Plan, rng: random.Random) -> list[int]:
    jobs, inst = plan.jobs, plan.inst
    n = len(jobs.node)
    size = rng.randint(2, max(3, min(12, n // 3)))
    seed = rng.randrange(n)
    if rng.random() < 0.5:
        sx, sy = inst.x[jobs.node[seed]], inst.y[jobs.node[seed]]
        order = sorted(
            range(n), key=lambda j: math.hypot(inst.x[jobs.node[j]] - sx, inst.y[jobs.node[j]] - sy)
        )
    elif rng.random() < 0.5:
        late = inst.late[jobs.node[seed]]
        order = sorted(range(n), key=lambda j: abs(inst.late[jobs.node[j]] - late))
    else:
        order = list(range(n))
        rng.shuffle(order)
    removed: list[int] = []
    for j in order:
        if len(removed) >= size:
            break
        for i in (j, jobs.partner[j]):
            if i >= 0 and plan.vehicle[i] >= 0:
                plan.remove(i)
                removed.append(i)
    return removed


def _recreate(plan: Plan, removed: list[int], rng: random.Random) -> bool:
    inst, jobs = plan.inst, plan.jobs
    mode = rng.random()
    if mode < 0.4:
        removed.sort(key=lambda j: inst.late[jobs.node[j]] + rng.uniform(-20, 20))
    elif mode < 0.7:
        rng.shuffle(removed)
    else:  # the hardest first: fewest qualified vehicles, double services
        removed.sort(
            key=lambda j: (
                sum(row[jobs.service[j]] for row in inst.qualified),
                jobs.partner[j] < 0,
                rng.random(),
            )
        )
    # partners go in one after the other so the second is placed knowing the first's time
    ordered: list[int] = []
    for j in removed:
        if j in ordered:
            continue
        ordered.append(j)
        mate = jobs.partner[j]
        if mate in removed and mate not in ordered:
            ordered.append(mate)
    plan.schedule()
    return all(plan.insert_best(j, rng) for j in ordered)


def solve_mankowska(inst: MankowskaInstance, seconds: float, seed: int = 1) -> Plan:
    rng = random.Random(seed)
    jobs = make_jobs(inst)
    deadline = time.monotonic() + seconds
    current = None
    for _attempt in range(50):
        plan = Plan(inst, jobs)
        if _recreate(plan, list(range(len(jobs.node))), rng) and plan.schedule():
            current = plan
            break
    if current is None:
        raise RuntimeError("no plan meets the qualifications and synchronisations")
    current_cost = current.figures()[0]
    best, best_cost = current.copy(), current_cost
    started = time.monotonic()
    while time.monotonic() < deadline:
        trial = current.copy()
        removed = _ruin(trial, rng)
        if not _recreate(trial, removed, rng) or not trial.schedule():
            continue
        cost = trial.figures()[0]
        progress = (time.monotonic() - started) / max(seconds, 1e-9)
        threshold = 0.03 * (1 - progress) * rng.random()
        if cost < current_cost * (1 + threshold) - 1e-9 or cost <= current_cost:
            current, current_cost = trial, cost
            if cost < best_cost - 1e-9:
                best, best_cost = trial.copy(), cost
    best.schedule()
    return best


def plan_as_json(plan: Plan) -> dict:
    objective, distance, tardiness, worst = plan.figures()
    return {
        "format": "mankowska",
        "objective": objective,
        "distance": distance,
        "tardiness": tardiness,
        "max_tardiness": worst,
        "routes": [
            {
                "vehicle": k,
                "visits": [
                    {"node": plan.jobs.node[j], "service": plan.jobs.service[j], "start": plan.start[j]}
                    for j in route
                ],
            }
            for k, route in enumerate(plan.routes)
        ],
    }
