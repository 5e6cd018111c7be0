"""The orders JSON API, thin over the services: orders and their workflow, complaints, visit verification
(EVV) and confirmation, and matching and dispatch."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Router, Schema, Status
from pydantic import Field

from shouwang.core.masking import mask_phone as _mask
from shouwang.core.pagination import paginate
from shouwang.core.schemas import (
    Code,
    Day,
    Id,
    MaxText,
    Moment,
    Note,
    Page,
    PageSize,
    column_range,
    column_text,
)

from . import complaints, confirmation, dispatch, evv, matching, services
from .models import CorrectionRequest, Order, OrderLine, OrderSource, OrderTransition, Visit, VisitException
from .selectors import (
    complaints_for,
    filter_orders,
    get_complaint_for,
    get_order_for,
    orders_for,
)
from .services import actions_for

router = Router(tags=["orders"])

# Why a step was taken: kept on the order's timeline.
StepReason = Annotated[str, column_text(OrderTransition, "reason")]


# --- orders core: creation, the provider's answer, cancel, dispute, settle, complaints -------------------
# (Schemas and endpoints of matching/dispatch and EVV/confirmation live further down, in their own blocks.)


class OrderLineOut(Schema):
    code: str
    name: str
    quantity: int
    unit_price_fen: int | None

    @staticmethod
    def resolve_code(line) -> str:
        return line.item.code

    @staticmethod
    def resolve_name(line) -> str:
        return line.item.name


class OrderOut(Schema):
    """An order as any user who may see it sees it: the elder by name with a masked phone, never the ID
    number."""

    id: int
    state: str
    state_label: str
    source: str
    elder_id: int
    elder_name: str
    elder_phone: str
    community_code: str
    community_name: str
    address: str
    window_start: dt.datetime
    window_end: dt.datetime
    provider_id: int | None
    provider_name: str
    caregiver_id: int | None
    caregiver_name: str
    respond_by: dt.datetime | None
    note: str
    amount_fen: int | None
    subsidy_fen: int
    self_pay_fen: int
    rating: int | None

    @staticmethod
    def resolve_state_label(order) -> str:
        return str(order.get_state_display())

    @staticmethod
    def resolve_elder_name(order) -> str:
        return order.elder.name

    @staticmethod
    def resolve_elder_phone(order) -> str:
        return _mask(order.elder.phone)

    @staticmethod
    def resolve_community_code(order) -> str:
        return order.community_id

    @staticmethod
    def resolve_community_name(order) -> str:
        return order.community.name

    @staticmethod
    def resolve_provider_name(order) -> str:
        return order.provider.name if order.provider_id else ""

    @staticmethod
    def resolve_caregiver_name(order) -> str:
        return order.caregiver.name if order.caregiver_id else ""


class TransitionOut(Schema):
    from_state: str
    to_state: str
    at: dt.datetime
    actor: str
    reason: str

    @staticmethod
    def resolve_actor(transition) -> str:
        return transition.actor_name


class VisitSummaryOut(Schema):
    checkin_at: dt.datetime
    checkout_at: dt.datetime | None
    checkin_distance_m: float | None
    checkout_distance_m: float | None
    caregiver_name: str
    exceptions: list[str]


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]
    transitions: list[TransitionOut]
    visit: VisitSummaryOut | None
    actions: list[str]
    declined_provider_ids: list[int]

    @staticmethod
    def resolve_lines(order) -> list:
        return list(order.lines.all())

    @staticmethod
    def resolve_transitions(order) -> list:
        return list(order.transitions.order_by("at", "id"))

    @staticmethod
    def resolve_visit(order) -> dict | None:
        visit = Visit.objects.filter(order=order).select_related("caregiver").first()
        if visit is None:
            return None
        return {
            "checkin_at": visit.checkin_at,
            "checkout_at": visit.checkout_at,
            "checkin_distance_m": visit.checkin_distance_m,
            "checkout_distance_m": visit.checkout_distance_m,
            "caregiver_name": visit.caregiver.name,
            "exceptions": sorted(order.exceptions.values_list("kind", flat=True)),
        }

    @staticmethod
    def resolve_actions(order) -> list[str]:
        return order.allowed_actions


class OrderPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[OrderOut]


class OrderItemIn(Schema):
    code: Code
    quantity: Annotated[int, column_range(OrderLine, "quantity")] = 1


class OrderIn(Schema):
    elder_id: Id
    items: list[OrderItemIn]
    window_start: Moment
    window_end: Moment
    source: Code = OrderSource.PHONE
    note: Annotated[str, column_text(Order, "note")] = ""


class OrderReasonIn(Schema):
    reason: StepReason = ""


class AssignIn(Schema):
    staff_id: Id


class DisputeResolutionIn(Schema):
    outcome: Code
    resolution: StepReason = ""


def _detail(request, order_id: Id):
    """The order as ``OrderDetailOut`` for the caller, read again after a step so the answer is current
    (and scoped: the timeline is read only once the order is known to be visible)."""
    order = get_order_for(request.auth, order_id)
    order.allowed_actions = actions_for(request.auth, order)
    return order


@router.post("", response={201: OrderDetailOut}, summary="Place an order for an elder")
def order_create(request, payload: OrderIn):
    order = services.create_order(
        actor=request.auth,
        elder_id=payload.elder_id,
        items=[item.dict() for item in payload.items],
        window_start=payload.window_start,
        window_end=payload.window_end,
        source=payload.source,
        note=payload.note,
    )
    return Status(201, _detail(request, order.pk))


@router.get("", response=OrderPage, summary="Orders in the caller's scope")
def order_list(
    request,
    state: Code = "",
    provider: Id | None = None,
    community: Code = "",
    elder: Id | None = None,
    date: Day | None = None,
    source: Code = "",
    page: Page = 1,
    page_size: PageSize = 50,
):
    orders = filter_orders(
        orders_for(request.auth),
        state=state,
        provider=provider,
        community=community,
        elder=elder,
        date=date,
        source=source,
    )
    return paginate(orders, page=page, page_size=page_size)


@router.get("/{int:order_id}", response=OrderDetailOut, summary="One order with lines, timeline, visit")
def order_detail(request, order_id: Id):
    return _detail(request, order_id)


@router.post("/{int:order_id}/accept", response=OrderDetailOut, summary="The provider accepts")
def order_accept(request, order_id: Id):
    services.accept_order(actor=request.auth, order_id=order_id)
    return _detail(request, order_id)


class OrderStateOut(Schema):
    id: int
    state: str


@router.post("/{int:order_id}/reject", response=OrderStateOut, summary="The provider rejects, with a reason")
def order_reject(request, order_id: Id, payload: OrderReasonIn):
    # The order leaves the provider's scope (it goes on to the next candidate): only its state is returned.
    order = services.reject_order(actor=request.auth, order_id=order_id, reason=payload.reason)
    return {"id": order.pk, "state": order.state}


@router.post("/{int:order_id}/assign", response=OrderDetailOut, summary="The provider assigns a caregiver")
def order_assign(request, order_id: Id, payload: AssignIn):
    services.assign_caregiver(actor=request.auth, order_id=order_id, staff_id=payload.staff_id)
    return _detail(request, order_id)


@router.post("/{int:order_id}/cancel", response=OrderDetailOut, summary="Cancel, with a reason")
def order_cancel(request, order_id: Id, payload: OrderReasonIn):
    services.cancel_order(actor=request.auth, order_id=order_id, reason=payload.reason)
    return _detail(request, order_id)


@router.post("/{int:order_id}/dispute", response=OrderDetailOut, summary="Dispute a visit, with a reason")
def order_dispute(request, order_id: Id, payload: OrderReasonIn):
    services.dispute_order(actor=request.auth, order_id=order_id, reason=payload.reason)
    return _detail(request, order_id)


@router.post("/{int:order_id}/resolve-dispute", response=OrderDetailOut, summary="Resolve a dispute")
def order_resolve_dispute(request, order_id: Id, payload: DisputeResolutionIn):
    services.resolve_dispute(
        actor=request.auth, order_id=order_id, outcome=payload.outcome, resolution=payload.resolution
    )
    return _detail(request, order_id)


@router.post("/{int:order_id}/settle", response=OrderDetailOut, summary="Record the settlement")
def order_settle(request, order_id: Id):
    services.settle_order(actor=request.auth, order_id=order_id)
    return _detail(request, order_id)


class ComplaintOut(Schema):
    id: int
    state: str
    state_label: str
    source: str
    provider_id: int
    provider_name: str
    order_id: int | None
    elder_name: str
    community_code: str | None
    description: str
    assignee: str
    outcome: str
    resolution: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_state_label(complaint) -> str:
        return str(complaint.get_state_display())

    @staticmethod
    def resolve_provider_name(complaint) -> str:
        return complaint.provider.name

    @staticmethod
    def resolve_elder_name(complaint) -> str:
        return complaint.elder.name if complaint.elder_id else ""

    @staticmethod
    def resolve_community_code(complaint) -> str | None:
        return complaint.community_id

    @staticmethod
    def resolve_assignee(complaint) -> str:
        return complaint.assignee.get_username() if complaint.assignee_id else ""


class ComplaintPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ComplaintOut]


class ComplaintIn(Schema):
    source: Code
    description: Note
    order_id: Id | None = None
    elder_id: Id | None = None
    provider_id: Id | None = None


class ComplaintAssignIn(Schema):
    assignee_id: Id


class ComplaintResolveIn(Schema):
    outcome: Code
    resolution: Note


@router.post("/complaints", response={201: ComplaintOut}, summary="File a complaint")
def complaint_file(request, payload: ComplaintIn):
    return Status(201, complaints.file_complaint(actor=request.auth, **payload.dict()))


@router.get("/complaints", response=ComplaintPage, summary="Complaints in the caller's scope")
def complaint_list(
    request, state: Code = "", provider: Id | None = None, page: Page = 1, page_size: PageSize = 50
):
    found = complaints_for(request.auth)
    if state:
        found = found.filter(state=state)
    if provider:
        found = found.filter(provider_id=provider)
    return paginate(found, page=page, page_size=page_size)


@router.get("/complaints/{int:complaint_id}", response=ComplaintOut, summary="One complaint")
def complaint_get(request, complaint_id: Id):
    return get_complaint_for(request.auth, complaint_id)


@router.post("/complaints/{int:complaint_id}/assign", response=ComplaintOut)
def complaint_assign(request, complaint_id: Id, payload: ComplaintAssignIn):
    return complaints.assign_complaint(
        actor=request.auth, complaint_id=complaint_id, assignee_id=payload.assignee_id
    )


@router.post("/complaints/{int:complaint_id}/resolve", response=ComplaintOut)
def complaint_resolve(request, complaint_id: Id, payload: ComplaintResolveIn):
    return complaints.resolve_complaint(
        actor=request.auth, complaint_id=complaint_id, outcome=payload.outcome, resolution=payload.resolution
    )


@router.post("/complaints/{int:complaint_id}/close", response=ComplaintOut)
def complaint_close(request, complaint_id: Id):
    return complaints.close_complaint(actor=request.auth, complaint_id=complaint_id)


# --- visit verification (EVV) and confirmation ----------------------------------------------------------


class PositionIn(Schema):
    lat: float
    lon: float
    accuracy_m: float | None = None


class CheckOutIn(PositionIn):
    # The photo travels inside the JSON: base64 or a data: URL of a JPEG or PNG. Django caps a request body
    # at 2.5 MB (DATA_UPLOAD_MAX_MEMORY_SIZE), so about 1.8 MB of picture; the phone page posts multipart.
    photo_base64: Annotated[str, MaxText(evv.PHOTO_MAX_BASE64_CHARS)] | None = None


class VisitOut(Schema):
    order_id: int
    state: str
    checkin_at: dt.datetime
    checkin_distance_m: float | None
    checkout_at: dt.datetime | None
    checkout_distance_m: float | None
    photo_sha256: str
    exceptions: list[str]
    # What the caregiver should be told at once (out of range, too early or late…), in words.
    warnings: list[str]


def _visit_out(visit) -> dict:
    order = visit.order
    order.refresh_from_db(fields=["state"])
    return {
        "order_id": order.pk,
        "state": order.state,
        "checkin_at": visit.checkin_at,
        "checkin_distance_m": visit.checkin_distance_m,
        "checkout_at": visit.checkout_at,
        "checkout_distance_m": visit.checkout_distance_m,
        "photo_sha256": visit.photo_sha256,
        "exceptions": sorted(order.exceptions.values_list("kind", flat=True)),
        "warnings": [problem.detail for problem in evv.open_exceptions_of(order)],
    }


@router.post("/{int:order_id}/check-in", response=VisitOut, summary="The assigned caregiver checks in (EVV)")
def visit_check_in(request, order_id: Id, payload: PositionIn):
    visit = evv.check_in(
        actor=request.auth, order_id=order_id, lat=payload.lat, lon=payload.lon, accuracy_m=payload.accuracy_m
    )
    return _visit_out(visit)


@router.post("/{int:order_id}/check-out", response=VisitOut, summary="The caregiver checks out (EVV)")
def visit_check_out(request, order_id: Id, payload: CheckOutIn):
    visit = evv.check_out(
        actor=request.auth,
        order_id=order_id,
        lat=payload.lat,
        lon=payload.lon,
        accuracy_m=payload.accuracy_m,
        photo=payload.photo_base64 or None,
    )
    return _visit_out(visit)


class ConfirmIn(Schema):
    method: Literal["signature", "sms_code", "callback"]
    rating: Annotated[int, column_range(Order, "rating")]
    comment: Annotated[str, column_text(Order, "rating_comment")] = ""
    # False when the elder says the service was not done: the order becomes disputed.
    done: bool = True
    code: Code = ""
    signature: Annotated[str, MaxText(confirmation.SIGNATURE_MAX_CHARS)] = ""
    note: StepReason = ""


class ConfirmOut(Schema):
    order_id: int
    state: str
    confirmed_via: str
    confirmed_at: dt.datetime | None
    rating: int | None


@router.post("/{int:order_id}/confirm", response=ConfirmOut, summary="Record the elder's confirmation")
def confirm_order(request, order_id: Id, payload: ConfirmIn):
    common = {"actor": request.auth, "order_id": order_id, "rating": payload.rating,
              "comment": payload.comment, "done": payload.done}  # fmt: skip
    if payload.method == "signature":
        order = confirmation.confirm_by_signature(signature=payload.signature, **common)
    elif payload.method == "sms_code":
        order = confirmation.confirm_by_code(code=payload.code, **common)
    else:
        order = confirmation.confirm_by_callback(note=payload.note, **common)
    return {"order_id": order.pk, "state": order.state, "confirmed_via": order.confirmed_via,
            "confirmed_at": order.confirmed_at, "rating": order.rating}  # fmt: skip


class CodeSentOut(Schema):
    sent_to: str
    expires_at: dt.datetime


@router.post(
    "/{int:order_id}/confirmation-code", response=CodeSentOut, summary="Send a one-time code to the elder"
)
def send_confirmation_code(request, order_id: Id):
    sent = confirmation.send_code(actor=request.auth, order_id=order_id)
    return {"sent_to": _mask(sent.sent_to), "expires_at": sent.expires_at}


class VisitExceptionOut(Schema):
    id: int
    order_id: int
    provider_id: int | None
    caregiver: str
    kind: str
    kind_label: str
    detail: str
    state: str
    created_at: dt.datetime
    resolution: str
    resolved_at: dt.datetime | None


class VisitExceptionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VisitExceptionOut]


def _exception_out(exception) -> dict:
    return {
        "id": exception.pk,
        "order_id": exception.order_id,
        "provider_id": exception.order.provider_id,
        "caregiver": exception.order.caregiver.name if exception.order.caregiver else "",
        "kind": exception.kind,
        "kind_label": str(exception.get_kind_display()),
        "detail": exception.detail,
        "state": exception.state,
        "created_at": exception.created_at,
        "resolution": exception.resolution,
        "resolved_at": exception.resolved_at,
    }


@router.get("/exceptions", response=VisitExceptionPage, summary="The visit exceptions queue in scope")
def list_visit_exceptions(
    request, state: Code = "", kind: Code = "", page: Page = 1, page_size: PageSize = 50
):
    found = paginate(evv.exceptions_for(request.auth, state=state, kind=kind), page=page, page_size=page_size)
    return {"count": found.count, "page": found.page, "page_size": found.page_size,
            "items": [_exception_out(exception) for exception in found.items]}  # fmt: skip


class ResolveIn(Schema):
    decision: Literal["accept", "uphold"]
    explanation: Annotated[str, column_text(VisitException, "resolution")] = ""


@router.post(
    "/exceptions/{int:exception_id}/resolve", response=VisitExceptionOut, summary="Resolve an exception"
)
def resolve_visit_exception(request, exception_id: Id, payload: ResolveIn):
    exception = evv.resolve_exception(
        actor=request.auth,
        exception_id=exception_id,
        accept=payload.decision == "accept",
        explanation=payload.explanation,
    )
    return _exception_out(exception)


class CorrectionIn(Schema):
    checkin_at: Moment | None = None
    checkout_at: Moment | None = None
    reason: Annotated[str, column_text(CorrectionRequest, "reason")]


class CorrectionOut(Schema):
    id: int
    order_id: int
    changes: dict
    reason: str
    state: str
    decided_at: dt.datetime | None
    decision_note: str


class CorrectionDecisionIn(Schema):
    note: Annotated[str, column_text(CorrectionRequest, "decision_note")] = ""


@router.post("/{int:order_id}/corrections", response=CorrectionOut, summary="Ask to correct a visit's times")
def request_visit_correction(request, order_id: Id, payload: CorrectionIn):
    return evv.request_correction(
        actor=request.auth,
        order_id=order_id,
        checkin_at=payload.checkin_at,
        checkout_at=payload.checkout_at,
        reason=payload.reason,
    )


@router.post(
    "/corrections/{int:correction_id}/approve", response=CorrectionOut, summary="Approve a correction"
)
def approve_visit_correction(request, correction_id: Id, payload: CorrectionDecisionIn):
    return evv.decide_correction(
        actor=request.auth, correction_id=correction_id, approve=True, note=payload.note
    )


@router.post("/corrections/{int:correction_id}/refuse", response=CorrectionOut, summary="Refuse a correction")
def refuse_visit_correction(request, correction_id: Id, payload: CorrectionDecisionIn):
    return evv.decide_correction(
        actor=request.auth, correction_id=correction_id, approve=False, note=payload.note
    )


# --- Matching and dispatch (orders.matching, orders.dispatch) ------------------------------------------


class FactorOut(Schema):
    value: float | None
    points: float
    why: str


class CaregiverCandidateOut(Schema):
    id: int
    name: str
    score: float
    factors: dict[str, FactorOut]


class ExcludedCaregiverOut(Schema):
    name: str
    reason: str


class CandidateOut(Schema):
    provider_id: int
    provider_name: str
    score: float
    total_fen: int
    prices: dict[str, int]
    factors: dict[str, FactorOut]
    caregivers: list[CaregiverCandidateOut]
    excluded_caregivers: list[ExcludedCaregiverOut]


class ExclusionOut(Schema):
    provider_id: int
    provider_name: str
    reason: str


class CandidatesOut(Schema):
    order_id: int
    day: dt.date
    eligible_count: int
    weights: dict[str, int]
    candidates: list[CandidateOut]
    excluded: list[ExclusionOut]


class DispatchIn(Schema):
    provider_id: Id | None = None
    reason: StepReason = ""


class DispatchOut(Schema):
    order_id: int
    state: str
    dispatched: bool
    provider_id: int | None
    provider_name: str
    respond_by: dt.datetime | None
    message: str


@router.get("/{int:order_id}/candidates", response=CandidatesOut, summary="Ranked providers that may do it")
def order_candidates(
    request, order_id: Id, limit: Annotated[int, Field(ge=1, le=100)] = 10, explain: bool = False
):
    """The providers that may take the order, best first, each with its qualified caregivers and the points
    of every factor; ``explain=true`` also lists the community's providers that may not, with the reason."""
    listed = matching.candidates_for(request.auth, order_id, limit=limit, explain=explain)
    return {**listed.__dict__, "weights": matching.WEIGHTS}


@router.post("/{int:order_id}/dispatch", response=DispatchOut, summary="Dispatch to a provider or the top")
def dispatch_to_provider(request, order_id: Id, payload: DispatchIn):
    """With ``provider_id``: to that provider (422 with the reason when it may not take the order); without:
    to the top of the shortlist, or the order waits (``dispatched`` false, ``message`` says why)."""
    if payload.provider_id is None:
        outcome = dispatch.auto_dispatch(actor=request.auth, order_id=order_id)
        order, message = outcome.order, outcome.message
    else:
        order = dispatch.dispatch_order(
            actor=request.auth, order_id=order_id, provider_id=payload.provider_id, reason=payload.reason
        )
        message = order.transitions.order_by("-id").values_list("reason", flat=True).first() or ""
    return {
        "order_id": order.pk,
        "state": order.state,
        "dispatched": order.state == "dispatched",
        "provider_id": order.provider_id,
        "provider_name": order.provider.name if order.provider_id else "",
        "respond_by": order.respond_by,
        "message": message,
    }
