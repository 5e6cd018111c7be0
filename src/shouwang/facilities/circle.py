"""The 15-minute service circle read from the registry, for one region in the user's scope: coverage per
community, the elders no facility reaches, the density grid, and suggested sites (``coverage`` computes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from shouwang.core.errors import Forbidden, NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.regions.models import Level, Region, prefix_of

from . import coverage, travel
from .coverage import CommunityCoverage, Person, Site
from .models import Facility, FacilityKind
from .permissions import may_read_coverage
from .selectors import facilities_for

# A community where fewer than this share of elders is within reach is a gap.
GAP_SHARE = 0.6
# Institutions take residents; the circle is about what an elder at home walks to.
CIRCLE_KINDS = tuple(kind for kind in FacilityKind if kind != FacilityKind.INSTITUTION)
MAX_MINUTES = 60
MAX_SITES = 50
UNCOVERED_LISTED = 500


@dataclass
class SectorLayer:
    """Another sector's places on the circle's map and its own row per community (e.g. 托育 places within
    reach of each community's centre). Registered by the app that owns the sector (``register_sector``), so
    this app does not import it."""

    sector: str
    label: str
    points: list[dict]  # name, kind, kind_label, lat, lon
    columns: list[tuple[str, str]]  # (key, heading) of the rows' figures after the community's name
    rows: list[dict]  # community, name, gap, and one value per column


SectorSource = Callable[[object, Region, float], SectorLayer]
_sectors: dict[str, SectorSource] = {}


def register_sector(sector: str, source: SectorSource) -> None:
    """``source(user, region, reach_m) -> SectorLayer``: drawn on the circle of ``region`` for ``user``."""
    _sectors[sector] = source


@dataclass
class Circle:
    region: Region
    minutes: int
    reach_m: float
    rows: list[dict]
    uncovered: list[Person]
    people: list[Person]
    facilities: list[Facility]
    # "straight" or "matrix" (settings.SHOUWANG_WALK_TIMES), and how many elders' answers rest on a
    # straight-line estimate because the matrix lacked a pair
    walk_times: str = "straight"
    estimated: int = 0
    sectors: list[SectorLayer] = field(default_factory=list)


def _checked(user, region_code: str, minutes: int) -> Region:
    if not may_read_coverage(user):
        raise Forbidden(_("Your role may not read the service circle."))
    if not 1 <= minutes <= MAX_MINUTES:
        message = _("The walk is 1 to %(max)d minutes.") % {"max": MAX_MINUTES}
        raise ValidationFailed(message, errors={"minutes": message})
    region = Region.objects.filter(code=region_code).first()
    scope = scope_of(user)
    if region is None or not (scope.covers_region(region.code) or _above_scope(scope, region.code)):
        raise NotFound(_("This region does not exist or is outside your area."))
    return region


def _above_scope(scope, code: str) -> bool:
    # A community worker asking for the district sees only their own communities in it.
    return any(prefix.startswith(prefix_of(code)) for prefix in scope.region_prefixes)


def default_region(user) -> str:
    scope = scope_of(user)
    if scope.everything:
        top = Region.objects.filter(level=Level.COUNTY).order_by("code").first()
        return top.code if top else ""
    prefixes = sorted(scope.region_prefixes)
    return (prefixes[0] + "0" * 12)[:12] if prefixes else ""


def _people(user, region: Region) -> tuple[list[Person], dict[str, int]]:
    from shouwang.elders.models import LivingArrangement, Status
    from shouwang.elders.selectors import elders_for

    elders = elders_for(user).filter(community__code__startswith=prefix_of(region.code), status=Status.ACTIVE)
    people: list[Person] = []
    unlocated: dict[str, int] = {}
    rows = elders.values_list("pk", "community_id", "lat", "lon", "living_arrangement", "is_disabled")
    for pk, community, lat, lon, living, disabled in rows.order_by().iterator(chunk_size=20_000):
        if lat is None or lon is None:
            unlocated[community] = unlocated.get(community, 0) + 1
            continue
        people.append(Person(pk, community, lat, lon, living == LivingArrangement.ALONE, disabled))
    return people, unlocated


def sites_near(people: list[Person], reach_m: float) -> list[Site]:
    """Every facility in operation near the elders, whoever runs it: an elder walks over a boundary."""
    if not people:
        return []
    margin = reach_m / coverage.METRES_PER_DEGREE * 2
    lats, lons = [p.lat for p in people], [p.lon for p in people]
    facilities = Facility.objects.filter(
        active=True,
        kind__in=CIRCLE_KINDS,
        lat__gte=min(lats) - margin,
        lat__lte=max(lats) + margin,
        lon__gte=min(lons) - margin * 2,
        lon__lte=max(lons) + margin * 2,
    )
    return [
        Site(pk, float(lat or 0), float(lon or 0), frozenset(services or ()))
        for pk, lat, lon, services in facilities.values_list("pk", "lat", "lon", "services")
    ]


def circle_for(user, *, region: str, minutes: int | None = None) -> Circle:
    """Coverage of the elders in ``region`` (inside the user's scope) by the facilities within
    ``minutes`` of walking; rows per community with a gap flag, weakest first."""
    minutes = minutes or settings.SHOUWANG_SERVICE_CIRCLE_MINUTES
    area = _checked(user, region, minutes)
    reach_m = coverage.reach_metres(minutes)
    people, unlocated = _people(user, area)
    sites = sites_near(people, reach_m * travel.PACE_SLACK)
    matrix = travel.matrix_for([site.target for site in sites], minutes)
    result, uncovered = coverage.compute(people, sites, reach_m, matrix=matrix)
    names = dict(Region.objects.filter(code__in=[*result, *unlocated]).values_list("code", "name"))
    rows = []
    for code in sorted({*result, *unlocated}):
        row = result.get(code) or CommunityCoverage(code, by_service=dict.fromkeys(coverage.SERVICE_CODES, 0))
        rows.append(
            {
                "community": code,
                "name": names.get(code, code),
                "elders": row.elders,
                "covered": row.covered,
                "share": row.share,
                "alone": row.alone,
                "alone_covered": row.alone_covered,
                "disabled": row.disabled,
                "disabled_covered": row.disabled_covered,
                "by_service": {code: row.service_share(code) for code in coverage.SERVICE_CODES},
                "unlocated": unlocated.get(code, 0),
                "estimated": row.estimated,
                "gap": row.elders > 0 and row.share < GAP_SHARE,
            }
        )
    rows.sort(key=lambda r: (r["share"], r["community"]))
    facilities = list(facilities_for(user, region=area.code).filter(lat__isnull=False, active=True))
    walk_times = "matrix" if matrix is not None else "straight"
    estimated = sum(row.estimated for row in result.values())
    sectors = [source(user, area, reach_m) for source in _sectors.values()]
    return Circle(area, minutes, reach_m, rows, uncovered, people, facilities, walk_times, estimated, sectors)


def candidate_sites(region: Region, uncovered: list[Person], reach_m: float) -> list[Site]:
    """Community centres (a community building) in the region, and the centres of uncovered clusters."""
    centres = Region.objects.filter(
        code__startswith=prefix_of(region.code), level=Level.COMMUNITY, centre_lat__isnull=False
    ).values_list("code", "name", "centre_lat", "centre_lon")
    sites = [
        Site(f"community:{code}", float(lat or 0), float(lon or 0), label=name)
        for code, name, lat, lon in centres
    ]
    for site in coverage.cluster_candidates(uncovered, reach_m):
        sites.append(Site(site.key, site.lat, site.lon, label=_("cluster of uncovered elders")))
    return sites


def suggestions_for(user, *, region: str, k: int, minutes: int | None = None) -> list[dict]:
    """Up to ``k`` sites for new facilities that reach the most elders the circle misses now; ``estimated``
    counts the elders a site reaches only by the straight line, the travel matrix lacking the pair (a
    cluster's centre is never in it)."""
    if not 1 <= k <= MAX_SITES:
        message = _("Ask for 1 to %(max)d sites.") % {"max": MAX_SITES}
        raise ValidationFailed(message, errors={"k": message})
    circle = circle_for(user, region=region, minutes=minutes)
    candidates = candidate_sites(circle.region, circle.uncovered, circle.reach_m)
    matrix = travel.matrix_for([site.target for site in candidates], circle.minutes)
    picks = coverage.suggest_sites(circle.uncovered, candidates, circle.reach_m, k, matrix=matrix)
    picked = [site for site, _gain in picks]
    estimated = coverage.estimated_reach(circle.uncovered, picked, circle.reach_m, matrix)
    return [
        {
            "key": str(site.key),
            "label": site.label,
            "lat": site.lat,
            "lon": site.lon,
            "added_covered": gain,
            "estimated": guessed,
        }
        for (site, gain), guessed in zip(picks, estimated, strict=True)
    ]
