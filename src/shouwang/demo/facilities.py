"""Demo facilities: 60 across the district of every kind, run by the demo's providers, with occupancy
history, meal points with a month of meals, two residents in an institution, and two outlying
communities with no facility near them — the gaps the service circle shows and the site suggestion fills.

One meal is planted: an elder who ate at a meal point every day is recorded (through the registry's
service) as having died two days ago, and the meal point records one more lunch for them today; it is
flagged and unpaid. Everything goes through the services, as the platform would. Deterministic.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.benefits.runs import last_month
from shouwang.core.actors import SYSTEM
from shouwang.core.geo import distance_m, offset_km
from shouwang.elders.models import Elder, Status
from shouwang.elders.services import record_life_event
from shouwang.facilities.contracts import sign_contract, submit_report
from shouwang.facilities.meals import record_meals, set_meal_rate
from shouwang.facilities.models import Facility, FacilityKind, Ownership
from shouwang.facilities.services import move_in, register_facility, report_figures

TOTAL = 60
GAPS = 2
URBAN_KINDS = (
    FacilityKind.DAY_CARE,
    FacilityKind.SERVICE_CENTRE,
    FacilityKind.MEAL_POINT,
    FacilityKind.EMBEDDED,
)
KIND_WORDS = {
    FacilityKind.DAY_CARE: ("日间照料中心", ["daily_living", "meal", "health", "emotional"], 0),
    FacilityKind.SERVICE_CENTRE: ("社区养老服务站", ["daily_living", "visiting", "errands", "emotional"], 0),
    FacilityKind.MEAL_POINT: ("老年助餐点", ["meal"], 0),
    FacilityKind.EMBEDDED: ("嵌入式养老服务中心", ["basic_care", "daily_living", "meal", "health"], 20),
    FacilityKind.RURAL_HOME: ("农村幸福院", ["daily_living", "meal", "emotional"], 6),
}
INSTITUTIONS = (
    ("昌邑区社会福利院", Ownership.PUBLIC, False, 200, 60),
    ("颐康老年公寓", Ownership.PRIVATE, False, 120, 0),
    ("昌邑区公建民营养老中心", Ownership.PUBLIC_PRIVATE, False, 150, 45),
    ("江城医养结合护理院", Ownership.PRIVATE, True, 180, 20),
)
MEAL_DAYS = 30


def _gaps(communities) -> set[str]:
    """The communities farthest from their nearest neighbour: nothing else is within a walk of them."""

    def nearest(c) -> float:
        return min(distance_m(c.lat, c.lon, o.lat, o.lon) for o in communities if o.code != c.code)

    return {c.code for c in sorted(communities, key=nearest, reverse=True)[:GAPS]}


def _register(rng, *, name, kind, provider_id, community, km, **extra) -> int:
    lat, lon = offset_km(community.lat, community.lon, km, rng.uniform(0, 2 * math.pi))
    _words, services, beds = KIND_WORDS.get(kind, ("", [], 0))
    data = {
        "name": name,
        "kind": kind,
        "provider": provider_id,
        "community": community.code,
        "address": f"{community.name}服务中心{rng.randint(1, 99)}号",
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "floor_area_m2": rng.choice((200, 350, 500, 800, 1200)),
        "opening_hours": "周一至周日 7:30-18:00",
        "services": services,
        "beds_total": beds,
        "beds_occupied": beds * rng.randint(40, 90) // 100,
        "beds_reserved": beds // 5,
        "grade": rng.choice((None, 2, 3, 3, 4, 5)),
        "licences": "养老机构备案" if beds else "",
        # Seed 004: a day-care centre gets at least 20,000 yuan a year.
        "operating_subsidy_fen": 2_000_000
        if kind == FacilityKind.DAY_CARE
        else rng.choice((0, 500_000, 1_000_000)),
        "construction_subsidy_fen": rng.choice((0, 5_000_000, 10_000_000)),
        **extra,
    }
    return register_facility(actor=SYSTEM, data=data).pk


def load_facilities(
    *, communities, provider_ids: list[int], seed: int, quiet: list[str] | None = None
) -> dict:
    """Register the facilities and their history; returns counts and the planted meal's elder. The meals
    (and the planted death) keep away from the ``quiet`` communities, whose orders other demo parts plant."""
    rng = random.Random(f"{seed}-facilities")
    gaps = _gaps(communities)
    served = [c for c in communities if c.code not in gaps]
    ids: dict[str, list[int]] = {}
    for index, (name, ownership, medical, beds, reserved) in enumerate(INSTITUTIONS):
        community = served[index * 3 % len(served)]
        pk = _register(
            rng,
            name=name,
            kind=FacilityKind.INSTITUTION,
            provider_id=provider_ids[index % len(provider_ids)],
            community=community,
            km=0.6,
            ownership=ownership,
            medical_integrated=medical,
            services=["basic_care", "health", "daily_living", "meal"],
            beds_total=beds,
            beds_occupied=beds * 3 // 4,
            beds_reserved=reserved,
            licences="养老机构备案；医疗机构执业许可证" if medical else "养老机构备案",
        )
        ids.setdefault(FacilityKind.INSTITUTION, []).append(pk)
    index = 0
    while sum(len(v) for v in ids.values()) < TOTAL:
        community = served[index % len(served)]
        kind = FacilityKind.RURAL_HOME if community.rural else URBAN_KINDS[index % len(URBAN_KINDS)]
        if index >= len(served):  # a second round: meal points and day-care beside the first ones
            kind = (FacilityKind.MEAL_POINT, FacilityKind.DAY_CARE)[index % 2]
        words = KIND_WORDS[kind][0]
        pk = _register(
            rng,
            name=f"{community.name}{words}" + ("" if index < len(served) else "（二）"),
            kind=kind,
            provider_id=provider_ids[index % len(provider_ids)],
            community=community,
            km=rng.uniform(0.05, 0.3),
        )
        ids.setdefault(kind, []).append(pk)
        index += 1
    _figures(ids, rng)
    _contract(ids[FacilityKind.INSTITUTION])
    official = User.objects.get(username="official")
    residents = _residents(official, ids[FacilityKind.INSTITUTION][0])
    quiet_points = set(Facility.objects.filter(community_id__in=quiet or []).values_list("pk", flat=True))
    meal_points = [pk for pk in ids[FacilityKind.MEAL_POINT] if pk not in quiet_points][:2]
    planted = _meals(official, meal_points, rng)
    return {
        "facilities": sum(len(v) for v in ids.values()),
        "gaps": sorted(gaps),
        "residents": residents,
        "planted": planted,
    }


def _figures(ids: dict[str, list[int]], rng: random.Random) -> None:
    """Six months of occupancy and service figures from the institutions and day-care centres."""
    months = [last_month()]
    while len(months) < 6:
        months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))
    beds = dict(Facility.objects.values_list("pk", "beds_total"))
    for kind in (FacilityKind.INSTITUTION, FacilityKind.DAY_CARE):
        for pk in ids.get(kind, []):
            for month in months:
                figures = {
                    "beds_occupied": beds[pk] * rng.randint(55, 95) // 100,
                    "people_served": rng.randint(30, 200),
                    "service_visits": rng.randint(100, 900),
                    "meals_served": rng.randint(300, 1500),
                }
                report_figures(actor=SYSTEM, facility_id=pk, month=month, figures=figures)


def _contract(institutions: list[int]) -> None:
    """The 公建民营 centre's contract, started eight months ago with quarterly reports: the first quarter's
    and an incident are in, the second quarter's is overdue."""
    facility = Facility.objects.get(pk__in=institutions, ownership=Ownership.PUBLIC_PRIVATE)
    start = timezone.localdate().replace(day=1)
    for _ in range(8):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    contract = sign_contract(
        actor=SYSTEM,
        facility_id=facility.pk,
        public_owner="吉林市昌邑区民政局",
        number="CY-GJMY-2026-001",
        starts_on=start,
        ends_on=start.replace(year=start.year + 5),
        reserved_beds=facility.beds_reserved,
        report_every_months=3,
    )
    submit_report(
        actor=SYSTEM,
        contract_id=contract.pk,
        kind="periodic",
        period=start,
        summary="一季度运营情况良好，入住率75%。",
    )
    submit_report(
        actor=SYSTEM,
        contract_id=contract.pk,
        kind="incident",
        period=start + dt.timedelta(days=50),
        summary="一名老人夜间跌倒，已送医处置并通知家属。",
    )


