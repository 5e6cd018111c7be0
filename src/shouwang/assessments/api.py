"""The assessment JSON API: the stateless GB/T 42195-2022 scoring endpoint, the item definitions, the
assessment workflow and care plans."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.conf import settings
from ninja import Router, Schema, Status
from pydantic import Field, StrictInt

from shouwang.core.pagination import paginate
from shouwang.core.schemas import (
    Code,
    Day,
    Days,
    Id,
    MaxText,
    Page,
    PageSize,
    RegionCode,
    absent,
    column_range,
    column_text,
)

from . import careplans, scoring, services
from .models import Assessment, CarePlan, CarePlanItem
from .selectors import assessments_for, due_for_assessment, get_assessment_for, get_care_plan_for

router = Router(tags=["assessments"])

# An item's score or a count of risk events as sent: the scoring names one outside its item's range.
Score = Annotated[StrictInt, Field(ge=-1000, le=1000)]


class ScoreIn(Schema):
    """Item scores by key (all 26), the coma flag, ICD-10 diagnoses and care-risk events of the last 30 days.

    ``items`` is a free mapping so that missing and unknown keys are named by the scoring engine.
    ``cumulative`` overrides the platform's setting for whether the two "one level higher" rules add up.
    """

    items: dict[Code, Score]
    coma: bool = False
    diagnoses: list[Code] = []
    risk_events_30d: dict[Code, Score] = {}
    cumulative: bool | None = None


class AdjustmentOut(Schema):
    code: str
    description: str
    description_en: str


class AssessmentScoreOut(Schema):
    dimension_scores: dict[str, int]
    total: int
    initial_level: int
    final_level: int
    level_name: str
    level_name_en: str
    adjustments: list[AdjustmentOut]


class AnchorOut(Schema):
    score: int
    description: str


class AssessmentItemOut(Schema):
    key: str
    dimension: str
    label: str
    label_en: str
    min: int
    max: int
    anchors: list[AnchorOut]


class DimensionOut(Schema):
    key: str
    name: str
    name_en: str
    max: int
    items: list[str]


class LevelOut(Schema):
    level: int
    name: str
    name_en: str
    min_total: int
    max_total: int


class RiskEventOut(Schema):
    key: str
    label: str
    label_en: str


class DefinitionsOut(Schema):
    standard: str
    max_total: int
    items: list[AssessmentItemOut]
    dimensions: list[DimensionOut]
    levels: list[LevelOut]
    risk_events: list[RiskEventOut]
    risk_event_threshold: int


def cumulative_default() -> bool:
    """The platform's setting: do the two "one level higher" rules add up? Not by default."""
    return bool(getattr(settings, "SHOUWANG_ASSESSMENT_CUMULATIVE_ADJUSTMENTS", False))


@router.post("/score", response=AssessmentScoreOut, summary="Score an ability assessment (GB/T 42195-2022)")
def score(request, payload: ScoreIn):
    """Stateless: nothing is saved. Missing, unknown or out-of-range items give a 422 naming each one."""
    cumulative = cumulative_default() if payload.cumulative is None else payload.cumulative
    result = scoring.score(
        payload.items,
        coma=payload.coma,
        diagnoses=payload.diagnoses,
        risk_events_30d=payload.risk_events_30d,
        cumulative=cumulative,
    )
    return {
        "dimension_scores": result.dimension_scores,
        "total": result.total,
        "initial_level": result.initial_level,
        "final_level": result.final_level,
        "level_name": result.level_name,
        "level_name_en": result.level_name_en,
        "adjustments": [adjustment._asdict() for adjustment in result.adjustments],
    }


@router.get("/items", response=DefinitionsOut, summary="Assessment items, anchors, dimensions and levels")
def items(request):
    return scoring.definitions()


# --- the workflow -------------------------------------------------------------------------------------------
class DiagnosisIn(Schema):
    code: Code
    name: Annotated[str, MaxText(100)] = ""


