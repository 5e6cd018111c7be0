"""The facilities API: the registry (list, one facility, the bureau's writes, operators' change requests
and their review, monthly figures, residents), meal records with their counts and flags, and the
15-minute service circle with suggested sites. Scope as in the console: an official their region's
facilities, a provider's administrator its own; anything else is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Router, Schema, Status

from shouwang.core.pagination import paginate
from shouwang.core.schemas import (
    Code,
    Day,
    Id,
    IdNumber,
    MaxText,
    Page,
    PageSize,
    RegionCode,
    SearchText,
    absent,
    column_range,
    column_text,
)

from .circle import MAX_MINUTES, MAX_SITES, circle_for, suggestions_for
from .contracts import contracts_for, get_contract_for, overdue_reports, sign_contract, submit_report
from .fields import parse_month
from .meals import MAX_LIST, record_meals, set_meal_rate
from .models import Facility, FacilityChange, MealSubsidyRate, OperatingContract, OperatingReport
from .selectors import (
    changes_for,
    facilities_for,
    get_facility_for,
    meal_counts,
    meals_for,
    missing_figures,
    monthly_for,
    residents_for,
)
from .services import (
    decide_change,
    move_in,
    move_out,
    propose_change,
    register_facility,
    report_figures,
    update_facility,
)

router = Router(tags=["facilities"])

Count = Annotated[int, Field(ge=0, le=100_000)]
Fen = Annotated[int, column_range(Facility, "operating_subsidy_fen")]
Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES)]
Coordinate = Annotated[float, Field(ge=-180, le=180)]
Grade = Annotated[int, Field(ge=1, le=5)]
ServiceCode = Annotated[str, MaxText(20)]


class FacilityOut(Schema):
    id: int
    name: str
    kind: str
    kind_name: str
    sector: str
    ownership: str
    medical_integrated: bool
    provider_id: int
    provider_name: str
    community: str
    community_name: str
    address: str
    lat: float | None
    lon: float | None
    floor_area_m2: int | None
    opening_hours: str
    services: list[str]
    beds_total: int
    beds_occupied: int
    beds_reserved: int
    grade: int | None
    licences: str
    operating_subsidy_fen: int
    construction_subsidy_fen: int
    active: bool
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind_name(facility) -> str:
        return str(facility.get_kind_display())

    @staticmethod
    def resolve_provider_name(facility) -> str:
        return facility.provider.name

    @staticmethod
    def resolve_community(facility) -> str:
        return facility.community_id

    @staticmethod
    def resolve_community_name(facility) -> str:
        return facility.community.name


class FacilityPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[FacilityOut]


class FacilityIn(Schema):
    """A new facility; ``provider`` is the operator's id, ``community`` a community's code. Subsidies in fen;
    ``services`` are catalogue category codes and ``meal``."""

    name: Annotated[str, column_text(Facility, "name")]
    kind: Code
    provider: Id
    community: RegionCode
    address: Annotated[str, column_text(Facility, "address")]
    ownership: Code = ""
    medical_integrated: bool = False
    lat: Coordinate | None = None
    lon: Coordinate | None = None
    floor_area_m2: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    opening_hours: Annotated[str, column_text(Facility, "opening_hours")] = ""
    services: list[ServiceCode] = Field(default_factory=list, max_length=20)
    beds_total: Count = 0
    beds_occupied: Count = 0
    beds_reserved: Count = 0
    grade: Grade | None = None
    licences: Annotated[str, column_text(Facility, "licences")] = ""
    operating_subsidy_fen: Fen = 0
    construction_subsidy_fen: Fen = 0
    active: bool = True


class FacilityPatch(Schema):
    """Only the fields sent change. An operator's PATCH is a change request (see ``/changes``); the
    bureau's applies at once. ``grade``, ``lat``, ``lon`` and ``floor_area_m2`` may be sent as null."""

    name: Annotated[str, column_text(Facility, "name")] = absent()
    kind: Code = absent()
    provider: Id = absent()
    community: RegionCode = absent()
    address: Annotated[str, column_text(Facility, "address")] = absent()
    ownership: Code = absent()
    medical_integrated: bool = absent()
    lat: Coordinate | None = None
    lon: Coordinate | None = None
    floor_area_m2: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    opening_hours: Annotated[str, column_text(Facility, "opening_hours")] = absent()
    services: Annotated[list[ServiceCode], Field(max_length=20)] = absent()
    beds_total: Count = absent()
    beds_occupied: Count = absent()
    beds_reserved: Count = absent()
    grade: Grade | None = None
    licences: Annotated[str, column_text(Facility, "licences")] = absent()
    operating_subsidy_fen: Fen = absent()
    construction_subsidy_fen: Fen = absent()
    active: bool = absent()