def _residents(official: User, institution_id: int) -> int:
    community = Facility.objects.get(pk=institution_id).community_id
    elders = Elder.objects.filter(community_id=community, status=Status.ACTIVE).order_by("pk")[:2]
    since = timezone.localdate() - dt.timedelta(days=90)
    for elder in elders:
        move_in(
            actor=official, facility_id=institution_id, elder_id=elder.pk, since=max(since, elder.birth_date)
        )
    return len(elders)


def _meals(official: User, meal_points: list[int], rng: random.Random) -> int | None:
    """A month of lunches at the meal points, and the planted lunch to an elder who had died."""
    set_meal_rate(actor=SYSTEM, fen_per_meal=300, min_age=60)
    set_meal_rate(actor=SYSTEM, fen_per_meal=500, min_age=80)
    set_meal_rate(actor=SYSTEM, fen_per_meal=800, category="tekun")
    today = timezone.localdate()
    planted: tuple[int, str] | None = None
    for pk in meal_points:
        community = Facility.objects.get(pk=pk).community_id
        active = Elder.objects.filter(community_id=community, status=Status.ACTIVE).order_by("pk")
        diners = list(active.values_list("pk", "id_number")[:15])
        if planted is None and diners:
            planted = diners[0]  # eats every day until they die, two days ago
        for back in range(MEAL_DAYS, 0, -1):
            eating = [
                number
                for elder_id, number in diners
                if (planted and elder_id == planted[0]) or rng.random() < 0.7
            ]
            if back <= 2 and planted is not None:
                eating = [number for number in eating if number != planted[1]]
            if eating:
                record_meals(actor=SYSTEM, facility_id=pk, day=today - dt.timedelta(days=back), people=eating)
    if planted is None:
        return None
    record_life_event(
        actor=official,
        elder_id=planted[0],
        event="deceased",
        date=today - dt.timedelta(days=2),
        note="家属报丧",
    )
    record_meals(actor=SYSTEM, facility_id=meal_points[0], day=today, people=[planted[1]])
    return planted[0]
