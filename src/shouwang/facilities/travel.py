"""The travel matrix: walking times from a routing engine, for the 15-minute circle where the bureau has
them (``SHOUWANG_WALK_TIMES = "matrix"``; docs/operations.md, "Walking times").

The platform never routes at run time (nothing leaves the machine). Offline, ``travel_points`` lists
the points to route between: origins, the centres of the small H3 cells (resolution 10, about 66 m)
where elders live, and targets, the facilities of the circle and the community buildings that are
candidate sites. A routing engine (OSRM's ``table``, Valhalla's ``sources_to_targets``, foot profile)
gives the walk between each pair; its output, as ``origin,target,seconds`` rows, is imported here. An
import replaces every time stored for the targets it names, so a facility's times are refreshed whole.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import h3
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import is_system, require_actor
from shouwang.core.errors import Forbidden, ValidationFailed
from shouwang.regions.models import Level, Region, prefix_of

from .coverage import MATRIX_RESOLUTION, Person, Site, TravelMatrix
from .models import Facility, TravelTime
from .permissions import may_keep_facilities

COLUMNS = ("origin", "target", "seconds")
TARGET = re.compile(r"(?P<kind>facility|community):(?P<key>[0-9]{1,12})")
# A routing profile walks an elder faster than the circle's pace at most by this much (OSRM's foot profile,
# 5 km/h, is 1.24 times 67 m/min): pairs farther in a straight line than the minutes at this pace are never
# looked up, whatever the matrix says.
PACE_SLACK = 1.5
MAX_SECONDS = 24 * 3600
ERRORS_SHOWN = 20
CHUNK = 500  # targets per query, under SQLite's limit of bound parameters


def _chunks(values: Sequence) -> Iterator[Sequence]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def walk_times_in_use() -> bool:
    return settings.SHOUWANG_WALK_TIMES == "matrix"


def matrix_for(targets: Iterable[str], minutes: int) -> TravelMatrix | None:
    """The stored walking times to ``targets``, for a walk of ``minutes``; None while the circle uses the
    straight line."""
    if not walk_times_in_use():
        return None
    seconds: dict[tuple[str, str], float] = {}
    for chunk in _chunks(sorted(set(targets))):
        rows = TravelTime.objects.filter(target__in=chunk).values_list("origin", "target", "seconds")
        for origin, target, walk in rows.order_by().iterator(chunk_size=20_000):
            seconds[(origin, target)] = math.inf if walk is None else walk
    bound_m = minutes * settings.SHOUWANG_WALK_METRES_PER_MINUTE * PACE_SLACK
    return TravelMatrix(seconds, limit_s=minutes * 60.0, bound_m=bound_m)


# --- the points to route between (offline) ------------------------------------------------------------


def travel_points(region: Region, sites: list[Site]) -> tuple[list[tuple], list[tuple]]:
    """Origins (``cell, lat, lon``: the H3 cells where the region's active elders live, at each cell's
    centre) and targets (``target, lat, lon``: ``sites``, the facilities around them, and the region's
    community buildings), for a routing engine's table."""
    from shouwang.elders.models import Elder, Status

    homes = Elder.objects.filter(
        community__code__startswith=prefix_of(region.code), status=Status.ACTIVE, lat__isnull=False
    ).values_list("lat", "lon")
    cells = {h3.latlng_to_cell(lat, lon, MATRIX_RESOLUTION) for lat, lon in homes.iterator(chunk_size=20_000)}
    origins = [(cell, *(round(v, 6) for v in h3.cell_to_latlng(cell))) for cell in sorted(cells)]
    targets = [(site.target, site.lat, site.lon) for site in sites]
    centres = Region.objects.filter(
        code__startswith=prefix_of(region.code), level=Level.COMMUNITY, centre_lat__isnull=False
    ).order_by("code")
    targets += [(f"community:{r.code}", float(r.centre_lat or 0), float(r.centre_lon or 0)) for r in centres]
    return origins, targets


def region_people(region: Region) -> list[Person]:
    """Every active elder of ``region`` with a home on the map (for choosing the facilities around them)."""
    from shouwang.elders.models import Elder, Status

    rows = Elder.objects.filter(
        community__code__startswith=prefix_of(region.code), status=Status.ACTIVE, lat__isnull=False
    ).values_list("pk", "community_id", "lat", "lon")
    return [
        Person(pk, community, float(lat or 0), float(lon or 0))
        for pk, community, lat, lon in rows.iterator(chunk_size=20_000)
    ]


# --- the import ----------------------------------------------------------------------------------------


