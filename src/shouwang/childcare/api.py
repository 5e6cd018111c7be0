"""The childcare API: institutions (list, one with its staff, the bureau's filing and decisions, the
institution's own edits), the region's indicators, and the bureau's population figures and plan targets.
Scope as in the console: region staff their regions' institutions, an institution's account its own;
anything else is a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Router, Schema, Status

from shouwang.core.pagination import paginate
from shouwang.core.schemas import (
    Code,
    DecimalText,
    Id,
    MaxText,
    Page,
    PageSize,
    RegionCode,
    SearchText,
    absent,
    column_text,
)

from .indicators import indicators_for
from .models import Institution, Population
from .selectors import get_institution_for, institutions_for
from .services import (
    add_staff,
    decide_registration,
    file_institution,
    set_population,
    set_target,
    update_institution,
)

router = Router(tags=["childcare"])

Count = Annotated[int, Field(ge=0, le=10_000)]
Fen = Annotated[int, Field(ge=0, le=1_000_000_000)]
PerThousand = Annotated[Decimal, Field(gt=0, lt=100, max_digits=5, decimal_places=2), DecimalText(7)]
Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=3), DecimalText(6)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class InstitutionStaffOut(Schema):
    id: int
    name: str
    post: str
    qualification: str
    certificate_number: str


class InstitutionOut(Schema):
    id: int
    name: str
    kind: str
    kind_name: str
    licence_number: str
    operator_name: str
    operator_credit_code: str
    community: str
    community_name: str
    address: str
    lat: float | None
    lon: float | None
    phone: str
    places_0_1: int
    places_1_2: int
    places_2_3: int
    enrolled_0_1: int
    enrolled_1_2: int
    enrolled_2_3: int
    places: int
    enrolled: int
    monthly_fee_fen: int
    affordable: bool
    subsidy_per_place_fen: int
    state: str
    decision_note: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind_name(institution) -> str:
        return str(institution.get_kind_display())

    @staticmethod
    def resolve_community(institution) -> str:
        return institution.community_id

    @staticmethod
    def resolve_community_name(institution) -> str:
        return institution.community.name


class InstitutionDetail(InstitutionOut):
    staff: list[InstitutionStaffOut]

    @staticmethod
    def resolve_staff(institution) -> list:
        return list(institution.staff.all())


class InstitutionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InstitutionOut]


class InstitutionOwnFigures(Schema):
    """What an institution changes itself; the bureau may send the filing's fields too."""

    address: Annotated[str, column_text(Institution, "address")] = absent()
    lat: Latitude | None = None
    lon: Longitude | None = None
    phone: Annotated[str, column_text(Institution, "phone")] = absent()
    monthly_fee_fen: Fen = absent()
    places_0_1: Count = absent()
    places_1_2: Count = absent()
    places_2_3: Count = absent()
    enrolled_0_1: Count = absent()
    enrolled_1_2: Count = absent()
    enrolled_2_3: Count = absent()


class InstitutionPatch(InstitutionOwnFigures):
    name: Annotated[str, column_text(Institution, "name")] = absent()
    kind: Code = absent()
    licence_number: Annotated[str, column_text(Institution, "licence_number")] = absent()
    operator_name: Annotated[str, column_text(Institution, "operator_name")] = absent()
    operator_credit_code: Annotated[str, MaxText(18)] = absent()
    community: RegionCode = absent()
    affordable: bool = absent()
    subsidy_per_place_fen: Fen = absent()


class InstitutionIn(Schema):
    """A filing for review; ``community`` is a community's code; with ``username`` the institution gets
    its own login (role ``childcare_admin``)."""

    name: Annotated[str, column_text(Institution, "name")]
    kind: Code
    licence_number: Annotated[str, column_text(Institution, "licence_number")]
    operator_name: Annotated[str, column_text(Institution, "operator_name")]
    operator_credit_code: Annotated[str, MaxText(18)]
    community: RegionCode
    address: Annotated[str, column_text(Institution, "address")]
    lat: Latitude | None = None
    lon: Longitude | None = None
    phone: Annotated[str, column_text(Institution, "phone")] = ""
    places_0_1: Count = 0
    places_1_2: Count = 0
    places_2_3: Count = 0
    enrolled_0_1: Count = 0
    enrolled_1_2: Count = 0
    enrolled_2_3: Count = 0
    monthly_fee_fen: Fen = 0
    affordable: bool = False
    subsidy_per_place_fen: Fen = 0
    username: Annotated[str, MaxText(150)] = ""
    password: Annotated[str, MaxText(128)] = ""


class FilingDecisionIn(Schema):
    state: Annotated[str, MaxText(12)] = Field(description="registered, refused, suspended or pending")
    note: Annotated[str, column_text(Institution, "decision_note")] = ""


