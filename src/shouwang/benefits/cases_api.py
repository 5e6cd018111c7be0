"""The anomaly cases' JSON API under ``/api/v1/benefits/cases`` (docs/api.md, "Anomaly cases"): the cases
in the caller's area, one case with its explanation and evidence, taking it up and closing it, and
running the checks on demand."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Router, Schema, Status

from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Id, Page, PageSize, RegionCode, column_text

from . import anomalies, cases
from .api import Month
from .case_models import Case, CaseTransition

router = Router(tags=["benefits"])


class CaseEvidenceOut(Schema):
    type: str
    id: int
    label: str
    url: str


class CaseTransitionOut(Schema):
    from_state: str
    to_state: str
    at: dt.datetime
    actor_name: str
    note: str


class CaseOut(Schema):
    id: int
    kind: str
    kind_label: str
    state: str
    state_label: str
    region_code: str
    other_region_code: str
    month: str
    elder_id: int | None
    explanation: str
    facts: dict
    evidence: list[CaseEvidenceOut]
    reviewer: str
    note: str
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(case) -> str:
        return case.get_kind_display()

    @staticmethod
    def resolve_state_label(case) -> str:
        return case.get_state_display()

    @staticmethod
    def resolve_month(case) -> str:
        return case.month.strftime("%Y-%m")

    @staticmethod
    def resolve_explanation(case) -> str:
        return cases.explain(case)

    @staticmethod
    def resolve_evidence(case) -> list[dict]:
        return cases.evidence_of(case)

    @staticmethod
    def resolve_reviewer(case) -> str:
        return case.reviewer.get_username() if case.reviewer_id else ""


class CaseDetailOut(CaseOut):
    transitions: list[CaseTransitionOut]

    @staticmethod
    def resolve_transitions(case) -> list:
        return list(cases.transitions_of(case))


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


class CaseTakeIn(Schema):
    note: Annotated[str, column_text(CaseTransition, "note")] = ""


class CaseCloseIn(Schema):
    # Both required; checked by the service so a missing one is refused with the field named in words.
    outcome: Code = ""
    note: Annotated[str, column_text(Case, "note")] = ""


class CaseChecksIn(Schema):
    month: Month
    region: RegionCode


class CaseCheckRunOut(Schema):
    id: int
    month: str
    region_code: str
    found: int
    new: int
    at: dt.datetime

    @staticmethod
    def resolve_month(run) -> str:
        return run.month.strftime("%Y-%m")


@router.get("", response=CasePage, summary="Anomaly cases in the caller's area")
def case_list(request, kind: Code = "", state: Code = "", page: Page = 1, page_size: PageSize | None = None):
    return paginate(cases.cases_for(request.auth, kind=kind, state=state), page=page, page_size=page_size)


@router.get("/{int:case_id}", response=CaseDetailOut, summary="A case: what was found, why, the evidence")
def case_detail(request, case_id: Id):
    return cases.get_case_for(request.auth, case_id)


@router.post("/{int:case_id}/review", response=CaseDetailOut, summary="Take up a case for review")
def case_review(request, case_id: Id, payload: CaseTakeIn):
    return cases.take_case(actor=request.auth, case_id=case_id, note=payload.note)


@router.post("/{int:case_id}/close", response=CaseDetailOut, summary="Close a case: confirmed or dismissed")
def case_close(request, case_id: Id, payload: CaseCloseIn):
    return cases.close_case(actor=request.auth, case_id=case_id, outcome=payload.outcome, note=payload.note)


@router.post("/checks", response={201: CaseCheckRunOut}, summary="Run the anomaly checks now")
def run_checks(request, payload: CaseChecksIn):
    run = anomalies.run_checks(actor=request.auth, month=payload.month, region_code=payload.region)
    return Status(201, run)
