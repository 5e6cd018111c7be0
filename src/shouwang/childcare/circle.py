"""The 托育 layer of the facilities' service circle: registered institutions on the map, and per community
the institutions and places within a walk of its centre, with places per thousand residents where the
bureau has entered the community's population. A community with no place in reach is a gap."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shouwang.facilities.circle import SectorLayer
from shouwang.facilities.coverage import within
from shouwang.regions.models import Level, Region, prefix_of

from .indicators import ratio
from .models import Institution, Population, RegistrationState
from .selectors import institutions_for


def _population(codes: list[str]) -> dict[str, int]:
    latest: dict[str, int] = {}
    for code, residents in (
        Population.objects.filter(region_id__in=codes).order_by("year").values_list("region_id", "residents")
    ):
        latest[code] = residents  # the latest year wins
    return latest


def childcare_layer(user, region: Region, reach_m: float) -> SectorLayer:
    communities = list(
        Region.objects.filter(
            code__startswith=prefix_of(region.code), level=Level.COMMUNITY, centre_lat__isnull=False
        ).order_by("code")
    )
    # Every registered institution counts for reach (a parent walks over a boundary); the map shows those
    # the user may see.
    located = list(
        Institution.objects.filter(state=RegistrationState.REGISTERED, lat__isnull=False, lon__isnull=False)
    )
    population = _population([c.code for c in communities])
    reach_sq = reach_m * reach_m
    rows = []
    for community in communities:
        near = [
            i for i in located
            if within(community.centre_lat or 0, community.centre_lon or 0, i.lat or 0, i.lon or 0, reach_sq)
        ]  # fmt: skip
        places = sum(i.places for i in near)
        residents = population.get(community.code)
        rows.append(
            {
                "community": community.code,
                "name": community.name,
                "gap": places == 0,
                "values": [len(near), places, sum(i.places for i in near if i.affordable), residents,
                           ratio(places * 1000, residents, "0.01")],
            }
        )  # fmt: skip
    visible = institutions_for(user, region=region.code, state=RegistrationState.REGISTERED).filter(
        lat__isnull=False, lon__isnull=False
    )
    points = [
        {"name": i.name, "kind": "childcare", "kind_label": _("childcare (托育)"), "lat": i.lat, "lon": i.lon}
        for i in visible
    ]
    columns = [
        ("institutions", _("Childcare institutions within reach")),
        ("places", _("Places within reach")),
        ("affordable", _("Affordable places within reach")),
        ("residents", _("Residents")),
        ("per_thousand", _("Places per thousand residents")),
    ]
    return SectorLayer(
        "childcare", _("Childcare (托育) within reach of each community"), points, columns, rows
    )
