"""The alarms JSON API: device events from vendor clouds, devices, incidents and their workflow."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from shouwang.core.context import current_request_info
from shouwang.core.pagination import paginate
from shouwang.core.schemas import Code, Id, Moment, Note, Page, PageSize, column_text

from . import incidents as workflow
from . import services
from .ingestion import (
    REJECTION_WINDOW_SECONDS,
    count_rejection,
    ingest,
    max_event_bytes,
    too_many_rejections,
)
from .models import Device, Incident, IncidentStep, RejectReason, Via
from .registration import DeviceRow, register_devices
from .selectors import get_device_for, get_incident_for, incident_detail, incident_payload, search_incidents

router = Router(tags=["alarms"])

# How each rejection reason answers over HTTP. An unknown device and a bad signature answer alike, so
# that an unauthenticated caller cannot learn which device ids exist (the stored rejection tells them
# apart for the operators).
REJECT_STATUS = {
    RejectReason.BAD_SIGNATURE: 401,
    RejectReason.UNKNOWN_DEVICE: 401,
    RejectReason.RETIRED_DEVICE: 403,
    RejectReason.TOO_LARGE: 413,
}
UNAUTHENTICATED = {"code": "unauthenticated", "message": _("Unknown device or bad signature.")}


# --- device events (vendor clouds) --------------------------------------------------------------------


class IngestOut(Schema):
    accepted: bool
    duplicate: bool


class RejectedOut(Schema):
    code: str
    message: str


@router.post(
    "/devices/events",
    auth=None,
    response={
        202: IngestOut,
        401: RejectedOut,
        403: RejectedOut,
        413: RejectedOut,
        422: RejectedOut,
        429: RejectedOut,
    },
    summary="Ingest one signed device event (the signature is the authentication)",
    description="The body is the event JSON; `X-Signature` is the hex HMAC-SHA256 of the raw body under "
    "the device's secret. 202 once stored (or already stored: `duplicate`); a refusal answers with the "
    "reason code, except that an unknown device and a bad signature both answer 401 `unauthenticated`. "
    "Too many requests from one address answer 429 with `Retry-After`.",
)
def post_event(request):
    source = current_request_info().ip
    if too_many_rejections(source):
        response = JsonResponse(
            {"code": "rate_limited", "message": str(_("Too many refused requests: try again later."))},
            status=429,
        )
        response["Retry-After"] = str(REJECTION_WINDOW_SECONDS)
        return response
    # One byte more than an event may have is enough to refuse it (too_large) without reading it all.
    body = request.read(max_event_bytes() + 1)
    result = ingest(body, signature=request.headers.get("X-Signature", ""), via=Via.HTTP, source=source)
    if result.accepted:
        return Status(202, {"accepted": True, "duplicate": result.duplicate})
    count_rejection(source)
    status = REJECT_STATUS.get(result.reason, 422)
    if status == 401:
        return Status(401, {"code": UNAUTHENTICATED["code"], "message": str(UNAUTHENTICATED["message"])})
    return Status(status, {"code": result.reason, "message": str(RejectReason(result.reason).label)})


# --- devices ------------------------------------------------------------------------------------------


DeviceId = Annotated[str, column_text(Device, "device_id")]


class DeviceIn(Schema):
    serial: Annotated[str, column_text(Device, "serial")]
    type: Code
    vendor: Annotated[str, column_text(Device, "vendor")]
    elder_id: Id | None = None
    model: Annotated[str, column_text(Device, "model")] = ""


class DeviceCreatedOut(Schema):
    device_id: str
    secret: str


class DeviceBatchIn(Schema):
    devices: list[DeviceIn]


class DeviceRegisteredOut(Schema):
    device_id: str
    serial: str
    secret: str


class DeviceBatchOut(Schema):
    registered: int
    devices: list[DeviceRegisteredOut]


class DeviceOut(Schema):
    device_id: str
    serial: str
    type: str
    vendor: str
    model: str
    elder_id: int | None
    bound_at: dt.datetime | None
    community: str | None
    state: str
    online: bool
    last_seen_at: dt.datetime | None
    battery: int | None
    last_lat: float | None
    last_lon: float | None
    heartbeat_interval_s: int

    @staticmethod
    def resolve_community(device) -> str | None:
        return device.community_id


class DevicePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DeviceOut]


class BindIn(Schema):
    elder_id: Id


@router.post(
    "/devices",
    response={201: DeviceCreatedOut},
    summary="Register a device; the only time its secret is shown",
)
def register_device(request, payload: DeviceIn):
    device, secret = services.register_device(actor=request.auth, **payload.dict())
    return Status(201, {"device_id": device.device_id, "secret": secret})


@router.post(
    "/devices/bulk",
    response={201: DeviceBatchOut},
    summary="Register a delivery of devices at once (all or nothing); the only time their secrets are shown",
)
def register_device_batch(request, payload: DeviceBatchIn):
    made = register_devices(actor=request.auth, rows=[DeviceRow(**row.dict()) for row in payload.devices])
    devices = [{"device_id": d.device_id, "serial": d.serial, "secret": secret} for d, secret in made]
    return Status(201, {"registered": len(devices), "devices": devices})


@router.get("/devices", response=DevicePage, summary="Devices in the caller's scope")
def list_devices(
    request,
    elder: Id | None = None,
    state: Code = "",
    type: Code = "",
    online: bool | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
):
    from .selectors import devices_for

    devices = devices_for(request.auth)
    if elder:
        devices = devices.filter(elder_id=elder)
    if state:
        devices = devices.filter(state=state)
    if type:
        devices = devices.filter(type=type)
    if online is not None:
        devices = devices.filter(online=online)
    return paginate(devices.order_by("device_id"), page=page, page_size=page_size)


@router.get("/devices/{device_id}", response=DeviceOut, summary="One device (never its secret)")
def get_device(request, device_id: DeviceId):
    return get_device_for(request.auth, device_id)


@router.post("/devices/{device_id}/bind", response=DeviceOut)
def bind_device(request, device_id: DeviceId, payload: BindIn):
    return services.bind_device(actor=request.auth, device_id=device_id, elder_id=payload.elder_id)


@router.post("/devices/{device_id}/unbind", response=DeviceOut)
def unbind_device(request, device_id: DeviceId):
    return services.unbind_device(actor=request.auth, device_id=device_id)


@router.post("/devices/{device_id}/retire", response=DeviceOut)
def retire_device(request, device_id: DeviceId):
    return services.retire_device(actor=request.auth, device_id=device_id)


# --- incidents ----------------------------------------------------------------------------------------


class ContactAttemptIn(Schema):
    result: Code
    contact_id: Id | None = None


class ResponderIn(Schema):
    kind: Code
    note: Annotated[str, column_text(Incident, "responder_note")] = ""


class NoteIn(Schema):
    note: Annotated[str, column_text(IncidentStep, "note")] = ""


class CloseIn(Schema):
    outcome: Code
    notes: Note = ""


@router.get("/incidents", summary="Incidents in the caller's scope, newest first")
def list_incidents(
    request,
    state: Code = "",
    priority: Code = "",
    kind: Code = "",
    elder: Id | None = None,
    since: Moment | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
):
    incidents = search_incidents(
        request.auth, state=state, priority=priority, kind=kind, elder=elder, since=since
    )
    result = paginate(incidents, page=page, page_size=page_size)
    return {
        "count": result.count,
        "page": result.page,
        "page_size": result.page_size,
        "items": [incident_payload(incident) for incident in result.items],
    }


@router.get("/incidents/report", summary="Answer times per team for a month, against the sector targets")
def report(request, month: Code):
    return {"month": month, "teams": workflow.answer_time_report(request.auth, month)}


@router.get("/incidents/{int:incident_id}", summary="One incident with its steps, calls and device events")
def get_incident(request, incident_id: Id):
    return incident_detail(get_incident_for(request.auth, incident_id))


def _answer(request, incident_id: Id):
    return incident_payload(get_incident_for(request.auth, incident_id))


@router.post("/incidents/{int:incident_id}/acknowledge")
def acknowledge(request, incident_id: Id):
    workflow.acknowledge(actor=request.auth, incident=incident_id)
    return _answer(request, incident_id)


@router.post("/incidents/{int:incident_id}/call-elder")
def call_elder(request, incident_id: Id):
    workflow.start_calling_elder(actor=request.auth, incident=incident_id)
    return _answer(request, incident_id)


@router.post("/incidents/{int:incident_id}/contact")
def contact(request, incident_id: Id, payload: ContactAttemptIn):
    workflow.record_contact_attempt(
        actor=request.auth, incident=incident_id, result=payload.result, contact=payload.contact_id
    )
    return _answer(request, incident_id)


@router.post("/incidents/{int:incident_id}/responder")
def responder(request, incident_id: Id, payload: ResponderIn):
    workflow.send_responder(actor=request.auth, incident=incident_id, kind=payload.kind, note=payload.note)
    return _answer(request, incident_id)


@router.post("/incidents/{int:incident_id}/on-site")
def on_site(request, incident_id: Id, payload: NoteIn | None = None):
    workflow.mark_on_site(actor=request.auth, incident=incident_id, note=payload.note if payload else "")
    return _answer(request, incident_id)


@router.post("/incidents/{int:incident_id}/close")
def close(request, incident_id: Id, payload: CloseIn):
    workflow.close(actor=request.auth, incident=incident_id, outcome=payload.outcome, notes=payload.notes)
    return _answer(request, incident_id)


@router.get(
    "/incidents/stream",
    summary="Server-Sent Events: one JSON message per incident created or changed, in the caller's scope",
    description="`text/event-stream`. Each message has an `id:` line and a `data:` line with the incident "
    "as `GET /incidents/{id}` lists it plus `change` (created, joined, acknowledged, step, contact, "
    "escalated, closed). Reconnect with the `Last-Event-ID` header (or `?after=<id>`) to receive "
    "everything since that message; without it the stream starts with the next change. A comment line "
    "is sent after 15 s of silence.",
)
def incident_stream(request):
    from .live import incident_stream as stream

    return stream(request, request.auth)
