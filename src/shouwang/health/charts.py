"""The chart of each vital over time on the elder's page, drawn on the server as SVG: the geometry here,
the drawing in ``templates/health/_chart.html``. No script, nothing from outside the platform, and it
prints. One line per measure (blood pressure: systolic and diastolic), the elder's normal range as two
dashed lines, each reading a dot with its value and time as its tooltip."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from .codes import DISPLAY_UNITS, KIND_MEASURES, MEASURE_LABELS, MEASURES, Measure
from .models import Level, Vital, VitalKind

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 24


@dataclass
class Dot:
    x: float
    y: float
    title: str
    level: str


@dataclass
class Line:
    measure: str
    label: str
    points: str  # the polyline's "x,y x,y …"
    dots: list[Dot]


@dataclass
class Chart:
    kind: str
    label: str
    unit: str
    lines: list[Line] = field(default_factory=list)
    guides: list[tuple[float, str]] = field(default_factory=list)  # (y, label): the normal range's bounds
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, label) on the value axis
    days: list[tuple[float, str]] = field(default_factory=list)  # (x, label) on the time axis
    count: int = 0
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def latest(self) -> str:
        return self.lines[0].dots[-1].title if self.lines and self.lines[0].dots else ""


def charts_for(
    elder, bounds: dict[str, Measure], *, days: int = 30, now: dt.datetime | None = None
) -> list[Chart]:
    """One chart per kind of vital with readings in the last ``days`` days, oldest reading on the left."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    readings: dict[str, list[Vital]] = {}
    for vital in Vital.objects.filter(elder=elder, measured_at__gte=since).order_by("measured_at", "id"):
        readings.setdefault(vital.kind, []).append(vital)
    return [_chart(kind, readings[kind], bounds, since, now) for kind in VitalKind.values if kind in readings]


def _chart(kind: str, vitals: list[Vital], bounds: dict[str, Measure], since, now) -> Chart:
    names = KIND_MEASURES[kind]
    unit = str(DISPLAY_UNITS[MEASURES[names[0]].unit])
    series = {names[0]: [(v.measured_at, v.value, v) for v in vitals]}
    if len(names) > 1:
        series[names[1]] = [(v.measured_at, v.second_value, v) for v in vitals if v.second_value is not None]
    guide_values = [
        value for name in names for value in (bounds[name].low, bounds[name].high) if value is not None
    ]
    values = [value for points in series.values() for _at, value, _v in points] + guide_values
    low, high = _padded(min(values), max(values))
    span_seconds = max((now - since).total_seconds(), 1)

    def x_of(at: dt.datetime) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (at - since).total_seconds() / span_seconds, 1)

    def y_of(value: float) -> float:
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (high - value) / (high - low), 1)

    chart = Chart(kind=kind, label=str(VitalKind(kind).label), unit=unit, count=len(vitals))
    for name, points in series.items():
        dots = [
            Dot(
                x_of(at), y_of(value), f"{timezone.localtime(at):%m-%d %H:%M} {_plain(value)} {unit}", v.level
            )
            for at, value, v in points
        ]
        chart.lines.append(
            Line(name, str(MEASURE_LABELS[name]), " ".join(f"{d.x},{d.y}" for d in dots), dots)
        )
    chart.guides = [(y_of(value), _plain(value)) for value in sorted(set(guide_values))]
    chart.ticks = [(y_of(value), _plain(value)) for value in (low, (low + high) / 2, high)]
    step = max((now - since).days // 4, 1)
    chart.days = [
        (x_of(since + dt.timedelta(days=n)), f"{timezone.localtime(since + dt.timedelta(days=n)):%m-%d}")
        for n in range(0, (now - since).days + 1, step)
    ]
    return chart


def _padded(low: float, high: float) -> tuple[float, float]:
    margin = max((high - low) * 0.1, 1.0 if high > 10 else 0.2)
    return low - margin, high + margin


def _plain(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


__all__ = ["Chart", "Level", "charts_for"]