class AssessmentIn(Schema):
    """A draft's fields; only those sent change. ``items`` may hold some of the 26 scores at a time.
    Only ``assessor_2`` may be sent as null (no second assessor yet)."""

    reason: Code = absent()
    assessed_on: Day = absent()
    assessor_2: Id | None = None
    informant_name: Annotated[str, column_text(Assessment, "informant_name")] = absent()
    informant_relation: Annotated[str, column_text(Assessment, "informant_relation")] = absent()
    living_arrangement: Code = absent()
    diagnoses: list[DiagnosisIn] = absent()
    special_care: list[Code] = absent()
    risk_events: dict[Code, Score] = absent()
    coma: bool = absent()
    items: dict[Code, Score] = absent()
    note: Annotated[str, column_text(Assessment, "note")] = absent()


class StartIn(Schema):
    elder_id: Id
    reason: Code = "first"
    # Who carries it out: required when the caller is not an assessor (a worker or official starts the form
    # for an assessor, who is then assigned the elder).
    assessor_id: Id | None = None


class DraftAssessorIn(Schema):
    assessor_id: Id


class ReasonIn(Schema):
    reason: Annotated[str, column_text(Assessment, "return_reason")]


class AssessmentOut(Schema):
    id: int
    elder_id: int
    standard: str
    reason: str
    state: str
    assessed_on: dt.date
    assessor_1: int | None
    assessor_2: int | None
    informant_name: str
    informant_relation: str
    living_arrangement: str
    diagnoses: list[dict]
    special_care: list[str]
    risk_events: dict
    coma: bool
    items: dict
    dimension_scores: dict
    total: int | None
    initial_level: int | None
    final_level: int | None
    adjustments: list[dict]
    return_reason: str
    valid_until: dt.date | None
    disputed_id: int | None

    @staticmethod
    def resolve_assessor_1(assessment) -> int | None:
        return assessment.assessor_1_id

    @staticmethod
    def resolve_assessor_2(assessment) -> int | None:
        return assessment.assessor_2_id


class AssessmentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AssessmentOut]


class DueElderOut(Schema):
    id: int
    name: str
    community_code: str
    ability_level: int | None
    ability_valid_until: dt.date | None

    @staticmethod
    def resolve_community_code(elder) -> str:
        return elder.community_id


class DuePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DueElderOut]


@router.get("", response=AssessmentPage, summary="Assessments of the elders in the caller's scope")
def list_assessments(
    request, elder_id: Id | None = None, state: Code = "", page: Page = 1, page_size: PageSize = 50
):
    assessments = assessments_for(request.auth)
    if elder_id:
        assessments = assessments.filter(elder_id=elder_id)
    if state:
        assessments = assessments.filter(state=state)
    return paginate(assessments, page=page, page_size=page_size)


@router.get("/due", response=DuePage, summary="Elders due or overdue for (re-)assessment")
def due(
    request,
    community: RegionCode = "",
    within_days: Days = 30,
    page: Page = 1,
    page_size: PageSize = 50,
):
    elders = due_for_assessment(request.auth, within_days=within_days)
    if community:
        elders = elders.filter(community_id=community)
    return paginate(elders, page=page, page_size=page_size)


@router.post("", response={201: AssessmentOut}, summary="Open a draft assessment for an elder")
def start(request, payload: StartIn):
    assessment = services.start_assessment(
        actor=request.auth, elder_id=payload.elder_id, reason=payload.reason, assessor_id=payload.assessor_id
    )
    return Status(201, assessment)


@router.get("/{int:assessment_id}", response=AssessmentOut)
def detail(request, assessment_id: Id):
    return get_assessment_for(request.auth, assessment_id)


@router.patch("/{int:assessment_id}", response=AssessmentOut, summary="Save part of a draft")
def save(request, assessment_id: Id, payload: AssessmentIn):
    return services.save_draft(
        actor=request.auth, assessment_id=assessment_id, data=payload.dict(exclude_unset=True)
    )