class ChangeOut(Schema):
    id: int
    facility_id: int
    facility_name: str
    values: dict
    state: str
    requested_by: str
    decided_by: str
    decided_at: dt.datetime | None
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_facility_name(change) -> str:
        return change.facility.name

    @staticmethod
    def resolve_requested_by(change) -> str:
        return change.requested_by.get_username() if change.requested_by else "system"

    @staticmethod
    def resolve_decided_by(change) -> str:
        return change.decided_by.get_username() if change.decided_by else ""


class DecisionIn(Schema):
    approve: bool
    note: Annotated[str, column_text(FacilityChange, "note")] = ""


class FiguresIn(Schema):
    month: Annotated[str, MaxText(7)] = Field(description="year-month, e.g. 2026-11")
    beds_occupied: Count = 0
    people_served: Count = 0
    service_visits: Count = 0
    meals_served: Count = 0


class FiguresOut(Schema):
    month: dt.date
    beds_occupied: int
    people_served: int
    service_visits: int
    meals_served: int


class ResidentIn(Schema):
    elder_id: Id
    since: Day


class ResidentOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    since: dt.date
    until: dt.date | None

    @staticmethod
    def resolve_elder_name(residency) -> str:
        return residency.elder.name


class MoveOutIn(Schema):
    until: Day


class MealsIn(Schema):
    """One sitting: the diners' ID numbers."""

    day: Day
    meal: Code = "lunch"
    people: list[IdNumber] = Field(max_length=MAX_LIST)


class MealsOut(Schema):
    recorded: int
    already: int
    flagged: int
    unpaid: int
    subsidy_fen: int


class MealCountOut(Schema):
    period: dt.date
    meals: int
    flagged: int
    subsidy_fen: int


class FlaggedMealOut(Schema):
    id: int
    facility_id: int
    elder_id: int
    elder_name: str
    day: dt.date
    meal: str
    flag: str

    @staticmethod
    def resolve_elder_name(meal) -> str:
        return meal.elder.name


class CommunityCoverageOut(Schema):
    community: str
    name: str
    elders: int
    covered: int
    share: float
    alone: int
    alone_covered: int
    disabled: int
    disabled_covered: int
    unlocated: int
    estimated: int
    gap: bool
    by_service: dict[str, float]


class CoverageOut(Schema):
    region: str
    minutes: int
    reach_m: int
    walk_times: str
    estimated: int
    communities: list[CommunityCoverageOut]
    uncovered_elders: int


class SuggestionIn(Schema):
    region: RegionCode
    k: Annotated[int, Field(ge=1, le=MAX_SITES)] = 5
    minutes: Minutes | None = None


class SiteOut(Schema):
    key: str
    label: str
    lat: float
    lon: float
    added_covered: int
    estimated: int


class MealRateIn(Schema):
    """For one category (``tekun`` …) or from one age on; never both."""

    fen_per_meal: Annotated[int, Field(ge=0, le=10_000)]
    category: Code = ""
    min_age: Annotated[int, Field(ge=0, le=150)] | None = None


class MealRateOut(Schema):
    id: int
    category: str
    min_age: int | None
    fen_per_meal: int


class OperatingContractIn(Schema):
    public_owner: Annotated[str, column_text(OperatingContract, "public_owner")]
    number: Annotated[str, column_text(OperatingContract, "number")]
    starts_on: Day
    ends_on: Day
    reserved_beds: Count = 0
    report_every_months: Annotated[int, Field(ge=1, le=12)] = 3


class OperatingReportOut(Schema):
    id: int
    kind: str
    period: dt.date
    summary: str
    created_at: dt.datetime


