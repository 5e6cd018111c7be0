"""A provider's (or a district's) day: caregivers with shifts, skills and homes; visits with windows,
durations, required skills, and some that need two caregivers at once. Planned with PyVRP by
decomposition (docs/decisions/0020-routes-engine.md):

1. double visits are placed first, each on two qualified caregivers at one fixed start;
2. a placed double visit cuts each of its caregivers' shifts into segments that end and start at the
   elder's home, which becomes a depot; one PyVRP vehicle type per segment;
3. skills are routing profiles: one per distinct skill set, arcs into a visit the set cannot do are
   prohibitively long;
4. every visit is an optional client with a large prize; what is left out is reported with a reason.

Times are whole seconds from midnight. Travel comes from a matrix (seconds) or from coordinates:
great-circle distance x detour factor / speed of the caregiver's mode.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EARTH_RADIUS_M = 6_371_000
FORBIDDEN = 10**8  # seconds: an arc nobody will drive
PRIZE = 10**7  # worth more than any detour, so a visit is left out only when it cannot fit

NO_QUALIFIED = "no caregiver has the skills"
NO_SHIFT = "outside every qualified caregiver's shift"
NO_PAIR = "no two qualified caregivers free at the same time"
NO_ROOM = "no room in any qualified caregiver's day"


@dataclass(frozen=True)
class Caregiver:
    key: int
    lat: float
    lon: float
    shifts: tuple[tuple[int, int], ...]  # one or more ranges; the gap between two is the lunch break
    skills: frozenset[str] = frozenset()
    mode: str = "bike"


@dataclass(frozen=True)
class Visit:
    key: int
    lat: float
    lon: float
    early: int  # earliest start
    late: int  # latest start
    duration: int
    skills: frozenset[str] = frozenset()
    double: bool = False
    preferred: int | None = None  # the caregiver the elder had before


@dataclass
class Day:
    caregivers: list[Caregiver]
    visits: list[Visit]
    speeds: dict[str, float] = field(default_factory=lambda: {"walk": 1.2, "bike": 4.0, "car": 8.0})  # m/s
    detour: float = 1.3
    matrix: Callable[[tuple[float, float], tuple[float, float], str], int] | None = None

    def travel(self, a: tuple[float, float], b: tuple[float, float], mode: str) -> int:
        if self.matrix is not None:
            return self.matrix(a, b, mode)
        return math.ceil(great_circle_m(a, b) * self.detour / self.speeds[mode])


@dataclass(frozen=True)
class Stop:
    visit: int
    start: int
    end: int


@dataclass
class DayPlan:
    routes: dict[int, list[Stop]]
    unassigned: dict[int, str]
    travel_seconds: int = 0

    @property
    def travel_minutes(self) -> float:
        return self.travel_seconds / 60

    def check(self, day: Day) -> list[str]:
        """Every rule of the day, checked from the stops alone."""
        return check_day_plan(day, self)


def great_circle_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _great_circle_matrix(points: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(points[:, 0]), np.radians(points[:, 1])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _can_do(c: Caregiver, v: Visit) -> bool:
    return v.skills <= c.skills


def _in_shift(c: Caregiver, v: Visit) -> bool:
    return any(max(a, v.early) + v.duration <= b and v.late >= a for a, b in c.shifts)


# --- step 1: double visits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Appointment:
    visit: Visit
    start: int

    @property
    def end(self) -> int:
        return self.start + self.visit.duration


def _fits(day: Day, c: Caregiver, booked: list[Appointment], v: Visit, start: int) -> bool:
    """Whether c can be at v from ``start`` given its other fixed appointments, shift and travel."""
    here = (v.lat, v.lon)
    home = (c.lat, c.lon)
    leave, back = start - day.travel(home, here, c.mode), start + v.duration + day.travel(here, home, c.mode)
    if not any(a <= leave and back <= b for a, b in c.shifts):
        return False
    for other in booked:
        there = (other.visit.lat, other.visit.lon)
        if other.start <= start and other.end + day.travel(there, here, c.mode) > start:
            return False
        if other.start > start and start + v.duration + day.travel(here, there, c.mode) > other.start:
            return False
    return True


def place_double_visits(
    day: Day, unassigned: dict[int, str], latest_first: bool = False
) -> dict[int, list[Appointment]]:
    """Each double visit on the two nearest qualified caregivers free at its earliest (or, with
    ``latest_first``, its latest) possible start, trying starts 15 minutes apart."""
    booked: dict[int, list[Appointment]] = {c.key: [] for c in day.caregivers}
    pairs: dict[int, list[int]] = {}
    for v in sorted((v for v in day.visits if v.double), key=lambda v: (v.late, v.early)):
        able = [c for c in day.caregivers if _can_do(c, v) and _in_shift(c, v)]
        if len(able) < 2:
            unassigned[v.key] = NO_QUALIFIED if sum(_can_do(c, v) for c in day.caregivers) < 2 else NO_SHIFT
            continue
        # the nearest first, the elder's own caregiver before everyone
        able.sort(key=lambda c: (c.key != v.preferred, great_circle_m((c.lat, c.lon), (v.lat, v.lon))))
        chosen = None
        starts = list(range(v.early, v.late + 1, 15 * 60))
        if v.late not in starts:
            starts.append(v.late)
        for start in reversed(starts) if latest_first else starts:
            free = [c for c in able if _fits(day, c, booked[c.key], v, start)]
            if len(free) >= 2:
                chosen = (start, free[:2])
                break
        if chosen is None:
            unassigned[v.key] = NO_PAIR
            continue
        start, two = chosen
        for c in two:
            booked[c.key].append(Appointment(v, start))
        pairs[v.key] = [c.key for c in two]
    for appointments in booked.values():
        appointments.sort(key=lambda a: a.start)
    return booked


# --- steps 2 to 4: PyVRP on shift segments ----------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    caregiver: Caregiver
    start_point: tuple[float, float]
    end_point: tuple[float, float]
    earliest: int
    latest: int


def _segments(c: Caregiver, appointments: list[Appointment]) -> list[Segment]:
    """Each shift range runs from the home base and back; fixed appointments cut it further."""
    home = (c.lat, c.lon)
    segments = []
    for first, last in c.shifts:
        starts, ends = [(home, first)], []
        for a in appointments:
            if first <= a.start and a.end <= last:
                ends.append(((a.visit.lat, a.visit.lon), a.start))
                starts.append(((a.visit.lat, a.visit.lon), a.end))
        ends.append((home, last))
        segments += [
            Segment(c, start_point, end_point, earliest, latest)
            for (start_point, earliest), (end_point, latest) in zip(starts, ends, strict=True)
            if latest > earliest
        ]
    return segments


def plan_day(day: Day, seconds: float, seed: int = 1) -> DayPlan:
    """Plan the whole day within ``seconds`` of wall time (preparation included).

    Where the double visits' greedy placement at their earliest start leaves visits out, the day is
    planned again with them at their latest start, and the better plan (fewer visits left out, then less
    travel) is kept: the repair step of decision 0020."""
    started = time.monotonic()
    if not any(v.double for v in day.visits):
        return _plan_day(day, seconds, seed, latest_first=False)
    first = _plan_day(day, seconds / 2, seed, latest_first=False)
    if not first.unassigned:
        return first
    second = _plan_day(day, max(1.0, seconds - (time.monotonic() - started)), seed, latest_first=True)
    return min((first, second), key=lambda p: (len(p.unassigned), p.travel_seconds))


def _plan_day(day: Day, seconds: float, seed: int, latest_first: bool) -> DayPlan:
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType, solve
    from pyvrp.stop import MaxRuntime

    started = time.monotonic()
    unassigned: dict[int, str] = {}
    booked = place_double_visits(day, unassigned, latest_first)
    singles = []
    for v in day.visits:
        if v.double:
            continue
        if not any(_can_do(c, v) for c in day.caregivers):
            unassigned[v.key] = NO_QUALIFIED
        elif not any(_can_do(c, v) and _in_shift(c, v) for c in day.caregivers):
            unassigned[v.key] = NO_SHIFT
        else:
            singles.append(v)
    segments = [s for c in day.caregivers for s in _segments(c, booked[c.key])]

    # locations: segment ends (depots) first, then the single visits
    depot_points = sorted({s.start_point for s in segments} | {s.end_point for s in segments})
    depot_index = {p: i for i, p in enumerate(depot_points)}
    points = np.array(depot_points + [(v.lat, v.lon) for v in singles], dtype=float).reshape(-1, 2)
    metres = _great_circle_matrix(points) * day.detour if len(points) else np.zeros((0, 0))
    skill_sets = sorted({c.skills for c in day.caregivers}, key=sorted)
    modes = sorted({c.mode for c in day.caregivers})
    profiles: dict[tuple[frozenset[str], str], int] = {}
    matrices: list[Any] = []  # int64 square arrays, one per profile
    n_depots = len(depot_points)
    for skills in skill_sets:
        for mode in modes:
            if day.matrix is None:
                seconds_matrix = np.ceil(metres / day.speeds[mode]).astype(np.int64)
            else:
                seconds_matrix = np.array(
                    [[day.matrix(tuple(a), tuple(b), mode) for b in points] for a in points], dtype=np.int64
                )
            unable = [n_depots + i for i, v in enumerate(singles) if not v.skills <= skills]
            seconds_matrix[:, unable] = FORBIDDEN
            np.fill_diagonal(seconds_matrix, 0)
            profiles[(skills, mode)] = len(matrices)
            matrices.append(seconds_matrix)
    locations = [Location(float(lon), float(lat)) for lat, lon in points]
    depots = [Depot(i) for i in range(n_depots)]
    clients = [
        Client(
            n_depots + i,
            service_duration=v.duration,
            tw_early=v.early,
            tw_late=v.late,
            prize=PRIZE,
            required=False,
        )
        for i, v in enumerate(singles)
    ]
    vehicle_types = [
        VehicleType(
            1,
            start_depot=depot_index[s.start_point],
            end_depot=depot_index[s.end_point],
            tw_early=s.earliest,
            tw_late=s.latest,
            profile=profiles[(s.caregiver.skills, s.caregiver.mode)],
            name=str(s.caregiver.key),
        )
        for s in segments
    ]
    routes: dict[int, list[Stop]] = {c.key: [] for c in day.caregivers}
    for c in day.caregivers:
        for a in booked[c.key]:
            routes[c.key].append(Stop(a.visit.key, a.start, a.end))
    served: set[int] = set()
    if singles and vehicle_types:
        data = ProblemData(locations, clients, depots, vehicle_types, matrices, matrices)
        del matrices  # ProblemData holds its own copies
        budget = max(1.0, seconds - (time.monotonic() - started) - 1.0)  # a second kept for the answer
        result = solve(data, stop=MaxRuntime(budget), seed=seed, display=False)
        for route in result.best.routes():
            caregiver = segments[route.vehicle_type()].caregiver
            for act in route.schedule():
                if act.is_client():
                    v = singles[act.idx]
                    routes[caregiver.key].append(Stop(v.key, int(act.start_time), int(act.end_time)))
                    served.add(v.key)
    for v in singles:
        if v.key not in served:
            unassigned[v.key] = NO_ROOM
    for stops in routes.values():
        stops.sort(key=lambda s: s.start)
    _retime(day, routes, unassigned, {a.visit.key: a.start for c in booked.values() for a in c})
    plan = DayPlan(routes=routes, unassigned=unassigned)
    plan.travel_seconds = _travel(day, plan)
    return plan


def _retime(
    day: Day, routes: dict[int, list[Stop]], unassigned: dict[int, str], fixed: dict[int, int]
) -> None:
    """Time every route again from its order, dropping a visit that cannot be reached in time.

    PyVRP returns its best plan when the time runs out even if that plan still has time warp (arriving
    after a window closes); on a starved machine that happens. Each caregiver's visits are re-timed at
    their earliest starts in the order found, fixed double visits always kept, and a single visit that no
    longer fits is left out (``NO_ROOM``), so a returned plan is always feasible."""
    by_key = {v.key: v for v in day.visits}
    for c in day.caregivers:
        stops = routes.get(c.key, [])
        if not stops:
            continue
        kept = [by_key[s.visit] for s in stops if s.visit in fixed]
        timed = _timed(day, c, kept, fixed) or []
        order = {s.visit: i for i, s in enumerate(stops)}
        for s in stops:
            if s.visit in fixed:
                continue
            v = by_key[s.visit]
            trial = sorted([*kept, v], key=lambda x: order[x.key])
            attempt = _timed(day, c, trial, fixed)
            if attempt is None:
                unassigned[v.key] = NO_ROOM
            else:
                kept, timed = trial, attempt
        routes[c.key] = timed


def _travel(day: Day, plan: DayPlan) -> int:
    by_key = {v.key: v for v in day.visits}
    total = 0
    for c in day.caregivers:
        stops = plan.routes.get(c.key, [])
        if not stops:
            continue
        path = [(c.lat, c.lon), *[(by_key[s.visit].lat, by_key[s.visit].lon) for s in stops], (c.lat, c.lon)]
        total += sum(day.travel(a, b, c.mode) for a, b in zip(path, path[1:], strict=False))
    return total


def check_day_plan(day: Day, plan: DayPlan) -> list[str]:
    by_key = {v.key: v for v in day.visits}
    problems: list[str] = []
    seen: dict[int, list[tuple[int, int]]] = {}
    for c in day.caregivers:
        stops = plan.routes.get(c.key, [])
        for first, last in c.shifts:
            here, free_at = (c.lat, c.lon), first
            for stop in stops:
                if not first <= stop.start < last:
                    continue
                v = by_key[stop.visit]
                there = (v.lat, v.lon)
                seen.setdefault(v.key, []).append((c.key, stop.start))
                if not v.skills <= c.skills:
                    problems.append(f"caregiver {c.key} lacks skills for visit {v.key}")
                if stop.start < free_at + day.travel(here, there, c.mode):
                    problems.append(f"caregiver {c.key} cannot reach visit {v.key} by {stop.start}")
                if not v.early <= stop.start <= v.late:
                    problems.append(f"visit {v.key} starts outside its window")
                if stop.end != stop.start + v.duration:
                    problems.append(f"visit {v.key} has the wrong length")
                here, free_at = there, stop.end
            if free_at + day.travel(here, (c.lat, c.lon), c.mode) > last:
                problems.append(f"caregiver {c.key} home after the shift ends at {last}")
        if any(not any(a <= stop.start < b for a, b in c.shifts) for stop in stops):
            problems.append(f"caregiver {c.key} has a visit outside the shifts")
    for v in day.visits:
        done = seen.get(v.key, [])
        wanted = 0 if v.key in plan.unassigned else (2 if v.double else 1)
        if len(done) != wanted:
            problems.append(f"visit {v.key} served {len(done)} times, expected {wanted}")
        if v.double and len(done) == 2 and (done[0][0] == done[1][0] or done[0][1] != done[1][1]):
            problems.append(f"double visit {v.key} not two caregivers at one time")
    return problems


def generate_district_day(caregivers: int, visits: int, seed: int = 7) -> Day:
    """A synthetic district: homes within ~6 km, day and half-day shifts, three skill levels, 5 % double."""
    rng = random.Random(seed)
    centre = (43.85, 126.55)

    def point():
        return (centre[0] + rng.uniform(-0.05, 0.05), centre[1] + rng.uniform(-0.07, 0.07))

    levels = [frozenset({"care"}), frozenset({"care", "bath"}), frozenset({"care", "bath", "nurse"})]
    people = []
    for key in range(caregivers):
        lat, lon = point()
        start = rng.choice([7, 8, 8, 9]) * 3600
        shifts = ((start, start + 4 * 3600), (start + 5 * 3600, start + 9 * 3600))  # an hour for lunch
        mode = rng.choice(["bike", "bike", "car"])
        people.append(Caregiver(key, lat, lon, shifts, rng.choice(levels), mode))
    jobs = []
    for key in range(visits):
        lat, lon = point()
        early = rng.randrange(8 * 3600, 16 * 3600, 900)
        double = rng.random() < 0.05
        skills = (
            frozenset({"care", "bath"})
            if double
            else rng.choice([levels[0], levels[0], levels[1], levels[2]])
        )
        jobs.append(
            Visit(
                key,
                lat,
                lon,
                early,
                early + rng.choice([1, 2, 3]) * 3600,
                rng.choice([20, 30, 30, 45]) * 60,
                skills,
                double,
                preferred=rng.randrange(caregivers),
            )
        )
    return Day(people, jobs)


# --- re-planning --------------------------------------------------------------------------------------------


def _timed(day: Day, c: Caregiver, visits: list[Visit], fixed: dict[int, int]) -> list[Stop] | None:
    """Earliest starts for ``visits`` in this order on c's shifts (double visits keep their fixed start);
    None when the order does not fit."""
    stops: list[Stop] = []
    home = (c.lat, c.lon)
    shift = 0
    here, free_at = home, c.shifts[0][0]
    for v in visits:
        there = (v.lat, v.lon)
        while True:
            first, last = c.shifts[shift]
            start = max(free_at + day.travel(here, there, c.mode), v.early)
            if v.key in fixed:
                start = fixed[v.key] if start <= fixed[v.key] else start + 10**9  # cannot be late for it
            if start <= v.late and start + v.duration + day.travel(there, home, c.mode) <= last:
                break
            shift += 1  # go home and take it after the break, in the next range
            if shift == len(c.shifts):
                return None
            here, free_at = home, c.shifts[shift][0]
        stops.append(Stop(v.key, start, start + v.duration))
        here, free_at = there, start + v.duration
    return stops


def _route_travel(day: Day, c: Caregiver, visits: list[Visit]) -> int:
    path = [(c.lat, c.lon), *[(v.lat, v.lon) for v in visits], (c.lat, c.lon)]
    return sum(day.travel(a, b, c.mode) for a, b in zip(path, path[1:], strict=False))


def replan_day(
    day: Day,
    previous: DayPlan,
    *,
    absent: frozenset[int] | set[int] = frozenset(),
    dropped: frozenset[int] | set[int] = frozenset(),
) -> DayPlan:
    """Re-plan after a sick call (``absent`` caregivers), cancellations (``dropped`` visits) and visits of
    ``day`` that the previous plan does not know (added). Routes that need not change stay as they were:
    a cancelled visit simply leaves its route; the absent caregivers' visits and the added ones are put,
    one by one, where they add the least travel, which touches only the routes that receive them."""
    by_key = {v.key: v for v in day.visits}
    people = {c.key: c for c in day.caregivers}
    routes: dict[int, list[Stop]] = {}
    loose: list[Visit] = []
    fixed: dict[int, int] = {}
    for key, stops in previous.routes.items():
        kept = [s for s in stops if s.visit not in dropped and s.visit in by_key]
        if key in absent or key not in people:
            loose += [by_key[s.visit] for s in kept if not by_key[s.visit].double]
            continue
        routes[key] = kept
        fixed.update({s.visit: s.start for s in kept if by_key[s.visit].double})
    # a double visit whose partner is away is re-placed whole
    for v in day.visits:
        holders = [k for k, stops in routes.items() if any(s.visit == v.key for s in stops)]
        if v.double and len(holders) == 1 and v.key not in dropped:
            routes[holders[0]] = [s for s in routes[holders[0]] if s.visit != v.key]
            fixed.pop(v.key, None)
            loose.append(v)
    known = {s.visit for stops in previous.routes.values() for s in stops} | set(previous.unassigned)
    loose += [v for v in day.visits if v.key not in known and v.key not in dropped]
    unassigned = {k: r for k, r in previous.unassigned.items() if k not in dropped}
    for v in sorted(loose, key=lambda v: (v.late, v.early)):
        unassigned.pop(v.key, None)
        if v.double:
            if not _place_double_into(day, routes, people, by_key, fixed, v):
                unassigned[v.key] = NO_PAIR
            continue
        best = None
        for key, stops in routes.items():
            c = people[key]
            if not _can_do(c, v):
                continue
            current = [by_key[s.visit] for s in stops]
            base = _route_travel(day, c, current)
            for at in range(len(current) + 1):
                trial = [*current[:at], v, *current[at:]]
                timed = _timed(day, c, trial, fixed)
                if timed is not None:
                    added = _route_travel(day, c, trial) - base
                    if best is None or added < best[0]:
                        best = (added, key, timed)
        if best is None:
            unassigned[v.key] = NO_ROOM if any(_can_do(c, v) for c in people.values()) else NO_QUALIFIED
        else:
            routes[best[1]] = best[2]
    plan = DayPlan(
        routes={**{c.key: [] for c in day.caregivers if c.key not in absent}, **routes}, unassigned=unassigned
    )
    plan.travel_seconds = _travel(day, plan)
    return plan


def _place_double_into(day, routes, people, by_key, fixed, v: Visit) -> bool:
    """Two caregivers at one start for a re-placed double visit, each at the cheapest spot in its route."""
    for start in range(v.early, v.late + 1, 15 * 60):
        options = []
        for key, stops in routes.items():
            c = people[key]
            if not _can_do(c, v) or any(s.visit == v.key for s in stops):
                continue
            current = [by_key[s.visit] for s in stops]
            trials = [[*current[:at], v, *current[at:]] for at in range(len(current) + 1)]
            timed = [t for t in (_timed(day, c, trial, {**fixed, v.key: start}) for trial in trials) if t]
            if timed:
                cheapest = min(timed, key=lambda t: _route_travel(day, c, [by_key[s.visit] for s in t]))
                options.append((_route_travel(day, c, [by_key[s.visit] for s in cheapest]), key, cheapest))
        if len(options) >= 2:
            options.sort(key=lambda o: o[0])
            for _added, key, timed_stops in options[:2]:
                routes[key] = timed_stops
            fixed[v.key] = start
            return True
    return False