@router.post("/{int:assessment_id}/submit", response=AssessmentOut, summary="Score and send for review")
def submit(request, assessment_id: Id):
    return services.submit(actor=request.auth, assessment_id=assessment_id)


@router.post(
    "/{int:assessment_id}/approve", response=AssessmentOut, summary="Approve: sets the elder's level"
)
def approve(request, assessment_id: Id):
    return services.approve(actor=request.auth, assessment_id=assessment_id)


@router.post(
    "/{int:assessment_id}/return", response=AssessmentOut, summary="Return to the assessors with a reason"
)
def return_for_correction(request, assessment_id: Id, payload: ReasonIn):
    return services.return_for_correction(
        actor=request.auth, assessment_id=assessment_id, reason=payload.reason
    )


@router.post("/{int:assessment_id}/assign", response=AssessmentOut, summary="Give a draft its first assessor")
def assign(request, assessment_id: Id, payload: DraftAssessorIn):
    return services.assign_draft(
        actor=request.auth, assessment_id=assessment_id, assessor_id=payload.assessor_id
    )


@router.post(
    "/{int:assessment_id}/discard",
    response=AssessmentOut,
    summary="Discard a draft that will not be finished",
)
def discard(request, assessment_id: Id, payload: ReasonIn):
    return services.discard_draft(actor=request.auth, assessment_id=assessment_id, reason=payload.reason)


@router.post(
    "/{int:assessment_id}/dispute", response={201: AssessmentOut}, summary="Dispute: opens a 复评 draft"
)
def dispute(request, assessment_id: Id, payload: ReasonIn):
    return Status(
        201, services.dispute(actor=request.auth, assessment_id=assessment_id, reason=payload.reason)
    )


# --- care plans ---------------------------------------------------------------------------------------------
class PlanItemIn(Schema):
    service: Annotated[str, column_text(CarePlanItem, "service")]
    times: Annotated[int, column_range(CarePlanItem, "times")]
    per: Annotated[str, column_text(CarePlanItem, "per")]
    why: Annotated[str, column_text(CarePlanItem, "why")] = ""


class PlanItemOut(Schema):
    service: str
    service_name: str
    times: int
    per: str
    why: str

    @staticmethod
    def resolve_service_name(item) -> str:
        return careplans.CARE_SERVICES.get(item.service, item.service)


class CarePlanOut(Schema):
    id: int
    elder_id: int
    assessment_id: Id | None
    state: str
    needs: list[str]
    note: str
    items: list[PlanItemOut]

    @staticmethod
    def resolve_items(plan) -> list:
        return list(plan.items.all())


class PlanDraftIn(Schema):
    elder_id: Id
    needs: list[Code] = []
    note: Annotated[str, column_text(CarePlan, "note")] = ""


@router.post(
    "/care-plans", response={201: CarePlanOut}, summary="Recommend a care plan (draft) from the rules"
)
def draft_plan(request, payload: PlanDraftIn):
    plan = careplans.draft_care_plan(
        actor=request.auth, elder_id=payload.elder_id, needs=payload.needs, note=payload.note
    )
    return Status(201, get_care_plan_for(request.auth, plan.pk))


@router.get("/care-plans/{int:plan_id}", response=CarePlanOut)
def plan_detail(request, plan_id: Id):
    return get_care_plan_for(request.auth, plan_id)


@router.put(
    "/care-plans/{int:plan_id}/items", response=CarePlanOut, summary="Replace the items of a draft plan"
)
def plan_items(request, plan_id: Id, payload: list[PlanItemIn]):
    careplans.set_plan_items(actor=request.auth, plan_id=plan_id, items=[item.dict() for item in payload])
    return get_care_plan_for(request.auth, plan_id)


@router.post(
    "/care-plans/{int:plan_id}/approve",
    response=CarePlanOut,
    summary="Approve; the previous plan is superseded",
)
def plan_approve(request, plan_id: Id):
    careplans.approve_care_plan(actor=request.auth, plan_id=plan_id)
    return get_care_plan_for(request.auth, plan_id)