class OperatingContractOut(Schema):
    id: int
    facility_id: int
    facility_name: str
    operator: str
    public_owner: str
    number: str
    starts_on: dt.date
    ends_on: dt.date
    reserved_beds: int
    report_every_months: int
    reports: list[OperatingReportOut]

    @staticmethod
    def resolve_facility_name(contract) -> str:
        return contract.facility.name

    @staticmethod
    def resolve_operator(contract) -> str:
        return contract.facility.provider.name

    @staticmethod
    def resolve_reports(contract) -> list:
        return list(contract.reports.all())


class OperatingReportIn(Schema):
    kind: Code = "periodic"
    period: Day
    summary: Annotated[str, column_text(OperatingReport, "summary")]


class OverdueOut(Schema):
    contract_id: int
    facility_name: str
    operator: str
    period: dt.date
    due: dt.date


@router.get("", response=FacilityPage, summary="Facilities in the caller's scope")
def list_facilities(
    request,
    kind: Code = "",
    region: RegionCode = "",
    q: SearchText = "",
    page: Page = 1,
    page_size: PageSize = 50,
):
    return paginate(
        facilities_for(request.auth, kind=kind, region=region, q=q), page=page, page_size=page_size
    )


@router.post("", response={201: FacilityOut}, summary="Register a facility (the bureau)")
def create(request, payload: FacilityIn):
    facility = register_facility(actor=request.auth, data=payload.dict())
    return Status(201, get_facility_for(request.auth, facility.pk))


@router.get("/coverage", response=CoverageOut, summary="The service circle per community")
def coverage(request, region: RegionCode, minutes: Minutes | None = None):
    """Per community: elders with coordinates, those within ``minutes`` of walking of a community facility,
    the share, the same for elders living alone and disabled elders, and the share per service. With
    walking times from the travel matrix (``walk_times`` = ``matrix``), ``estimated`` counts the elders
    whose answer used the straight line because the matrix lacked a pair."""
    circle = circle_for(request.auth, region=region, minutes=minutes)
    return {
        "region": circle.region.code,
        "minutes": circle.minutes,
        "reach_m": round(circle.reach_m),
        "walk_times": circle.walk_times,
        "estimated": circle.estimated,
        "communities": circle.rows,
        "uncovered_elders": len(circle.uncovered),
    }


@router.post("/site-suggestions", response=list[SiteOut], summary="Where new facilities reach the most")
def site_suggestions(request, payload: SuggestionIn):
    return suggestions_for(request.auth, region=payload.region, k=payload.k, minutes=payload.minutes)


@router.get("/changes", response=list[ChangeOut], summary="Change requests on visible facilities")
def list_changes(request, state: Code = ""):
    return list(changes_for(request.auth, state=state)[:500])


@router.post("/changes/{int:change_id}/decision", response=ChangeOut, summary="Approve or refuse a change")
def decide(request, change_id: Id, payload: DecisionIn):
    decide_change(actor=request.auth, change_id=change_id, approve=payload.approve, note=payload.note)
    return changes_for(request.auth).get(pk=change_id)


@router.get(
    "/meals/flagged",
    response=list[FlaggedMealOut],
    summary="Meals served to elders who had died or moved out",
)
def flagged(request):
    return list(meals_for(request.auth, flagged=True)[:1000])


@router.get("/contracts", response=list[OperatingContractOut], summary="公建民营 operating contracts")
def list_contracts(request):
    return list(contracts_for(request.auth).prefetch_related("reports")[:500])


@router.get("/contracts/{int:contract_id}", response=OperatingContractOut, summary="One operating contract")
def contract_detail(request, contract_id: Id):
    return get_contract_for(request.auth, contract_id)


@router.post(
    "/contracts/{int:contract_id}/reports", response={201: OperatingReportOut}, summary="Submit a report"
)
def post_report(request, contract_id: Id, payload: OperatingReportIn):
    report = submit_report(
        actor=request.auth,
        contract_id=contract_id,
        kind=payload.kind,
        period=payload.period,
        summary=payload.summary,
    )
    return Status(201, report)


@router.get("/reports/overdue", response=list[OverdueOut], summary="Periodic reports past their due date")
def overdue(request):
    return [
        {
            "contract_id": item.contract.pk,
            "facility_name": item.contract.facility.name,
            "operator": item.contract.facility.provider.name,
            "period": item.period,
            "due": item.due,
        }
        for item in overdue_reports(request.auth)
    ]


class MissingFiguresOut(Schema):
    facility_id: int
    facility_name: str
    operator: str
    month: dt.date
    due: dt.date
    last_reported: dt.date | None


