"""The health API: an elder's health summary, their vital signs (read, and recorded by caregivers and
integrations), and the community's care tasks. Scope as in the console: an elder outside the caller's
reach is a 404, like a missing one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Router, Schema, Status

from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Id, MaxText, Moment, Page, PageSize

from . import services
from .codes import KIND_MEASURES, MEASURES
from .models import CareTask, CareTaskState, ElderCondition, Vital, VitalSource
from .selectors import (
    care_tasks_for,
    conditions_of,
    health_elder_for,
    summary_of,
    thresholds_of,
    vitals_for,
)

router = Router(tags=["health"])

# Any number a reading could hold: the services refuse what is not plausible in plain words.
Reading = Annotated[float, Field(ge=-10_000, le=10_000)]


class VitalIn(Schema):
    kind: Code
    # One number for most kinds; blood pressure gives systolic and diastolic instead.
    value: Reading | None = None
    systolic: Reading | None = None
    diastolic: Reading | None = None
    measured_at: Moment | None = None


class VitalOut(Schema):
    id: int
    elder_id: int
    kind: str
    value: float | None = None
    systolic: float | None = None
    diastolic: float | None = None
    unit: str
    measured_at: dt.datetime
    source: str
    level: str
    care_task_id: int | None = None
    incident_id: int | None = None


def _vital_out(vital: Vital, task: CareTask | None = None) -> dict:
    names = KIND_MEASURES[vital.kind]
    out = {
        "id": vital.pk,
        "elder_id": vital.elder_id,
        "kind": vital.kind,
        "unit": MEASURES[names[0]].unit,
        "measured_at": vital.measured_at,
        "source": vital.source,
        "level": vital.level,
    }
    if vital.second_value is not None:
        out |= {"systolic": vital.value, "diastolic": vital.second_value}
    else:
        out["value"] = vital.value
    if task is not None:
        out |= {"care_task_id": task.pk, "incident_id": task.incident_id}
    return out


class VitalPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VitalOut]


@router.get(
    "/elders/{int:elder_id}/vitals", response=VitalPage, summary="An elder's vital signs, newest first"
)
def list_vitals(
    request,
    elder_id: Id,
    kind: Code = "",
    since: Moment | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
):
    found = paginate(
        vitals_for(request.auth, elder_id, kind=kind, since=since), page=page, page_size=page_size
    )
    return {**found.__dict__, "items": [_vital_out(vital) for vital in found.items]}


@router.post(
    "/elders/{int:elder_id}/vitals",
    response={201: VitalOut},
    summary="Record a reading (caregivers, community workers, operators; integrations with a token)",
)
def record_vital(request, elder_id: Id, payload: VitalIn):
    vital = services.record_vital(
        actor=request.auth,
        elder_id=elder_id,
        kind=payload.kind,
        values=payload.dict(include={"value", "systolic", "diastolic"}),
        measured_at=payload.measured_at,
        source=VitalSource.API,
    )
    task = CareTask.objects.filter(vital=vital).first()
    return Status(201, _vital_out(vital, task))


class ConditionOut(Schema):
    code: str | None
    name: str
    source: str

    @staticmethod
    def resolve_code(condition: ElderCondition) -> str | None:
        return condition.code_id


class ThresholdOut(Schema):
    measure: str
    unit: str
    low: float | None
    high: float | None
    urgent_low: float | None
    urgent_high: float | None


class HealthSummaryOut(Schema):
    elder_id: int
    conditions: list[ConditionOut]
    allergies: str
    medications: str
    contract_status: str | None = None
    family_doctor: str | None = None
    family_doctor_team: str | None = None
    family_doctor_phone: str | None = None
    contract_start: dt.date | None = None
    contract_end: dt.date | None = None
    hospital: str | None = None
    thresholds: list[ThresholdOut]


@router.get("/elders/{int:elder_id}/health", response=HealthSummaryOut, summary="An elder's health summary")
def health_summary(request, elder_id: Id):
    """The family doctor and the hospital of choice only for the region's staff (``null`` otherwise)."""
    from .permissions import sees_clinical_contacts

    elder = health_elder_for(request.auth, elder_id)
    summary = summary_of(elder)
    out = {
        "elder_id": elder.pk,
        "conditions": list(conditions_of(elder)),
        "allergies": summary.allergies,
        "medications": summary.medications,
        "thresholds": [
            {
                "measure": bound.name,
                "unit": bound.unit,
                "low": bound.low,
                "high": bound.high,
                "urgent_low": bound.urgent_low,
                "urgent_high": bound.urgent_high,
            }
            for bound in thresholds_of(elder).values()
        ],
    }
    if sees_clinical_contacts(request.auth):
        out |= {
            field: getattr(summary, field)
            for field in (
                "contract_status",
                "family_doctor",
                "family_doctor_team",
                "family_doctor_phone",
                "contract_start",
                "contract_end",
                "hospital",
            )
        }
    return out


class CareTaskOut(Schema):
    id: int
    elder_id: int
    community: str
    kind: str
    vital: VitalOut
    readings: int
    due_on: dt.date
    state: str
    incident_id: int | None
    note: str
    done_at: dt.datetime | None

    @staticmethod
    def resolve_community(task: CareTask) -> str:
        return task.community_id

    @staticmethod
    def resolve_vital(task: CareTask) -> dict:
        return _vital_out(task.vital)


class CareTaskPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CareTaskOut]


class CareTaskDoneIn(Schema):
    note: Annotated[str, MaxText(services.NOTE_LENGTH)]


@router.get("/health/care-tasks", response=CareTaskPage, summary="Care tasks from out-of-range readings")
def list_care_tasks(request, state: Code = CareTaskState.OPEN, page: Page = 1, page_size: PageSize = 50):
    tasks = care_tasks_for(request.auth)
    if state:
        tasks = tasks.filter(state=state)
    return paginate(tasks, page=page, page_size=page_size)


@router.post(
    "/health/care-tasks/{int:care_task_id}/done", response=CareTaskOut, summary="Record a care task as done"
)
def complete_care_task(request, care_task_id: Id, payload: CareTaskDoneIn):
    return services.complete_care_task(actor=request.auth, task_id=care_task_id, note=payload.note)
