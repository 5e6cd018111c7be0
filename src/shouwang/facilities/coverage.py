"""The 15-minute service circle (15分钟养老圈): which elders live within a walk of a facility, and where
new facilities would reach the most of those who do not.

Reach is a straight-line radius: ``minutes × walking speed ÷ detour factor`` (settings; by default 15 min
at 67 m/min along streets, 1.3 times the straight line, about 770 m). Distances are equirectangular at the
elder's latitude, within 0.1 % of the great circle (``core.geo.distance_m``) at these few hundred
metres, and far cheaper: a million elders are checked in seconds. Points are bucketed in a grid of
``reach``-sized cells, so each elder is compared only with the facilities of the nine cells around it.

Site choice is the maximal covering location problem (MCLP): choose ``k`` candidate sites that together
reach the most uncovered elders. It is solved as an integer programme by HiGHS (``highspy``; decision 0016):
x_j = 1 opens candidate j, y_i = 1 counts demand point i as reached, with sum x_j = k, y_i <= sum of the
x_j that reach i, maximising sum w_i y_i. A demand point is every group of elders reached by exactly the
same candidates, weighted by how many they are, so a million elders make only a few thousand rows. The
greedy choice (each step adds the site that reaches the most elders not yet reached, evaluated lazily) is
the solver's starting point, so even when ``SHOUWANG_SITE_SOLVER_SECONDS`` runs out the suggestion is never
worse than it.

Where the bureau has walking times from a routing engine (``SHOUWANG_WALK_TIMES = "matrix"``; see
``travel``), a :class:`TravelMatrix` replaces the straight line: an elder is reached when the matrix's
walk from the elder's small H3 cell to the facility is within the minutes. A pair the matrix lacks falls
back to the straight line × detour, and the elder is counted as ``estimated``, so the page and the API
say how much of the answer is an estimate.

The functions here work on plain tuples, so the benchmark and tests call them without a database; the
selector ``coverage_for`` reads the scoped registry into them.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import h3
import highspy
import numpy as np
from django.conf import settings
from highspy._core import _Highs

from .fields import SERVICE_CODES

METRES_PER_DEGREE = math.pi * 6_371_008.8 / 180
ANY = "any"
# The map's density hexagons: H3 resolution 8, edges of about 530 m and 0.74 km² each, so a 15-minute
# circle (about 770 m across the radius) spans a few of them; resolution 9 (200 m) makes a district's layer
# tens of thousands of cells.
DENSITY_RESOLUTION = 8
# The travel matrix's origins: H3 resolution 10 cells (edges of about 66 m, 0.015 km²), small enough that
# the walk from the cell's centre stands for the walk from every home in it.
MATRIX_RESOLUTION = 10

log = logging.getLogger(__name__)


def reach_metres(minutes: float) -> float:
    """The straight-line radius an elder walks in ``minutes`` (settings: speed and detour factor)."""
    return minutes * settings.SHOUWANG_WALK_METRES_PER_MINUTE / settings.SHOUWANG_DETOUR_FACTOR


@dataclass(frozen=True)
class Site:
    """A facility (or a candidate site) on the map, with the services it offers. ``target`` names it in
    the travel matrix: ``facility:<id>`` for a facility (an integer key), else its key
    (``community:<code>``)."""

    key: int | str
    lat: float
    lon: float
    services: frozenset = frozenset()
    label: str = ""
    target: str = field(init=False, default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", self.key if isinstance(self.key, str) else f"facility:{self.key}")


@dataclass(frozen=True)
class TravelMatrix:
    """Walking times from a routing engine: ``seconds[(origin cell, target)]`` (``math.inf`` where the
    engine found no route), the longest walk that counts (``limit_s``), and ``bound_m``, the farthest in a
    straight line such a walk can end (a street is never shorter than the straight line), beyond which no
    pair is looked at."""

    seconds: Mapping[tuple[str, str], float]
    limit_s: float
    bound_m: float
    resolution: int = MATRIX_RESOLUTION

    def origin(self, lat: float, lon: float) -> str:
        return h3.latlng_to_cell(lat, lon, self.resolution)


@dataclass(frozen=True)
class Person:
    key: int
    community: str
    lat: float
    lon: float
    alone: bool = False
    disabled: bool = False


@dataclass
class CommunityCoverage:
    community: str
    elders: int = 0
    covered: int = 0
    alone: int = 0
    alone_covered: int = 0
    disabled: int = 0
    disabled_covered: int = 0
    # elders whose answer rests on at least one straight-line estimate (a pair missing from the matrix)
    estimated: int = 0
    by_service: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return round(self.covered / self.elders, 4) if self.elders else 0.0

    def service_share(self, code: str) -> float:
        return round(self.by_service.get(code, 0) / self.elders, 4) if self.elders else 0.0


class _Grid:
    """Points bucketed in square cells of ``cell_m`` metres (x scaled at one reference latitude)."""

    def __init__(self, cell_m: float, lat0: float):
        self.cell = cell_m
        self.kx = METRES_PER_DEGREE * math.cos(math.radians(lat0))
        self.buckets: dict[tuple[int, int], list] = defaultdict(list)
        self._around: dict[tuple[int, int], list] = {}

    def key(self, lat: float, lon: float) -> tuple[int, int]:
        return int(math.floor(lon * self.kx / self.cell)), int(
            math.floor(lat * METRES_PER_DEGREE / self.cell)
        )

    def add(self, lat: float, lon: float, item) -> None:
        self.buckets[self.key(lat, lon)].append(item)

    def near(self, lat: float, lon: float) -> list:
        """Everything in the cell of (lat, lon) and the eight around it: one list per cell, made once."""
        key = self.key(lat, lon)
        found = self._around.get(key)
        if found is None:
            cx, cy = key
            buckets = self.buckets
            found = [
                item for dx in (-1, 0, 1) for dy in (-1, 0, 1) for item in buckets.get((cx + dx, cy + dy), ())
            ]
            self._around[key] = found
        return found


def within(lat1: float, lon1: float, lat2: float, lon2: float, reach_sq: float) -> bool:
    """Whether two points are at most ``sqrt(reach_sq)`` metres apart (equirectangular at the first)."""
    dy = (lat1 - lat2) * METRES_PER_DEGREE
    dx = (lon1 - lon2) * METRES_PER_DEGREE * math.cos(math.radians(lat1))
    return dx * dx + dy * dy <= reach_sq


def _reference_latitude(points: Sequence) -> float:
    return sum(p.lat for p in points) / len(points) if points else 0.0


def compute(
    people: Sequence[Person],
    sites: Sequence[Site],
    reach_m: float,
    *,
    services: Sequence[str] = SERVICE_CODES,
    matrix: TravelMatrix | None = None,
) -> tuple[dict[str, CommunityCoverage], list[Person]]:
    """Coverage per community (any facility, and per service), and the people no facility reaches; by the
    walking times of ``matrix`` where it has the pair, else by the straight-line ``reach_m``."""
    bound_m = max(reach_m, matrix.bound_m) if matrix else reach_m
    grid = _Grid(bound_m, _reference_latitude(people) if people else 0.0)
    for site in sites:
        grid.add(site.lat, site.lon, site)
    reach_sq, bound_sq = reach_m * reach_m, bound_m * bound_m
    times = matrix.seconds if matrix else None
    limit_s = matrix.limit_s if matrix else 0.0
    origin = ""
    wanted = frozenset(services)
    result: dict[str, CommunityCoverage] = {}
    uncovered: list[Person] = []
    for person in people:
        row = result.get(person.community)
        if row is None:
            row = result[person.community] = CommunityCoverage(
                person.community, by_service=dict.fromkeys(services, 0)
            )
        row.elders += 1
        row.alone += person.alone
        row.disabled += person.disabled
        reached = guessed = False
        offered: set[str] = set()
        lat, lon = person.lat, person.lon
        kx = METRES_PER_DEGREE * math.cos(math.radians(lat))
        if matrix is not None:
            origin = matrix.origin(lat, lon)
        # the distance test of ``within``, inlined: this loop runs a million times
        for site in grid.near(lat, lon):
            dy = (lat - site.lat) * METRES_PER_DEGREE
            dx = (lon - site.lon) * kx
            d_sq = dx * dx + dy * dy
            if d_sq > bound_sq:
                continue
            if times is not None:
                walk = times.get((origin, site.target))
                if walk is None:
                    guessed = True
                    if d_sq > reach_sq:
                        continue
                elif walk > limit_s:
                    continue
            reached = True
            offered |= site.services
            if offered >= wanted:
                break
        row.estimated += guessed
        if not reached:
            uncovered.append(person)
            continue
        row.covered += 1
        row.alone_covered += person.alone
        row.disabled_covered += person.disabled
        for code in offered & wanted:
            row.by_service[code] += 1
    return result, uncovered


def cluster_candidates(people: Sequence[Person], cell_m: float) -> list[Site]:
    """Candidate sites at the centres of the uncovered elders in each grid cell (clusters of need)."""
    grid = _Grid(cell_m, _reference_latitude(people))
    for person in people:
        grid.add(person.lat, person.lon, person)
    sites = []
    for (cx, cy), members in sorted(grid.buckets.items()):
        lat = sum(p.lat for p in members) / len(members)
        lon = sum(p.lon for p in members) / len(members)
        sites.append(Site(key=f"cell:{cx}:{cy}", lat=round(lat, 6), lon=round(lon, 6)))
    return sites


def _reaches(
    people: Sequence[Person],
    candidates: Sequence[Site],
    reach_m: float,
    matrix: TravelMatrix | None = None,
) -> tuple[list[frozenset[int]], list[int]]:
    """Whom each candidate reaches (indices into ``people``), and how many of them only by a straight-line
    estimate, the matrix lacking the pair."""
    bound_m = max(reach_m, matrix.bound_m) if matrix else reach_m
    grid = _Grid(bound_m, _reference_latitude(people) if people else 0.0)
    for index, person in enumerate(people):
        grid.add(person.lat, person.lon, index)
    reach_sq, bound_sq = reach_m * reach_m, bound_m * bound_m
    origins = [matrix.origin(p.lat, p.lon) for p in people] if matrix else []
    sets, estimated = [], []
    for site in candidates:
        members, guessed = set(), 0
        for i in grid.near(site.lat, site.lon):
            person = people[i]
            if not within(site.lat, site.lon, person.lat, person.lon, bound_sq):
                continue
            if matrix is not None:
                walk = matrix.seconds.get((origins[i], site.target))
                if walk is None:
                    if not within(site.lat, site.lon, person.lat, person.lon, reach_sq):
                        continue
                    guessed += 1
                elif walk > matrix.limit_s:
                    continue
            members.add(i)
        sets.append(frozenset(members))
        estimated.append(guessed)
    return sets, estimated


def estimated_reach(
    people: Sequence[Person], sites: Sequence[Site], reach_m: float, matrix: TravelMatrix | None
) -> list[int]:
    """For each site, how many of ``people`` it reaches only by the straight-line estimate."""
    return _reaches(people, sites, reach_m, matrix)[1] if matrix else [0] * len(sites)


def suggest_sites(
    uncovered: Sequence[Person],
    candidates: Sequence[Site],
    reach_m: float,
    k: int,
    *,
    time_limit_s: float | None = None,
    matrix: TravelMatrix | None = None,
) -> list[tuple[Site, int]]:
    """Up to ``k`` candidate sites that together reach the most ``uncovered`` people (the MCLP optimum, or
    the best found within ``time_limit_s``, by default ``SHOUWANG_SITE_SOLVER_SECONDS``), in the order of a
    greedy pass over them, each with how many more people it reaches than those before (``added_covered``)."""
    sets, _estimated = _reaches(uncovered, candidates, reach_m, matrix)
    useful = [i for i, s in enumerate(sets) if s]
    if not useful or k <= 0:
        return []
    k = min(k, len(useful))
    useful_sets = [sets[i] for i in useful]
    if time_limit_s is None:
        time_limit_s = settings.SHOUWANG_SITE_SOLVER_SECONDS
    best = solve_mclp(useful_sets, k, time_limit_s=time_limit_s)
    chosen = _greedy([useful_sets[i] for i in best], k)
    return [(candidates[useful[best[i]]], gain) for i, gain in chosen if gain > 0]


def _quiet_highs() -> _Highs:
    """A HiGHS instance that writes nothing to stdout. ``highspy.Highs()`` registers its Python callback in
    its constructor, and registering a callback logs the version banner, before any option can be set: a
    command's or the API's output would carry it. The core binding it wraps (``_Highs``, which the package
    exports too) takes ``output_flag`` first, so not even the banner is written."""
    highs = _Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("log_to_console", False)
    return highs


def solve_mclp(sets: Sequence[frozenset[int]], k: int, *, time_limit_s: float) -> list[int]:
    """The ``k`` of ``sets`` whose union is largest, by HiGHS (see the module's docstring), starting from the
    greedy choice. Returns their indices, ascending."""
    reached_by: dict[int, list[int]] = defaultdict(list)
    for j, members in enumerate(sets):
        for person in members:
            reached_by[person].append(j)
    demand = Counter(tuple(js) for js in reached_by.values())  # one row per group reached alike
    n, m = len(sets), len(demand)
    highs = _quiet_highs()
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    weights = np.array(list(demand.values()), dtype=np.float64)
    empty_i, empty_f = np.array([], dtype=np.int32), np.array([], dtype=np.float64)
    # x_j (candidates), then y_i (demand groups); y may stay continuous: with x integral, y_i = 1 is best.
    highs.addCols(n, np.zeros(n), np.zeros(n), np.ones(n), 0, empty_i, empty_i, empty_f)
    highs.addCols(m, weights, np.zeros(m), np.ones(m), 0, empty_i, empty_i, empty_f)
    highs.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n)
    )
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    highs.addRow(k, k, n, np.arange(n, dtype=np.int32), np.ones(n))
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    for row, js in enumerate(demand):
        starts.append(len(index))
        index.append(n + row)
        value.append(1.0)
        index.extend(js)
        value.extend([-1.0] * len(js))
    highs.addRows(
        m,
        np.full(m, -inf),
        np.zeros(m),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=np.float64),
    )
    start = highspy.HighsSolution()
    picked = {j for j, _gain in _greedy(sets, k)}
    start.col_value = [1.0 if j in picked else 0.0 for j in range(n)] + [
        1.0 if any(j in picked for j in js) else 0.0 for js in demand
    ]
    highs.setSolution(start)
    highs.run()
    status = highs.getModelStatus()
    values = highs.getSolution().col_value
    if status != highspy.HighsModelStatus.kOptimal:
        log.warning("site choice: HiGHS stopped with %s; suggesting the best choice found", status)
    chosen = sorted(j for j in range(n) if values[j] > 0.5)
    if len(chosen) != k:  # no feasible point came back (cannot happen with the greedy start)
        return sorted(picked)
    return chosen


def _greedy(sets: Sequence[frozenset[int]], k: int) -> list[tuple[int, int]]:
    """The lazy greedy (CELF): a site's gain only shrinks as others are chosen, so a stale gain on top of
    the heap that is still the largest once refreshed is the true best."""
    heap = [(-len(s), i) for i, s in enumerate(sets)]
    heapq.heapify(heap)
    taken: set[int] = set()
    chosen: list[tuple[int, int]] = []
    while heap and len(chosen) < k:
        stale, i = heapq.heappop(heap)
        gain = len(sets[i] - taken)
        if heap and gain < -heap[0][0]:
            heapq.heappush(heap, (-gain, i))
            continue
        chosen.append((i, gain))
        taken |= sets[i]
    return chosen


def density(people: Sequence[Person], resolution: int = DENSITY_RESOLUTION) -> list[dict]:
    """Elders per H3 hexagon (for the map's density layer): each cell's index, its six corners as
    ``[lat, lon]`` pairs and its count, ordered by index. Hexagons have one distance from a cell to each of
    its neighbours, so a cluster reads the same in every direction, which squares do not give."""
    counts = Counter(h3.latlng_to_cell(person.lat, person.lon, resolution) for person in people)
    return [
        {
            "cell": cell,
            "boundary": [[round(lat, 6), round(lon, 6)] for lat, lon in h3.cell_to_boundary(cell)],
            "elders": count,
        }
        for cell, count in sorted(counts.items())
    ]
