"""The childcare indicators of a region: 每千人口拥有3岁以下婴幼儿托位数 (registered places per thousand
residents) against the plan target, the share of places that are affordable (普惠), and occupancy.

Population: a region's own figure for the year when the bureau entered one, else the sum of its children's
(``complete`` says whether every child had one). Target: the region's own, else its nearest ancestor's; of
that region's targets the first for the year or later, else the latest.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.errors import Forbidden, NotFound
from shouwang.core.scope import scope_of
from shouwang.regions.models import Region, prefix_of

from .models import AGE_GROUPS, Institution, PlanTarget, Population, RegistrationState
from .permissions import may_read_indicators


@dataclass(frozen=True)
class Resolved:
    residents: int | None
    under_three: int | None
    complete: bool


def ratio(numerator: int, denominator: int | None, places: str = "0.001") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), ROUND_HALF_UP)


def resolve_population(code: str, figures: dict[str, Population], children: dict[str, list[str]]) -> Resolved:
    own = figures.get(code)
    if own is not None:
        return Resolved(own.residents, own.under_three, True)
    parts = [resolve_population(child, figures, children) for child in children.get(code, ())]
    known = [part for part in parts if part.residents is not None]
    if not known:
        return Resolved(None, None, False)
    under = [part.under_three for part in known]
    return Resolved(
        sum(part.residents or 0 for part in known),
        None if any(value is None for value in under) else sum(value or 0 for value in under),
        len(known) == len(parts) and all(part.complete for part in known),
    )


def target_for(region: Region, year: int) -> PlanTarget | None:
    codes = []
    node: Region | None = region
    while node is not None:
        codes.append(node.code)
        node = node.parent
    targets = defaultdict(list)
    for target in PlanTarget.objects.filter(region_id__in=codes).order_by("year"):
        targets[target.region_id].append(target)
    for code in codes:  # nearest first
        if targets[code]:
            later = [t for t in targets[code] if t.year >= year]
            return later[0] if later else targets[code][-1]
    return None


def latest_year(region: Region) -> int:
    found = Population.objects.filter(region__code__startswith=prefix_of(region.code)).aggregate(
        year=Max("year")
    )
    return found["year"] or timezone.localdate().year


def _figures(region: Region, year: int) -> tuple[dict[str, Population], dict[str, list[str]]]:
    prefix = prefix_of(region.code)
    figures = {
        row.region_id: row for row in Population.objects.filter(region__code__startswith=prefix, year=year)
    }
    children: dict[str, list[str]] = defaultdict(list)
    for code, parent in Region.objects.filter(code__startswith=prefix).values_list("code", "parent_id"):
        if parent:
            children[parent].append(code)
    return figures, children


def _places(prefix: str) -> dict[str, int]:
    totals = dict.fromkeys(["places", "enrolled", "affordable_places", "institutions"], 0)
    totals.update({f"places_{g}": 0 for g in AGE_GROUPS} | {f"enrolled_{g}": 0 for g in AGE_GROUPS})
    registered = Institution.objects.filter(
        state=RegistrationState.REGISTERED, community__code__startswith=prefix
    )
    for institution in registered:
        totals["institutions"] += 1
        totals["places"] += institution.places
        totals["enrolled"] += institution.enrolled
        totals["affordable_places"] += institution.places if institution.affordable else 0
        for group in AGE_GROUPS:
            totals[f"places_{group}"] += getattr(institution, f"places_{group}")
            totals[f"enrolled_{group}"] += getattr(institution, f"enrolled_{group}")
    return totals


def compute(region: Region, year: int, figures, children) -> dict:
    """The indicators of one region (no scope check: callers check)."""
    totals = _places(prefix_of(region.code))
    population = resolve_population(region.code, figures, children)
    per_thousand = ratio(totals["places"] * 1000, population.residents, "0.01")
    target = target_for(region, year)
    return {
        "region": region.code,
        "name": region.name,
        "year": year,
        "residents": population.residents,
        "under_three": population.under_three,
        "population_complete": population.complete,
        **totals,
        "places_per_thousand": per_thousand,
        "target_per_thousand": target.places_per_thousand if target else None,
        "target_year": target.year if target else None,
        "target_region": target.region_id if target else None,
        "meets_target": None
        if per_thousand is None or target is None
        else per_thousand >= target.places_per_thousand,
        "affordable_share": ratio(totals["affordable_places"], totals["places"]),
        "target_affordable_share": target.affordable_share if target else None,
        "occupancy": ratio(totals["enrolled"], totals["places"]),
    }


def indicators_for(user, region_code: str, *, year: int | None = None) -> dict:
    """The region's indicators and each of its child regions' (``parts``), inside the user's scope."""
    if not may_read_indicators(user):
        raise Forbidden(_("Your role may not read the childcare indicators."))
    region = Region.objects.filter(code=region_code).select_related("parent").first()
    if region is None or not scope_of(user).covers_region(region.code):
        raise NotFound(_("This region does not exist or is outside your area."))
    year = year or latest_year(region)
    figures, children = _figures(region, year)
    result = compute(region, year, figures, children)
    parts = Region.objects.filter(parent=region).select_related("parent").order_by("code")
    result["parts"] = [compute(part, year, figures, children) for part in parts]
    return result
