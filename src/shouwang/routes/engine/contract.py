"""``solve-routes``: read a benchmark file, recognise its format by content, solve, answer in JSON."""

from __future__ import annotations

from pathlib import Path

from .mankowska import looks_like_mankowska, plan_as_json, read_mankowska, solve_mankowska
from .solomon import read_solomon, route_cost, solve_solomon


def solve_file(path: str | Path, seconds: float, seed: int = 1) -> dict:
    text = Path(path).read_text()
    if looks_like_mankowska(text):
        return plan_as_json(solve_mankowska(read_mankowska(path), seconds, seed=seed))
    instance = read_solomon(path)
    routes = [route for route in solve_solomon(instance, seconds, seed=seed) if route]
    return {"format": "solomon", "cost": route_cost(instance, routes), "routes": routes}
