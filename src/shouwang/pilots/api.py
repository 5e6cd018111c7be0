"""The pilot programmes API: the list, one programme with its stages, indicators, milestones, documents
and whole history; applying, every state change (one ``moves`` endpoint: an illegal step is a 409),
objections during the public notice, milestones, indicator values and documents. Scope: officials the
programmes of their regions; anything else is a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Router, Schema, Status

from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Day, DecimalText, Id, MaxText, Note, Page, PageSize, RegionCode

from .selectors import get_pilot_for, pilots_for, stages_of
from .services import (
    add_document,
    add_milestone,
    apply,
    complete_milestone,
    move,
    record_objection,
    report_indicator,
)

router = Router(tags=["pilots"])

# An indicator's figure, as its column keeps it (12 digits, 2 after the point).
Amount = Annotated[Decimal, Field(max_digits=12, decimal_places=2), DecimalText(14)]
Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=4, decimal_places=1), DecimalText(5)]


class PilotOut(Schema):
    id: int
    title: str
    region: str
    region_name: str
    state: str
    state_name: str
    objection_days: int
    notice_from: dt.date | None
    notice_until: dt.date | None
    score: Decimal | None
    created_at: dt.datetime

    @staticmethod
    def resolve_region(pilot) -> str:
        return pilot.region_id

    @staticmethod
    def resolve_region_name(pilot) -> str:
        return pilot.region.name

    @staticmethod
    def resolve_state_name(pilot) -> str:
        return str(pilot.get_state_display())


class PilotPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PilotOut]


class StageOut(Schema):
    state: str
    label: str
    entered_at: dt.datetime | None
    left_at: dt.datetime | None
    current: bool


class PilotIndicatorOut(Schema):
    id: int
    name: str
    unit: str
    baseline: Decimal | None
    target: Decimal
    latest: Decimal | None
    latest_period: dt.date | None


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date
    done_on: dt.date | None


class PilotDocumentOut(Schema):
    id: int
    title: str
    number: str
    stage: str
    added_at: dt.datetime


class PilotEventOut(Schema):
    kind: str
    from_state: str
    to_state: str
    at: dt.datetime
    actor_name: str
    reason: str
    details: dict


class PilotDetail(PilotOut):
    goals: str
    stages: list[StageOut]
    indicators: list[PilotIndicatorOut]
    milestones: list[MilestoneOut]
    documents: list[PilotDocumentOut]
    history: list[PilotEventOut]

    @staticmethod
    def resolve_stages(pilot) -> list[dict]:
        return stages_of(pilot)

    @staticmethod
    def resolve_indicators(pilot) -> list[dict]:
        rows = []
        for indicator in pilot.indicators.all():
            latest = indicator.reports.order_by("-period", "-id").first()
            rows.append(
                {
                    "id": indicator.pk, "name": indicator.name, "unit": indicator.unit,
                    "baseline": indicator.baseline, "target": indicator.target,
                    "latest": latest.value if latest else None,
                    "latest_period": latest.period if latest else None,
                }
            )  # fmt: skip
        return rows

    @staticmethod
    def resolve_milestones(pilot) -> list:
        return list(pilot.milestones.all())

    @staticmethod
    def resolve_documents(pilot) -> list:
        return list(pilot.documents.all())

    @staticmethod
    def resolve_history(pilot) -> list:
        return list(pilot.events.all())


class IndicatorIn(Schema):
    name: Annotated[str, MaxText(120)]
    unit: Annotated[str, MaxText(20)] = ""
    baseline: Amount | None = None
    target: Amount


class PilotIn(Schema):
    """An application by a street or district (``region`` is its code) with its own indicators."""

    region: RegionCode
    title: Annotated[str, MaxText(120)]
    goals: Note
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=20)
    objection_days: Annotated[int, Field(ge=1, le=60)] = 7


class MoveIn(Schema):
    to_state: Code = Field(
        description="notice, rejected, withdrawn, implementing, acceptance, accepted, failed"
    )
    reason: Annotated[str, MaxText(300)] = ""
    score: Score | None = None


class ObjectionIn(Schema):
    text: Annotated[str, MaxText(300)]
    received_from: Annotated[str, MaxText(60)] = ""


class MilestoneIn(Schema):
    title: Annotated[str, MaxText(120)]
    due_on: Day


class MilestoneDoneIn(Schema):
    done_on: Day | None = None


class ReportIn(Schema):
    indicator_id: Id
    value: Amount
    period: Day | None = None


class DocumentIn(Schema):
    title: Annotated[str, MaxText(120)]
    number: Annotated[str, MaxText(60)] = ""


@router.get("", response=PilotPage, summary="Pilot programmes in the caller's scope")
def list_pilots(request, state: Code = "", page: Page = 1, page_size: PageSize = 50):
    return paginate(pilots_for(request.auth, state=state), page=page, page_size=page_size)


@router.get("/{int:pilot_id}", response=PilotDetail, summary="One programme with its stages and history")
def get_pilot(request, pilot_id: Id):
    return get_pilot_for(request.auth, pilot_id)


@router.post("", response={201: PilotDetail}, summary="Apply for a pilot programme")
def create_pilot(request, payload: PilotIn):
    pilot = apply(
        actor=request.auth, region_code=payload.region, title=payload.title, goals=payload.goals,
        indicators=[item.dict() for item in payload.indicators], objection_days=payload.objection_days,
    )  # fmt: skip
    return Status(201, get_pilot_for(request.auth, pilot.pk))


@router.post("/{int:pilot_id}/moves", response=PilotDetail, summary="Move a programme to its next state")
def move_pilot(request, pilot_id: Id, payload: MoveIn):
    """An illegal step is a 409 (``illegal_transition``); starting before the objection period is over is
    a 409 too (``objection_period``)."""
    move(
        actor=request.auth,
        pilot_id=pilot_id,
        to_state=payload.to_state,
        reason=payload.reason,
        score=payload.score,
    )
    return get_pilot_for(request.auth, pilot_id)


@router.post("/{int:pilot_id}/objections", response={201: PilotDetail}, summary="Record an objection")
def object_to_pilot(request, pilot_id: Id, payload: ObjectionIn):
    record_objection(
        actor=request.auth, pilot_id=pilot_id, text=payload.text, received_from=payload.received_from
    )
    return Status(201, get_pilot_for(request.auth, pilot_id))


@router.post("/{int:pilot_id}/milestones", response={201: MilestoneOut}, summary="Add a milestone")
def create_milestone(request, pilot_id: Id, payload: MilestoneIn):
    return Status(
        201, add_milestone(actor=request.auth, pilot_id=pilot_id, title=payload.title, due_on=payload.due_on)
    )


@router.post(
    "/{int:pilot_id}/milestones/{int:milestone_id}/done",
    response=MilestoneOut,
    summary="Mark a milestone done",
)
def milestone_done(request, pilot_id: Id, milestone_id: Id, payload: MilestoneDoneIn):
    return complete_milestone(
        actor=request.auth, pilot_id=pilot_id, milestone_id=milestone_id, done_on=payload.done_on
    )


@router.post("/{int:pilot_id}/reports", response={201: PilotDetail}, summary="Report an indicator's value")
def create_report(request, pilot_id: Id, payload: ReportIn):
    report_indicator(
        actor=request.auth, pilot_id=pilot_id, indicator_id=payload.indicator_id, value=payload.value,
        period=payload.period,
    )  # fmt: skip
    return Status(201, get_pilot_for(request.auth, pilot_id))


@router.post("/{int:pilot_id}/documents", response={201: PilotDocumentOut}, summary="Add a document")
def create_document(request, pilot_id: Id, payload: DocumentIn):
    return Status(
        201, add_document(actor=request.auth, pilot_id=pilot_id, title=payload.title, number=payload.number)
    )
