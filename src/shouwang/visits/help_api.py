"""API of escorts and companionship (助行, 精神慰藉), mounted under /api/v1/visits/help: a worker makes a
task, the volunteer it is given to records it done, the coordinator or the elder's family confirms it
(earning the volunteer's hours). What a task shows of the elder depends on who asks: a volunteer gets the
masked view (``help.volunteer_view``), a coordinator the elder's name."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Router, Schema, Status

from shouwang.core.schemas import Code, Id, Moment, column_text

from . import help, timebank
from .api import HoursEntryOut
from .models import HelpTask
from .permissions import is_volunteer

router = Router(tags=["visits"])


class ElderForHelpOut(Schema):
    id: int
    name: str
    phone: str
    address: str


class HelpOut(Schema):
    id: int
    kind: str
    state: str
    community: str
    starts_at: dt.datetime
    minutes: int
    destination: str
    need: str
    volunteer_id: int | None
    visit_id: int | None
    elder: ElderForHelpOut
    done_at: dt.datetime | None
    done_note: str
    confirmed_at: dt.datetime | None


def _out(request, task: HelpTask) -> dict:
    """The task as the caller may see it: a volunteer's view of the elder is masked."""
    if is_volunteer(request.auth):
        elder = {"id": task.elder_id, **help.volunteer_view(task)}
    else:
        elder = {"id": task.elder_id, "name": task.elder.name, "phone": "", "address": task.elder.address}
    fields = ("id", "kind", "state", "starts_at", "minutes", "destination", "need", "volunteer_id")
    return {
        **{f: getattr(task, f) for f in fields},
        "community": task.community_id,
        "visit_id": task.visit_id,
        "elder": elder,
        "done_at": task.done_at,
        "done_note": task.done_note,
        "confirmed_at": task.confirmed_at,
    }


class HelpIn(Schema):
    elder_id: Id
    kind: Code
    starts_at: Moment
    minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    destination: Annotated[str, column_text(HelpTask, "destination")] = ""
    need: Annotated[str, column_text(HelpTask, "need")] = ""
    visit_id: Id | None = None


class HelpDoneIn(Schema):
    note: Annotated[str, column_text(HelpTask, "done_note")] = ""


class HelpCancelIn(Schema):
    reason: Annotated[str, column_text(HelpTask, "done_note")]


class HelpConfirmedOut(Schema):
    task: HelpOut
    hours: HoursEntryOut


@router.get(
    "",
    response=list[HelpOut],
    summary="Escort and companionship tasks: a volunteer's own, a coordinator's area",
)
def list_help(request, state: Code = "", kind: Code = ""):
    return [_out(request, task) for task in help.search_help(request.auth, state=state, kind=kind)[:200]]


@router.post("", response={201: HelpOut}, summary="A community worker arranges an escort or companionship")
def create_help(request, payload: HelpIn):
    created = help.create_help(actor=request.auth, **payload.dict())
    return Status(201, _out(request, help.get_help_for(request.auth, created.pk)))


@router.get("/{int:help_id}", response=HelpOut, summary="One escort or companionship task")
def get_help(request, help_id: Id):
    return _out(request, help.get_help_for(request.auth, help_id))


@router.post("/{int:help_id}/complete", response=HelpOut, summary="The volunteer records the help given")
def complete_help(request, help_id: Id, payload: HelpDoneIn):
    task = help.complete_help(actor=request.auth, help_id=help_id, note=payload.note)
    return _out(request, help.get_help_for(request.auth, task.pk))


@router.post(
    "/{int:help_id}/confirm",
    response=HelpConfirmedOut,
    summary="The coordinator or the elder's family confirms the help; the volunteer earns its minutes",
)
def confirm_help(request, help_id: Id):
    posting = help.confirm_help(actor=request.auth, help_id=help_id)
    task = help.confirmed_task(posting)
    return {"task": _out(request, task), "hours": timebank.line_of(posting)}


@router.post(
    "/{int:help_id}/cancel", response=HelpOut, summary="A community worker cancels a task not yet done"
)
def cancel_help(request, help_id: Id, payload: HelpCancelIn):
    task = help.cancel_help(actor=request.auth, help_id=help_id, reason=payload.reason)
    return _out(request, help.get_help_for(request.auth, task.pk))