def _parse_row(row: dict, facilities: set[int], communities: set[str]) -> tuple[str, str, int | None]:
    origin, target, raw = (str(row.get(column) or "").strip() for column in COLUMNS)
    if not (h3.is_valid_cell(origin) and h3.get_resolution(origin) == MATRIX_RESOLUTION):
        raise ValueError(_("the origin is not an H3 cell of resolution %(r)d") % {"r": MATRIX_RESOLUTION})
    found = TARGET.fullmatch(target)
    known = found and (
        int(found["key"]) in facilities if found["kind"] == "facility" else found["key"] in communities
    )
    if not known:
        raise ValueError(_("the target is neither a registered facility nor a community"))
    if not raw:
        return origin, target, None  # no walking route
    try:
        seconds = round(float(raw))
    except ValueError:
        raise ValueError(_("the walking time is not a number of seconds")) from None
    if not 0 <= seconds <= MAX_SECONDS:
        raise ValueError(_("the walking time is not between 0 and 24 hours"))
    return origin, target, seconds


def _known_targets(rows: list[dict]) -> tuple[set[int], set[str]]:
    facility_ids, community_codes = set(), set()
    for row in rows:
        found = TARGET.fullmatch(str(row.get("target") or "").strip())
        if found and found["kind"] == "facility":
            facility_ids.add(int(found["key"]))
        elif found:
            community_codes.add(found["key"])
    facilities: set[int] = set()
    for chunk in _chunks(sorted(facility_ids)):
        facilities |= set(Facility.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    communities: set[str] = set()
    for codes in _chunks(sorted(community_codes)):
        found_codes = Region.objects.filter(code__in=codes, level=Level.COMMUNITY).values_list(
            "code", flat=True
        )
        communities |= set(found_codes)
    return facilities, communities


def import_travel_times(*, actor, rows: list[dict]) -> dict:
    """Store a routing engine's walking times (rows with ``origin``, ``target``, ``seconds``; an empty
    ``seconds`` is "no walking route"), replacing every time stored for the targets named. Every row must
    be valid or nothing is saved; the errors name the line (the header is line 1)."""
    require_actor(actor)
    if not (is_system(actor) or may_keep_facilities(actor)):
        raise Forbidden(_("Only the civil-affairs bureau imports walking times."))
    facilities, communities = _known_targets(rows)
    times: dict[tuple[str, str], int | None] = {}
    errors: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):
        try:
            origin, target, seconds = _parse_row(row, facilities, communities)
        except ValueError as problem:
            errors[_("line %(n)d") % {"n": line}] = str(problem)
            continue
        if (origin, target) in times:
            errors[_("line %(n)d") % {"n": line}] = _("the same origin and target appear twice")
        times[(origin, target)] = seconds
    if errors:
        shown = dict(list(errors.items())[:ERRORS_SHOWN])
        raise ValidationFailed(
            _("%(n)d rows of the walking times could not be used; nothing was imported.")
            % {"n": len(errors)},
            errors=shown,
            code="travel_matrix_invalid",
        )
    if not times:
        raise ValidationFailed(_("The file holds no walking times."), code="travel_matrix_empty")
    targets = sorted({target for _origin, target in times})
    with transaction.atomic():
        replaced = 0
        for chunk in _chunks(targets):
            replaced += TravelTime.objects.filter(target__in=chunk).delete()[0]
        TravelTime.objects.bulk_create(
            (TravelTime(origin=o, target=t, seconds=s) for (o, t), s in times.items()), batch_size=5_000
        )
        summary = {
            "pairs": len(times),
            "origins": len({origin for origin, _target in times}),
            "targets": len(targets),
            "no_route": sum(1 for s in times.values() if s is None),
            "replaced": replaced,
        }
        audit.record(
            actor=actor,
            action="facilities.travel_matrix_imported",
            object_type="facilities.traveltime",
            object_repr=_("%(n)d walking times") % {"n": len(times)},
            after=summary,
        )
    return summary


def import_travel_csv(*, actor, source: Path | str | io.TextIOBase) -> dict:
    """Import a UTF-8 CSV (a BOM from Excel is fine) with header ``origin,target,seconds``."""
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8-sig", newline="") as handle:
            return import_travel_csv(actor=actor, source=handle)
    reader = csv.DictReader(source)
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
    if missing:
        message = _("The file needs the columns origin, target and seconds.")
        raise ValidationFailed(message, errors={"columns": message}, code="travel_matrix_columns")
    return import_travel_times(actor=actor, rows=list(reader))
