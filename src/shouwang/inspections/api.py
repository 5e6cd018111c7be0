"""The supervision API: inspections across sectors (list, one with its findings), drawing a round and
publishing its results, recording an inspection's findings, the operator's response, re-inspection,
escalation, and the supervision report. Scope as in the console; anything else is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Router, Schema, Status

from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Day, Id, MaxText, Page, PageSize, RegionCode

from .report import supervision_report
from .selectors import get_finding_for, get_inspection_for, get_plan_for, inspections_for, plans_for
from .services import create_plan, draw_reproduced, escalate, publish_plan, record_results, reinspect, respond

router = Router(tags=["inspections"])


class FindingOut(Schema):
    id: int
    inspection_id: int
    severity: str
    description: str
    rectify_by: dt.date
    state: str
    response: str
    evidence: list[str]
    responded_at: dt.datetime | None
    reinspected_on: dt.date | None
    reinspection_note: str
    closed_at: dt.datetime | None
    escalated_at: dt.datetime | None
    escalation_note: str


class SectorInspectionOut(Schema):
    id: int
    plan_id: int
    target_kind: str
    target_id: int
    target_name: str
    region_code: str
    state: str
    inspected_on: dt.date | None
    summary: str
    inspectors: list[str]

    @staticmethod
    def resolve_inspectors(inspection) -> list[str]:
        return [str(user) for user in inspection.inspectors.all()]


class InspectionDetail(SectorInspectionOut):
    findings: list[FindingOut]

    @staticmethod
    def resolve_findings(inspection) -> list:
        return list(inspection.findings.all())


class InspectionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[SectorInspectionOut]


class RoundOut(Schema):
    id: int
    title: str
    region: str
    target_kind: str
    sample_size: int
    inspectors_per_target: int
    seed: int
    target_pool: list[int]
    inspector_pool: list[int]
    state: str
    due_on: dt.date
    published_at: dt.datetime | None

    @staticmethod
    def resolve_region(plan) -> str:
        return plan.region_id


class RoundDetail(RoundOut):
    draw_reproduced: bool
    inspections: list[SectorInspectionOut]

    @staticmethod
    def resolve_draw_reproduced(plan) -> bool:
        return draw_reproduced(plan)

    @staticmethod
    def resolve_inspections(plan) -> list:
        return list(plan.inspections.order_by("id").prefetch_related("inspectors"))


class RoundIn(Schema):
    """A round of 双随机: ``sample_size`` targets of ``target_kind`` (provider, facility, childcare) in
    ``region``, each with ``inspectors_per_target`` officials. ``seed`` only to repeat a known draw."""

    title: Annotated[str, MaxText(120)]
    region: RegionCode
    target_kind: Code
    sample_size: Annotated[int, Field(ge=1, le=1000)]
    inspectors_per_target: Annotated[int, Field(ge=1, le=10)] = 2
    due_on: Day
    seed: Annotated[int, Field(ge=0, le=2**62)] | None = None


class FindingIn(Schema):
    severity: Code
    description: Annotated[str, MaxText(300)]
    rectify_by: Day


class ResultsIn(Schema):
    inspected_on: Day
    summary: Annotated[str, MaxText(300)] = ""
    findings: list[FindingIn] = Field(default_factory=list, max_length=50)


class ResponseIn(Schema):
    response: Annotated[str, MaxText(500)]
    evidence: list[Annotated[str, MaxText(200)]] = Field(default_factory=list, max_length=20)


class ReinspectionIn(Schema):
    passed: bool
    note: Annotated[str, MaxText(300)] = ""
    on: Day | None = None
    new_deadline: Day | None = None


class EscalationIn(Schema):
    note: Annotated[str, MaxText(300)]


class ReportOut(Schema):
    region: str
    name: str
    year: int
    quarter: int
    first_day: dt.date
    last_day: dt.date
    inspections: int
    inspections_by_kind: dict[str, int]
    findings_by_severity: dict[str, int]
    raised: int
    closed: int
    closed_on_time: int
    open: int
    overdue: int
    escalated: int
    rectification_rate: float | None
    escalations: list[FindingOut]


@router.get("", response=InspectionPage, summary="Inspections in the caller's scope")
def list_inspections(request, target_kind: Code = "", state: Code = "", plan: Id | None = None,
                     page: Page = 1, page_size: PageSize = 50):  # fmt: skip
    found = inspections_for(request.auth, target_kind=target_kind, state=state, plan_id=plan)
    return paginate(found.prefetch_related("inspectors"), page=page, page_size=page_size)


@router.get("/{int:inspection_id}", response=InspectionDetail, summary="One inspection with its findings")
def get_inspection(request, inspection_id: Id):
    return get_inspection_for(request.auth, inspection_id)


@router.post("/{int:inspection_id}/results", response=InspectionDetail, summary="Record an inspection")
def post_results(request, inspection_id: Id, payload: ResultsIn):
    record_results(
        actor=request.auth, inspection_id=inspection_id, inspected_on=payload.inspected_on,
        summary=payload.summary, findings=[item.dict() for item in payload.findings],
    )  # fmt: skip
    return get_inspection_for(request.auth, inspection_id)


@router.get("/plans", response=list[RoundOut], summary="Inspection rounds in the caller's scope")
def list_plans(request):
    return list(plans_for(request.auth)[:500])


@router.get("/plans/{int:round_id}", response=RoundDetail, summary="One round with its draw")
def get_plan(request, round_id: Id):
    return get_plan_for(request.auth, round_id)


@router.post("/plans", response={201: RoundDetail}, summary="Draw an inspection round")
def post_plan(request, payload: RoundIn):
    plan = create_plan(
        actor=request.auth, **{("region_code" if k == "region" else k): v for k, v in payload.dict().items()}
    )
    return Status(201, get_plan_for(request.auth, plan.pk))


@router.post("/plans/{int:round_id}/publish", response=RoundDetail, summary="Publish a round's results")
def post_publish(request, round_id: Id):
    publish_plan(actor=request.auth, plan_id=round_id)
    return get_plan_for(request.auth, round_id)


@router.post("/findings/{int:finding_id}/response", response=FindingOut, summary="Answer a finding")
def post_response(request, finding_id: Id, payload: ResponseIn):
    respond(actor=request.auth, finding_id=finding_id, response=payload.response, evidence=payload.evidence)
    return get_finding_for(request.auth, finding_id)


@router.post("/findings/{int:finding_id}/reinspection", response=FindingOut, summary="Re-inspect a finding")
def post_reinspection(request, finding_id: Id, payload: ReinspectionIn):
    reinspect(actor=request.auth, finding_id=finding_id, **payload.dict())
    return get_finding_for(request.auth, finding_id)


@router.post("/findings/{int:finding_id}/escalation", response=FindingOut, summary="Escalate a finding")
def post_escalation(request, finding_id: Id, payload: EscalationIn):
    escalate(actor=request.auth, finding_id=finding_id, note=payload.note)
    return get_finding_for(request.auth, finding_id)


@router.get("/report", response=ReportOut, summary="Supervision report of a region and quarter")
def get_report(request, region: RegionCode, year: Annotated[int, Field(ge=2000, le=2100)],
               quarter: Annotated[int, Field(ge=1, le=4)]):  # fmt: skip
    return supervision_report(request.auth, region_code=region, year=year, quarter=quarter)
