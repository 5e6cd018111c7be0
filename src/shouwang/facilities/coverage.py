"""The 15-minute service circle (15分钟养老圈): which elders live within a walk of a facility, and where
new facilities would reach the most of those who do not.

Reach is a straight-line radius: ``minutes × walking speed ÷ detour factor`` (settings; by default 15 min
at 67 m/min along streets, 1.3 times the straight line, about 770 m). Distances are equirectangular at the
elder's latitude, within 0.1 % of the great circle (``core.geo.distance_m``) at these few hundred
metres, and far cheaper: a million elders are checked in seconds. Points are bucketed in a grid of
``reach``-sized cells, so each elder is compared only with the facilities of the nine cells around it.

Site choice is the maximal covering location problem (MCLP): choose ``k`` candidate sites that together
reach the most uncovered elders. When the choice is small (at most ``EXACT_LIMIT`` combinations) every
combination is tried and the best is exact; otherwise the greedy choice (each step adds the site that
reaches the most elders not yet reached, evaluated lazily) is used, which reaches at least 1 − 1/e ≈ 63 %
of the optimum and in practice nearly all of it. (PySAL's spopt solves MCLP exactly as an integer
programme, but brings numpy, geopandas and a MIP solver, none of which the platform installs.)

The functions here work on plain tuples, so the benchmark and tests call them without a database; the
selector ``coverage_for`` reads the scoped registry into them.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings

from .fields import SERVICE_CODES

METRES_PER_DEGREE = math.pi * 6_371_008.8 / 180
EXACT_LIMIT = 50_000
ANY = "any"


def reach_metres(minutes: float) -> float:
    """The straight-line radius an elder walks in ``minutes`` (settings: speed and detour factor)."""
    return minutes * settings.SHOUWANG_WALK_METRES_PER_MINUTE / settings.SHOUWANG_DETOUR_FACTOR


@dataclass(frozen=True)
class Site:
    """A facility (or a candidate site) on the map, with the services it offers."""

    key: int | str
    lat: float
    lon: float
    services: frozenset = frozenset()
    label: str = ""


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
) -> tuple[dict[str, CommunityCoverage], list[Person]]:
    """Coverage per community (any facility, and per service), and the people no facility reaches."""
    grid = _Grid(reach_m, _reference_latitude(people) if people else 0.0)
    for site in sites:
        grid.add(site.lat, site.lon, site)
    reach_sq = reach_m * reach_m
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
        reached = False
        offered: set[str] = set()
        lat, lon = person.lat, person.lon
        kx = METRES_PER_DEGREE * math.cos(math.radians(lat))
        # the distance test of ``within``, inlined: this loop runs a million times
        for site in grid.near(lat, lon):
            dy = (lat - site.lat) * METRES_PER_DEGREE
            dx = (lon - site.lon) * kx
            if dx * dx + dy * dy <= reach_sq:
                reached = True
                offered |= site.services
                if offered >= wanted:
                    break
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


def _reaches(people: Sequence[Person], candidates: Sequence[Site], reach_m: float) -> list[frozenset[int]]:
    grid = _Grid(reach_m, _reference_latitude(people) if people else 0.0)
    for index, person in enumerate(people):
        grid.add(person.lat, person.lon, index)
    reach_sq = reach_m * reach_m
    return [
        frozenset(
            i
            for i in grid.near(site.lat, site.lon)
            if within(site.lat, site.lon, people[i].lat, people[i].lon, reach_sq)
        )
        for site in candidates
    ]


def suggest_sites(
    uncovered: Sequence[Person], candidates: Sequence[Site], reach_m: float, k: int
) -> list[tuple[Site, int]]:
    """Up to ``k`` candidate sites that together reach the most ``uncovered`` people, in the order they
    were chosen, each with how many more people it reaches (``added_covered``)."""
    sets = _reaches(uncovered, candidates, reach_m)
    useful = [i for i, s in enumerate(sets) if s]
    if not useful or k <= 0:
        return []
    k = min(k, len(useful))
    if math.comb(len(useful), k) <= EXACT_LIMIT:
        best = max(
            itertools.combinations(useful, k),
            key=lambda combo: len(frozenset().union(*(sets[i] for i in combo))),
        )
        chosen = _greedy([sets[i] for i in best], k)
        picks = [(best[i], gain) for i, gain in chosen]
    else:
        picks = [(useful[i], gain) for i, gain in _greedy([sets[i] for i in useful], k)]
    return [(candidates[i], gain) for i, gain in picks if gain > 0]


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


def density(people: Sequence[Person], cell_m: float = 500.0) -> list[dict]:
    """Elders per square grid cell (for the map's density layer): the cell's bounds and its count."""
    if not people:
        return []
    grid = _Grid(cell_m, _reference_latitude(people))
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for person in people:
        counts[grid.key(person.lat, person.lon)] += 1
    cells = []
    for (cx, cy), count in counts.items():
        south, west = cy * cell_m / METRES_PER_DEGREE, cx * cell_m / grid.kx
        cells.append(
            {
                "south": round(south, 6),
                "west": round(west, 6),
                "north": round(south + cell_m / METRES_PER_DEGREE, 6),
                "east": round(west + cell_m / grid.kx, 6),
                "elders": count,
            }
        )
    return cells
