"""Solomon VRPTW instances (VRPLIB ``.vrp`` layout) solved with PyVRP.

Costs follow the DIMACS convention of the published best-known values: every Euclidean distance is
truncated to one decimal. We therefore work in tenths: the distance of an arc is ``floor(10 * d)``.
Travel *times* use ``ceil(10 * d)`` so that a plan is on time whether a checker times it with the
truncated or with the exact distance (the two only differ by less than a tenth per arc).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCALE = 10  # we solve in tenths of a distance unit


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    coords: list[tuple[float, float]]  # index 0 is the depot
    demands: list[int]
    windows: list[tuple[int, int]]
    service: list[int]

    @property
    def num_customers(self) -> int:
        return len(self.coords) - 1


class FormatError(ValueError):
    """The file is not in a format we read."""


def read_solomon(path: str | Path) -> SolomonInstance:
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION"):
            current = line
            sections[current] = []
        elif current is None and ":" in line:
            key, value = line.split(":", 1)
            header[key.strip().upper()] = value.strip()
        elif current is not None:
            sections[current].append(line.split())
    try:
        dimension = int(header["DIMENSION"])
        coords_rows = sections["NODE_COORD_SECTION"]
        demand_rows = sections["DEMAND_SECTION"]
        window_rows = sections["TIME_WINDOW_SECTION"]
    except KeyError as missing:
        raise FormatError(f"Solomon file lacks {missing}") from None
    depot_rows = [int(r[0]) for r in sections.get("DEPOT_SECTION", []) if int(r[0]) != -1]
    if depot_rows not in ([], [1]):
        raise FormatError("only a single depot at node 1 is supported")
    coords = _by_node(coords_rows, dimension, lambda r: (float(r[1]), float(r[2])))
    demands = _by_node(demand_rows, dimension, lambda r: int(r[1]))
    windows = _by_node(window_rows, dimension, lambda r: (int(r[1]), int(r[2])))
    service_rows = sections.get("SERVICE_TIME_SECTION")
    if service_rows:
        service = _by_node(service_rows, dimension, lambda r: int(r[1]))
    else:
        service = [int(header.get("SERVICE_TIME", "0"))] * dimension
    service[0] = 0
    return SolomonInstance(
        name=header.get("NAME", Path(path).stem),
        vehicles=int(header.get("VEHICLES", dimension - 1)),
        capacity=int(header["CAPACITY"]),
        coords=coords,
        demands=demands,
        windows=windows,
        service=service,
    )


def _by_node(rows, dimension, parse):
    values = [None] * dimension
    for row in rows:
        values[int(row[0]) - 1] = parse(row)
    if any(v is None for v in values):
        raise FormatError("a section does not list every node")
    return values


def dimacs_distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Euclidean distance truncated to one decimal, as the best-known Solomon costs count it."""
    return math.floor(SCALE * math.hypot(a[0] - b[0], a[1] - b[1])) / SCALE


def route_cost(instance: SolomonInstance, routes: list[list[int]]) -> float:
    """Cost in tenths summed as integers, then scaled: exact to one decimal."""
    tenths = 0
    for route in routes:
        nodes = [0, *route, 0]
        for a, b in zip(nodes, nodes[1:], strict=False):
            tenths += round(SCALE * dimacs_distance(instance.coords[a], instance.coords[b]))
    return tenths / SCALE


def _matrices(instance: SolomonInstance) -> tuple[np.ndarray, np.ndarray]:
    xy = np.asarray(instance.coords, dtype=float)
    exact = SCALE * np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    # a hair of slack before flooring/ceiling so that 10 * 5.0 stays 50, not 49 or 51
    distance = np.floor(exact + 1e-9).astype(np.int64)
    duration = np.ceil(exact - 1e-9).astype(np.int64)
    return distance, duration


def solve_solomon(instance: SolomonInstance, seconds: float, seed: int = 1) -> list[list[int]]:
    """Routes as lists of customer numbers (the file's node number minus one, depot excluded)."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    distance, duration = _matrices(instance)
    model = Model()
    depot_location = model.add_location(*instance.coords[0])
    depot = model.add_depot(
        depot_location,
        tw_early=SCALE * instance.windows[0][0],
        tw_late=SCALE * instance.windows[0][1],
    )
    model.add_vehicle_type(
        num_available=instance.vehicles,
        capacity=instance.capacity,
        start_depot=depot,
        end_depot=depot,
        tw_early=SCALE * instance.windows[0][0],
        tw_late=SCALE * instance.windows[0][1],
    )
    locations = [depot_location]
    for node in range(1, len(instance.coords)):
        location = model.add_location(*instance.coords[node])
        locations.append(location)
        model.add_client(
            location,
            delivery=instance.demands[node],
            service_duration=SCALE * instance.service[node],
            tw_early=SCALE * instance.windows[node][0],
            tw_late=SCALE * instance.windows[node][1],
        )
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            if i != j:
                model.add_edge(frm, to, distance=int(distance[i, j]), duration=int(duration[i, j]))
    result = model.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    if not result.is_feasible():
        raise RuntimeError("no feasible plan found in the time given")
    # PyVRP numbers depots first, so client index == node index == customer number here
    return [_customers(route) for route in result.best.routes()]


def _customers(route) -> list[int]:
    return [activity.idx + 1 for activity in route if activity.is_client()]