@router.get(
    "/figures/overdue", response=list[MissingFiguresOut], summary="Monthly figures past their due day"
)
def figures_overdue(request):
    """Facilities whose operator has not reported the latest month past its due day (the 15th)."""
    return [
        {
            "facility_id": item.facility.pk,
            "facility_name": item.facility.name,
            "operator": item.facility.provider.name,
            "month": item.month,
            "due": item.due,
            "last_reported": item.last_reported,
        }
        for item in missing_figures(request.auth)
    ]


@router.get("/meal-rates", response=list[MealRateOut], summary="Meal subsidy rates (助餐补贴)")
def meal_rates(request):
    return list(MealSubsidyRate.objects.all())


@router.post("/meal-rates", response={201: MealRateOut}, summary="Add a meal subsidy rate (the bureau)")
def add_meal_rate(request, payload: MealRateIn):
    rate = set_meal_rate(
        actor=request.auth,
        fen_per_meal=payload.fen_per_meal,
        category=payload.category,
        min_age=payload.min_age,
    )
    return Status(201, rate)


@router.post("/residencies/{int:residency_id}/end", response=ResidentOut, summary="An elder moves out")
def end_residency(request, residency_id: Id, payload: MoveOutIn):
    return move_out(actor=request.auth, residency_id=residency_id, until=payload.until)


@router.get("/{int:facility_id}", response=FacilityOut, summary="One facility")
def facility_detail(request, facility_id: Id):
    return get_facility_for(request.auth, facility_id)


@router.patch("/{int:facility_id}", response={200: FacilityOut, 202: ChangeOut}, summary="Change a facility")
def patch_facility(request, facility_id: Id, payload: FacilityPatch):
    """The bureau's change applies (200); an operator's becomes a change request for review (202)."""
    from .permissions import may_keep_facilities

    data = payload.dict(exclude_unset=True)
    if may_keep_facilities(request.auth):
        update_facility(actor=request.auth, facility_id=facility_id, data=data)
        return get_facility_for(request.auth, facility_id)
    change = propose_change(actor=request.auth, facility_id=facility_id, data=data)
    return Status(202, changes_for(request.auth).get(pk=change.pk))


@router.get("/{int:facility_id}/figures", response=list[FiguresOut], summary="Monthly figures")
def figures(request, facility_id: Id):
    return list(monthly_for(request.auth, facility_id))


@router.post("/{int:facility_id}/figures", response=FiguresOut, summary="Report a month's figures")
def post_figures(request, facility_id: Id, payload: FiguresIn):
    month = parse_month(payload.month)
    return report_figures(actor=request.auth, facility_id=facility_id, month=month, figures=payload.dict())


@router.get("/{int:facility_id}/residents", response=list[ResidentOut], summary="Elders living there now")
def residents(request, facility_id: Id):
    return list(residents_for(request.auth, facility_id))


@router.post("/{int:facility_id}/residents", response={201: ResidentOut}, summary="An elder moves in")
def add_resident(request, facility_id: Id, payload: ResidentIn):
    residency = move_in(
        actor=request.auth, facility_id=facility_id, elder_id=payload.elder_id, since=payload.since
    )
    return Status(201, residency)


@router.post("/{int:facility_id}/meals", response=MealsOut, summary="Record a sitting of a meal point")
def post_meals(request, facility_id: Id, payload: MealsIn):
    return record_meals(
        actor=request.auth, facility_id=facility_id, day=payload.day, meal=payload.meal, people=payload.people
    )


@router.get("/{int:facility_id}/meals/counts", response=list[MealCountOut], summary="Meals by day or month")
def meal_count(request, facility_id: Id, by: Code = "day", month: Annotated[str, MaxText(7)] = ""):
    get_facility_for(request.auth, facility_id)
    chosen = parse_month(month) if month else None
    return meal_counts(
        request.auth, facility_id=facility_id, month=chosen, by="month" if by == "month" else "day"
    )


@router.post(
    "/{int:facility_id}/contracts", response={201: OperatingContractOut}, summary="Record a 公建民营 contract"
)
def post_contract(request, facility_id: Id, payload: OperatingContractIn):
    contract = sign_contract(actor=request.auth, facility_id=facility_id, **payload.dict())
    return Status(201, contract)