class InstitutionStaffIn(Schema):
    name: Annotated[str, MaxText(40)]
    post: Annotated[str, MaxText(40)]
    qualification: Annotated[str, MaxText(80)] = ""
    certificate_number: Annotated[str, MaxText(40)] = ""


class ChildcareIndicators(Schema):
    region: str
    name: str
    year: int
    residents: int | None
    under_three: int | None
    population_complete: bool
    institutions: int
    places: int
    places_0_1: int
    places_1_2: int
    places_2_3: int
    enrolled: int
    enrolled_0_1: int
    enrolled_1_2: int
    enrolled_2_3: int
    affordable_places: int
    places_per_thousand: Decimal | None
    target_per_thousand: Decimal | None
    target_year: int | None
    target_region: str | None
    meets_target: bool | None
    affordable_share: Decimal | None
    target_affordable_share: Decimal | None
    occupancy: Decimal | None


class IndicatorsOut(ChildcareIndicators):
    parts: list[ChildcareIndicators]


class PopulationFigureIn(Schema):
    region: RegionCode
    year: Year
    residents: Annotated[int, Field(ge=1, le=2_000_000_000)]
    under_three: Annotated[int, Field(ge=0, le=2_000_000_000)] | None = None
    source: Annotated[str, column_text(Population, "source")] = ""


class PopulationFigureOut(Schema):
    region: str
    year: int
    residents: int
    under_three: int | None
    source: str

    @staticmethod
    def resolve_region(row) -> str:
        return row.region_id


class PlanTargetIn(Schema):
    region: RegionCode
    year: Year
    places_per_thousand: Annotated[
        Decimal, Field(gt=0, lt=100, max_digits=5, decimal_places=2), DecimalText(7)
    ]
    affordable_share: (
        Annotated[Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=3), DecimalText(6)] | None
    ) = None


class PlanTargetOut(Schema):
    region: str
    year: int
    places_per_thousand: Decimal
    affordable_share: Decimal | None

    @staticmethod
    def resolve_region(row) -> str:
        return row.region_id


@router.get("/institutions", response=InstitutionPage, summary="Childcare institutions in the caller's scope")
def list_institutions(
    request,
    region: RegionCode = "",
    state: Code = "",
    kind: Code = "",
    q: SearchText = "",
    page: Page = 1,
    page_size: PageSize = 50,
):
    found = institutions_for(request.auth, region=region, state=state, kind=kind, q=q)
    return paginate(found, page=page, page_size=page_size)


@router.get("/institutions/{int:institution_id}", response=InstitutionDetail, summary="One institution")
def get_institution(request, institution_id: Id):
    return get_institution_for(request.auth, institution_id)


@router.post("/institutions", response={201: InstitutionDetail}, summary="File an institution for review")
def create_institution(request, payload: InstitutionIn):
    values = payload.dict()
    username, password = values.pop("username"), values.pop("password")
    institution = file_institution(actor=request.auth, values=values, username=username, password=password)
    return Status(201, get_institution_for(request.auth, institution.pk))


@router.patch("/institutions/{int:institution_id}", response=InstitutionDetail, summary="Change the record")
def patch_institution(request, institution_id: Id, payload: InstitutionPatch):
    """An institution's account may send only its own figures (address, phone, fee, places, enrolment)."""
    update_institution(
        actor=request.auth, institution_id=institution_id, values=payload.dict(exclude_unset=True)
    )
    return get_institution_for(request.auth, institution_id)


@router.post(
    "/institutions/{int:institution_id}/decision", response=InstitutionDetail, summary="Decide the filing"
)
def decide_institution(request, institution_id: Id, payload: FilingDecisionIn):
    decide_registration(
        actor=request.auth, institution_id=institution_id, state=payload.state, note=payload.note
    )
    return get_institution_for(request.auth, institution_id)


@router.post(
    "/institutions/{int:institution_id}/staff",
    response={201: InstitutionStaffOut},
    summary="Add a staff member",
)
def create_staff(request, institution_id: Id, payload: InstitutionStaffIn):
    return Status(201, add_staff(actor=request.auth, institution_id=institution_id, **payload.dict()))


@router.get("/indicators", response=IndicatorsOut, summary="Childcare indicators of a region")
def get_indicators(request, region: RegionCode, year: Year | None = None):
    return indicators_for(request.auth, region, year=year)


@router.put("/population", response=PopulationFigureOut, summary="Record a region's population for a year")
def put_population(request, payload: PopulationFigureIn):
    return set_population(
        actor=request.auth, region_code=payload.region, year=payload.year, residents=payload.residents,
        under_three=payload.under_three, source=payload.source,
    )  # fmt: skip


@router.put("/targets", response=PlanTargetOut, summary="Set a region's plan target for a year")
def put_target(request, payload: PlanTargetIn):
    return set_target(
        actor=request.auth, region_code=payload.region, year=payload.year,
        places_per_thousand=payload.places_per_thousand, affordable_share=payload.affordable_share,
    )  # fmt: skip
