"""The hotline JSON API, thin over the services: calls (the contract ``GET /calls?reason=&since=`` and
``POST /calls``), the caller pop-up by number for a telephony integration, call-backs, the active-care
list, the knowledge base and the statistics. Phones are masked in every answer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from shouwang.core.errors import ValidationFailed
from shouwang.core.masking import mask_phone
from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Day, Id, MaxText, Moment, Page, PageSize, SearchText, column_text

from . import selectors, services
from .models import CallBack, CallReason, CallRecord

router = Router(tags=["calls"])

PhoneText = Annotated[str, MaxText(30)]
Summary = Annotated[str, column_text(CallRecord, "summary")]
Promise = Annotated[str, column_text(CallBack, "note")]
Seconds = Annotated[int, Field(ge=0, le=services.LONGEST_CALL_SECONDS)]


class CallBackOut(Schema):
    id: int
    call_id: int
    elder_id: int | None
    elder_name: str
    due_at: dt.datetime
    overdue: bool
    assignee: str
    note: str
    done_at: dt.datetime | None
    done_note: str

    @staticmethod
    def resolve_elder_id(call_back) -> int | None:
        return call_back.call.elder_id

    @staticmethod
    def resolve_elder_name(call_back) -> str:
        return call_back.call.elder.name if call_back.call.elder_id else ""

    @staticmethod
    def resolve_overdue(call_back) -> bool:
        return call_back.done_at is None and call_back.due_at < timezone.now()

    @staticmethod
    def resolve_assignee(call_back) -> str:
        return call_back.assignee.get_username()


class CallOut(Schema):
    id: int
    started_at: dt.datetime
    direction: str
    caller_number: str
    caller_kind: str
    elder_id: int | None
    elder_name: str
    reason: str
    reason_label: str
    outcome: str
    duration_seconds: int
    summary: str
    operator: str
    region_code: str
    incident_id: int | None

    @staticmethod
    def resolve_caller_number(call) -> str:
        return mask_phone(call.caller_number)

    @staticmethod
    def resolve_elder_name(call) -> str:
        return call.elder.name if call.elder_id else ""

    @staticmethod
    def resolve_reason_label(call) -> str:
        return str(call.get_reason_display())

    @staticmethod
    def resolve_operator(call) -> str:
        return call.operator.get_username() if call.operator_id else ""


class CallPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CallOut]


class CallIn(Schema):
    reason: Code
    outcome: Code
    caller_number: PhoneText = ""
    elder_id: Id | None = None
    duration_seconds: Seconds = 0
    summary: Summary = ""
    started_at: Moment | None = None
    direction: Code = "in"
    call_back_due: Moment | None = None
    call_back_assignee_id: Id | None = None
    call_back_note: Promise = ""


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A time without an offset is read as the platform's (Asia/Shanghai)."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


@router.get("", response=CallPage, summary="Calls in the caller's scope, newest first")
def call_list(
    request,
    reason: Code = "",
    since: Moment | None = None,
    elder: Id | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
):
    if reason and reason not in CallReason.values:
        message = _("Unknown reason; use one of: %(reasons)s.") % {"reasons": ", ".join(CallReason.values)}
        raise ValidationFailed(message, errors={"reason": message})
    calls = selectors.filter_calls(
        selectors.calls_for(request.auth), reason=reason, since=_aware(since), elder=elder
    )
    return paginate(calls, page=page, page_size=page_size)


@router.post("", response={201: CallOut}, summary="Record a call")
def call_create(request, payload: CallIn):
    call = services.record_call(
        actor=request.auth,
        reason=payload.reason,
        outcome=payload.outcome,
        caller_number=payload.caller_number,
        elder_id=payload.elder_id,
        duration_seconds=payload.duration_seconds,
        summary=payload.summary,
        started_at=_aware(payload.started_at),
        direction=payload.direction,
        call_back_due=_aware(payload.call_back_due),
        call_back_assignee_id=payload.call_back_assignee_id,
        call_back_note=payload.call_back_note,
    )
    return Status(201, selectors.get_call_for(request.auth, call.pk))


@router.get("/{int:call_id}", response=CallOut, summary="One call")
def call_detail(request, call_id: Id):
    return selectors.get_call_for(request.auth, call_id)


class ElderRefOut(Schema):
    id: int
    name: str
    community: str
    phone: str


class CallerOut(Schema):
    kind: str
    kind_label: str
    name: str
    detail: str
    elders: list[ElderRefOut]


class LookupOut(Schema):
    number: str
    matches: list[CallerOut]


@router.get("/caller", response=LookupOut, summary="Who is calling from a number (the desk's pop-up)")
def caller_lookup(request, number: PhoneText):
    normalised, matches = selectors.lookup_caller(request.auth, number)
    return {
        "number": mask_phone(normalised),
        "matches": [
            {
                "kind": match.kind,
                "kind_label": match.kind_label,
                "name": match.name,
                "detail": match.detail,
                "elders": [
                    {"id": e.pk, "name": e.name, "community": e.community.name, "phone": mask_phone(e.phone)}
                    for e in match.elders
                ],
            }
            for match in matches
        ],
    }


class StatsRowOut(Schema):
    day: dt.date
    total: int
    information: int
    order: int
    complaint: int
    emotional: int
    emergency: int
    other: int


@router.get("/stats", response=list[StatsRowOut], summary="Calls per day and reason")
def call_stats(request, first: Day | None = None, last: Day | None = None):
    last = last or timezone.localdate()
    first = first or last - dt.timedelta(days=29)
    if first > last or (last - first).days > 366:
        message = _("Choose a first day before the last, at most a year apart.")
        raise ValidationFailed(message, errors={"first": message})
    return selectors.call_statistics(request.auth, first=first, last=last)


@router.get("/callbacks", response=list[CallBackOut], summary="Open call-backs (or only the overdue ones)")
def call_back_list(request, overdue: bool = False):
    call_backs = (
        selectors.overdue_call_backs(request.auth) if overdue else selectors.open_call_backs(request.auth)
    )
    return list(call_backs[: settings.SHOUWANG_PAGE_SIZE * 4])


class CallBackIn(Schema):
    due_at: Moment
    assignee_id: Id | None = None
    note: Promise = ""


@router.post("/{int:call_id}/callbacks", response={201: CallBackOut}, summary="Promise a call-back")
def call_back_create(request, call_id: Id, payload: CallBackIn):
    call_back = services.promise_call_back(
        actor=request.auth,
        call_id=call_id,
        due_at=_aware(payload.due_at) or timezone.now(),
        assignee_id=payload.assignee_id,
        note=payload.note,
    )
    return Status(201, selectors.get_call_back_for(request.auth, call_back.pk))


class CallCheckInOut(Schema):
    call_id: int
    elder_id: int
    at: dt.datetime
    channel: str


@router.post(
    "/{int:call_id}/checkin",
    response={201: CallCheckInOut},
    summary="The call's elder says they are fine: the day's check-in made for them (代办)",
)
def call_checkin(request, call_id: Id):
    checkin = services.checkin_on_behalf(actor=request.auth, call_id=call_id)
    return Status(
        201, {"call_id": call_id, "elder_id": checkin.elder_id, "at": checkin.at, "channel": checkin.channel}
    )


class CallBackCloseIn(Schema):
    note: Promise = ""


@router.post("/callbacks/{int:call_back_id}/close", response=CallBackOut, summary="The call-back was made")
def call_back_close(request, call_back_id: Id, payload: CallBackCloseIn):
    services.close_call_back(actor=request.auth, call_back_id=call_back_id, note=payload.note)
    return selectors.get_call_back_for(request.auth, call_back_id)


class CareCallOut(Schema):
    id: int
    day: dt.date
    elder_id: int
    elder_name: str
    phone: str
    done_at: dt.datetime | None
    call_id: int | None

    @staticmethod
    def resolve_elder_name(care_call) -> str:
        return care_call.elder.name

    @staticmethod
    def resolve_phone(care_call) -> str:
        return mask_phone(care_call.elder.phone)


@router.get("/care", response=list[CareCallOut], summary="The day's active-care list (主动关怀)")
def care_list(request, day: Day | None = None):
    return list(selectors.care_calls_for(request.auth, day=day))


class CareDoneIn(Schema):
    outcome: Code
    duration_seconds: Seconds = 0
    summary: Summary = ""


@router.post("/care/{int:care_call_id}/done", response=CareCallOut, summary="The active-care call was made")
def care_done(request, care_call_id: Id, payload: CareDoneIn):
    services.complete_care_call(
        actor=request.auth,
        care_call_id=care_call_id,
        outcome=payload.outcome,
        duration_seconds=payload.duration_seconds,
        summary=payload.summary,
    )
    return selectors.get_care_call_for(request.auth, care_call_id)


class ArticleOut(Schema):
    id: int
    question: str
    answer: str
    keywords: str
    state: str
    updated_at: dt.datetime


@router.get("/knowledge", response=list[ArticleOut], summary="Search the desk's knowledge base")
def knowledge_search(request, q: SearchText = ""):
    return selectors.search_articles(request.auth, q, limit=50)
