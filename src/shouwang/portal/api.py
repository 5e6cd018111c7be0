"""The family portal's JSON API: the caller's linked elders and the daily check-in (``/api/v1/me/elders``)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status

from shouwang.alarms.checkins import record_checkin
from shouwang.alarms.models import CheckInChannel
from shouwang.core.schemas import Id

from .selectors import get_my_elder, links_of, masked_elder, my_elders

router = Router(tags=["portal"])


class MyElderOut(Schema):
    id: int
    name: str
    id_number: str  # masked
    phone: str  # masked
    community: str
    status: str
    relation: str
    linked_at: dt.datetime | None


class CheckInOut(Schema):
    elder_id: int
    at: dt.datetime
    channel: str


@router.get("/elders", response=list[MyElderOut], summary="The elders linked to the caller")
def list_my_elders(request):
    links = links_of(request.auth)
    return [masked_elder(elder, links.get(elder.pk)) for elder in my_elders(request.auth)]


@router.post(
    "/elders/{elder_id}/checkin",
    response={201: CheckInOut},
    summary="The daily 'I am fine' check-in of a linked elder (feeds the passive watch)",
)
def check_in(request, elder_id: Id):
    elder = get_my_elder(request.auth, elder_id)
    checkin = record_checkin(actor=request.auth, elder_id=elder.pk, channel=CheckInChannel.PORTAL)
    return Status(201, {"elder_id": elder.pk, "at": checkin.at, "channel": checkin.channel})
