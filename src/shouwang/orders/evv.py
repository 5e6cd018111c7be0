"""Electronic visit verification (EVV): check-in and check-out by the caregiver's phone, the exceptions a
visit raises, their queue for providers and officials, and supervised corrections of a visit's times.

A check-in moves the order assigned → in service and records the six EVV facts (DOMAIN.md §5): the service
(the order's lines), the person served (the elder), the date and start time, the location and its distance
from the home, and the caregiver; the check-out adds the end time and moves it to completed. After each the
rules are run (``detect_exceptions``); each broken rule is one ``VisitException`` per order and kind, so
running them again changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import math

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, require_state
from shouwang.core.geo import distance_m, distance_text
from shouwang.core.scope import scope_of
from shouwang.core.text import listed, within_limit

from .models import (
    CheckMethod,
    CorrectionRequest,
    CorrectionState,
    ExceptionKind,
    ExceptionState,
    Order,
    OrderState,
    Visit,
    VisitException,
)
from .permissions import is_caregiver, is_visit_caregiver, may_review_visits
from .states import advance

S = OrderState
K = ExceptionKind
# States in which a visit exists and its times may still be corrected.
VISITED_STATES = frozenset({S.IN_SERVICE, S.COMPLETED, S.CONFIRMED, S.DISPUTED})
# Exceptions a supervisor's correction of the times answers.
TIME_KINDS = frozenset({K.MISSING_CHECKOUT, K.LATE, K.TOO_SHORT, K.OVERLAP})
PHOTO_MAX_BYTES = 8 * 1024 * 1024
# The same photo as base64 text in JSON (four characters per three bytes), with room for a data: URL's head.
PHOTO_MAX_BASE64_CHARS = PHOTO_MAX_BYTES * 4 // 3 + 100
PHOTO_SIGNATURES = ((b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"))


def checkout_grace() -> dt.timedelta:
    """How long after the window's end a visit may stay checked in before it counts as missing its
    check-out (``SHOUWANG_EVV_CHECKOUT_GRACE_MINUTES``, default 60)."""
    return dt.timedelta(minutes=getattr(settings, "SHOUWANG_EVV_CHECKOUT_GRACE_MINUTES", 60))


def home_of(order: Order) -> tuple[float, float] | None:
    """Where the visit should happen: the order's coordinates, else the elder's."""
    if order.lat is not None and order.lon is not None:
        return order.lat, order.lon
    if order.elder.lat is not None and order.elder.lon is not None:
        return order.elder.lat, order.elder.lon
    return None


# --- reads ---------------------------------------------------------------------------------------------


def caregiver_orders(user) -> QuerySet[Order]:
    """The orders assigned to the caregiver whose login ``user`` is (none for anyone else)."""
    if not is_caregiver(user):
        return Order.objects.none()
    return Order.objects.filter(caregiver__user_id=user.pk)


def supervised_orders(user) -> QuerySet[Order]:
    """Orders whose visits ``user`` supervises: a provider admin its provider's, an official the region's."""
    if not may_review_visits(user):
        return Order.objects.none()
    return scope_of(user).filter(Order.objects.all(), region="community__code", provider="provider_id")


def todays_visits(user, day: dt.date | None = None) -> QuerySet[Order]:
    """A caregiver's visits of ``day`` (today by default) in time order, plus any still checked in from
    an earlier day (a forgotten check-out), with what the phone page shows."""
    day = day or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    visible = [S.ASSIGNED, S.IN_SERVICE, S.COMPLETED, S.CONFIRMED, S.DISPUTED]
    return (
        caregiver_orders(user)
        .filter(Q(window_start__gte=start, window_start__lt=end) | Q(state=S.IN_SERVICE), state__in=visible)
        .select_related("elder", "visit")
        .prefetch_related("lines__item")
        .order_by("window_start", "pk")
    )


def next_visit(user, now: dt.datetime | None = None) -> Order | None:
    """The caregiver's visit to do next: one still checked in (whatever its day), else the earliest
    assigned visit from the start of today on; None when there is nothing left to do."""
    now = now or timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    mine = caregiver_orders(user).select_related("elder").prefetch_related("lines__item")
    going_on = mine.filter(state=S.IN_SERVICE).order_by("window_start", "pk").first()
    if going_on is not None:
        return going_on
    return mine.filter(state=S.ASSIGNED, window_start__gte=midnight).order_by("window_start", "pk").first()


def get_visit_order_for(user, order_id: int) -> Order:
    """One of the caregiver's own orders; any other is 404."""
    try:
        return (
            caregiver_orders(user)
            .select_related("elder", "visit", "community")
            .prefetch_related("lines__item")
            .get(pk=order_id)
        )
    except Order.DoesNotExist:
        raise NotFound(_("This visit does not exist or is not yours.")) from None


def open_exceptions_of(order: Order) -> list[VisitException]:
    """What the EVV rules found wrong with the order's visit and nobody has resolved yet: the caregiver
    sees it on the visit page at once, the supervisor in the exceptions queue."""
    return list(order.exceptions.filter(state=ExceptionState.OPEN).order_by("created_at"))


def exceptions_for(user, *, state: str = "", kind: str = "") -> QuerySet[VisitException]:
    """The exceptions queue: a provider admin sees its own orders', an official those of the region."""
    exceptions = VisitException.objects.filter(order__in=supervised_orders(user)).select_related(
        "order__elder", "order__provider", "order__caregiver", "order__visit", "resolved_by"
    )
    if state:
        exceptions = exceptions.filter(state=state)
    if kind:
        exceptions = exceptions.filter(kind=kind)
    return exceptions.order_by("-created_at", "-id")


def corrections_for(user, *, state: str = "") -> QuerySet[CorrectionRequest]:
    """Correction requests the user decides (supervisors) or made about their own visits (caregivers)."""
    orders = caregiver_orders(user) if is_caregiver(user) else supervised_orders(user)
    corrections = CorrectionRequest.objects.filter(order__in=orders).select_related(
        "order__elder", "order__provider", "order__caregiver", "order__visit", "requested_by", "decided_by"
    )
    if state:
        corrections = corrections.filter(state=state)
    return corrections.order_by("-created_at", "-id")


# --- check-in and check-out ----------------------------------------------------------------------------


def _locked_own_order(actor, order_id: int) -> Order:
    try:
        return (
            caregiver_orders(actor)
            .select_for_update(of=("self",))
            .select_related("elder", "community")
            .get(pk=order_id)
        )
    except Order.DoesNotExist:
        raise NotFound(_("This visit does not exist or is not yours.")) from None


def _position(lat, lon, accuracy_m) -> tuple[float, float, float | None]:
    try:
        lat, lon = float(lat), float(lon)
        accuracy_m = None if accuracy_m in (None, "") else float(accuracy_m)
    except (TypeError, ValueError):
        lat = lon = math.nan
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        message = _("The phone's location is missing or not valid; allow location access and try again.")
        raise ValidationFailed(message, errors={"location": message}, code="no_location")
    return lat, lon, accuracy_m


def _distance_from_home(order: Order, lat: float, lon: float) -> float | None:
    home = home_of(order)
    return None if home is None else round(distance_m(home[0], home[1], lat, lon), 1)


def _visit_facts(visit: Visit) -> dict:
    return audit.snapshot(
        visit,
        ["checkin_at", "checkin_lat", "checkin_lon", "checkin_distance_m", "checkin_method",
         "checkout_at", "checkout_lat", "checkout_lon", "checkout_distance_m", "checkout_method",
         "photo_sha256"],
    )  # fmt: skip


@transaction.atomic
def check_in(*, actor, order_id: int, lat, lon, accuracy_m=None, at: dt.datetime | None = None) -> Visit:
    """The assigned caregiver arrives: assigned → in service, and the visit's first EVV facts recorded."""
    order = _locked_own_order(actor, order_id)
    lat, lon, accuracy_m = _position(lat, lon, accuracy_m)
    at = at or timezone.now()
    require_state(
        order, {S.ASSIGNED}, _("This order is %(state)s; only an assigned visit can be checked in.")
    )
    visit = Visit.objects.create(
        order=order,
        caregiver_id=order.caregiver_id,
        checkin_at=at,
        checkin_lat=lat,
        checkin_lon=lon,
        checkin_accuracy_m=accuracy_m,
        checkin_distance_m=_distance_from_home(order, lat, lon),
        checkin_method=CheckMethod.GPS,
    )
    advance(order, S.IN_SERVICE, actor=actor, at=at, details={"distance_m": visit.checkin_distance_m})
    audit.record(
        actor=actor, action="orders.check_in", obj=visit, after=_visit_facts(visit),
        region_code=order.community_id, provider_id=order.provider_id,
    )  # fmt: skip
    detect_exceptions(order, now=at)
    return visit


def _read_photo(photo) -> tuple[bytes, str]:
    """The photo's bytes and extension; a JPEG or PNG picture under the size limit, else refused."""
    if isinstance(photo, str):
        raw = photo.split(",", 1)[1] if photo.startswith("data:") else photo
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            content = b""
    elif (getattr(photo, "size", 0) or 0) > PHOTO_MAX_BYTES:
        content = b""  # refused below without reading a huge upload into memory
    else:
        content = b"".join(photo.chunks()) if hasattr(photo, "chunks") else photo.read()
    extension = next((ext for magic, ext in PHOTO_SIGNATURES if content.startswith(magic)), None)
    if extension is None or len(content) > PHOTO_MAX_BYTES:
        message = _("The photo must be a JPEG or PNG picture of at most 8 MB.")
        raise ValidationFailed(message, errors={"photo": message})
    return content, extension


@transaction.atomic
def check_out(
    *, actor, order_id: int, lat, lon, accuracy_m=None, photo=None, at: dt.datetime | None = None
) -> Visit:
    """The caregiver leaves: in service → completed, with the end time, place and an optional photo
    (an upload, or base64 / a data: URL), stored with its SHA-256 so a reused picture is noticed."""
    order = _locked_own_order(actor, order_id)
    lat, lon, accuracy_m = _position(lat, lon, accuracy_m)
    at = at or timezone.now()
    require_state(
        order, {S.IN_SERVICE}, _("This order is %(state)s; only a visit in service can be checked out.")
    )
    visit = order.visit
    if at <= visit.checkin_at:
        raise ValidationFailed(_("The check-out must come after the check-in."))
    content, extension = _read_photo(photo) if photo else (b"", "")
    visit.checkout_at, visit.checkout_lat, visit.checkout_lon = at, lat, lon
    visit.checkout_accuracy_m = accuracy_m
    visit.checkout_distance_m = _distance_from_home(order, lat, lon)
    visit.checkout_method = CheckMethod.GPS
    if content:
        visit.photo_sha256 = hashlib.sha256(content).hexdigest()
        visit.photo.save(f"{visit.photo_sha256[:20]}.{extension}", ContentFile(content), save=False)
    visit.save()
    advance(order, S.COMPLETED, actor=actor, at=at, details={"distance_m": visit.checkout_distance_m})
    audit.record(
        actor=actor, action="orders.check_out", obj=visit, after=_visit_facts(visit),
        region_code=order.community_id, provider_id=order.provider_id,
    )  # fmt: skip
    detect_exceptions(order, now=at)
    return visit


# --- exception rules -----------------------------------------------------------------------------------


def _outside_radius(order: Order, visit: Visit) -> str | None:
    radius = settings.SHOUWANG_EVV_RADIUS_M
    far = [
        (label, distance)
        for label, distance in (
            (_("check-in"), visit.checkin_distance_m),
            (_("check-out"), visit.checkout_distance_m),
        )
        if distance is not None and distance > radius
    ]
    if not far:
        return None
    places = listed(f"{label} {distance_text(distance)}" for label, distance in far)
    return _("Away from the home (more than %(radius)d m): %(places)s.") % {
        "radius": radius,
        "places": places,
    }


def _late(order: Order, visit: Visit) -> str | None:
    minutes = (visit.checkin_at - order.window_start).total_seconds() / 60
    if minutes <= settings.SHOUWANG_EVV_LATE_MINUTES:
        return None
    return _("Checked in %(when)s after the window began.") % {"when": _duration_text(minutes)}


def _early(order: Order, visit: Visit) -> str | None:
    minutes = (order.window_start - visit.checkin_at).total_seconds() / 60
    if minutes <= settings.SHOUWANG_EVV_EARLY_MINUTES:
        return None
    return _("Checked in %(when)s before the window began.") % {"when": _duration_text(minutes)}


def _duration_text(minutes: float) -> str:
    if minutes < 120:
        return _("%(minutes)d minutes") % {"minutes": minutes}
    return _("%(hours).1f hours") % {"hours": minutes / 60}


def standard_minutes(order: Order) -> int:
    """The visit's expected length: Σ item standard minutes × quantity."""
    return sum(line.item.standard_minutes * line.quantity for line in order.lines.select_related("item"))


def _too_short(order: Order, visit: Visit) -> str | None:
    if visit.checkout_at is None:
        return None
    expected = standard_minutes(order)
    minutes = (visit.checkout_at - visit.checkin_at).total_seconds() / 60
    if minutes >= settings.SHOUWANG_EVV_MIN_DURATION_SHARE * expected:
        return None
    return _("The visit lasted %(minutes)d minutes; the items take %(expected)d.") % {
        "minutes": minutes,
        "expected": expected,
    }


def _interval_end(visit: Visit, now: dt.datetime) -> dt.datetime:
    return visit.checkout_at or max(now, visit.checkin_at)


def _overlapping(visit: Visit, now: dt.datetime) -> Visit | None:
    """Another visit of the same caregiver whose time overlaps this one's (an open one lasts until now)."""
    end = _interval_end(visit, now)
    others = Visit.objects.filter(caregiver_id=visit.caregiver_id, checkin_at__lt=end).exclude(pk=visit.pk)
    others = others.filter(Q(checkout_at__gt=visit.checkin_at) | Q(checkout_at__isnull=True))
    return others.select_related("order").order_by("checkin_at").first()


def _overlap_detail(other: Visit) -> str:
    return _("Overlaps the caregiver's visit of order #%(order)s.") % {"order": other.order_id}


def _impossible_travel(order: Order, visit: Visit) -> str | None:
    previous = (
        Visit.objects.filter(caregiver_id=visit.caregiver_id, checkin_at__lt=visit.checkin_at)
        .exclude(pk=visit.pk)
        .order_by("-checkin_at")
        .first()
    )
    if previous is None or visit.checkin_lat is None:
        return None
    left_at = previous.checkout_at or previous.checkin_at
    lat = previous.checkout_lat if previous.checkout_lat is not None else previous.checkin_lat
    lon = previous.checkout_lon if previous.checkout_lon is not None else previous.checkin_lon
    if lat is None or lon is None:
        return None
    km = distance_m(lat, lon, visit.checkin_lat, visit.checkin_lon) / 1000
    hours = (visit.checkin_at - left_at).total_seconds() / 3600
    limit = settings.SHOUWANG_EVV_MAX_TRAVEL_KMH
    # Within the tolerance radius the two places count as one (two elders in one building).
    if km * 1000 <= settings.SHOUWANG_EVV_RADIUS_M or (hours > 0 and km / hours <= limit):
        return None
    speed = _("at once") if hours <= 0 else _("%(kmh).0f km/h") % {"kmh": km / hours}
    return _("%(km).1f km from order #%(order)s (%(speed)s, more than %(limit).0f km/h).") % {
        "km": km, "order": previous.order_id, "speed": speed, "limit": limit,
    }  # fmt: skip


def _photo_reused(order: Order, visit: Visit) -> str | None:
    if not visit.photo_sha256:
        return None
    other = Visit.objects.filter(photo_sha256=visit.photo_sha256).exclude(pk=visit.pk).first()
    if other is None:
        return None
    return _("The same photo was sent for order #%(order)s.") % {"order": other.order_id}


def _raise(order: Order, kind: str, detail: str) -> VisitException | None:
    """One exception per order and kind; an existing one (even resolved) is left as it is."""
    exception, created = VisitException.objects.get_or_create(
        order=order, kind=kind, defaults={"detail": detail[:300]}
    )
    if not created:
        return None
    audit.record(
        actor=None,
        action="orders.visit_exception",
        obj=order,
        after={"kind": kind, "detail": exception.detail},
        region_code=order.community_id,
        provider_id=order.provider_id,
    )
    return exception


def detect_exceptions(order: Order, *, now: dt.datetime | None = None) -> list[VisitException]:
    """Run the EVV rules on the order's visit and raise the exceptions not raised before; returns them."""
    try:
        visit = Visit.objects.get(order=order)
    except Visit.DoesNotExist:
        return []
    now = now or timezone.now()
    other = _overlapping(visit, now)
    if other is not None:
        # Both visits are in question; the other one is flagged too, naming this one.
        _raise(other.order, K.OVERLAP, _overlap_detail(visit))
    findings = {
        K.OUTSIDE_RADIUS: _outside_radius(order, visit),
        K.LATE: _late(order, visit),
        K.EARLY: _early(order, visit),
        K.TOO_SHORT: _too_short(order, visit),
        K.OVERLAP: _overlap_detail(other) if other is not None else None,
        K.IMPOSSIBLE_TRAVEL: _impossible_travel(order, visit),
        K.PHOTO_REUSED: _photo_reused(order, visit),
    }
    raised = [_raise(order, kind, detail) for kind, detail in findings.items() if detail]
    return [exception for exception in raised if exception is not None]


def sweep_missing_checkouts(*, now: dt.datetime | None = None) -> int:
    """The periodic sweep: visits still in service past their window's end plus the grace time get a
    ``missing_checkout`` exception. Returns how many were raised (running it again raises none)."""
    now = now or timezone.now()
    already = VisitException.objects.filter(order=OuterRef("pk"), kind=K.MISSING_CHECKOUT)
    overdue = Order.objects.filter(
        state=S.IN_SERVICE, window_end__lt=now - checkout_grace(), visit__checkout_at__isnull=True
    ).exclude(Exists(already))
    raised = 0
    for order in overdue.select_related("visit"):
        with transaction.atomic():
            detail = _("Still checked in %(hours).1f hours after the window ended.") % {
                "hours": (now - order.window_end).total_seconds() / 3600
            }
            raised += _raise(order, K.MISSING_CHECKOUT, detail) is not None
    return raised


# --- the queue: resolving exceptions --------------------------------------------------------------------


def _require_supervisor(actor) -> None:
    if not may_review_visits(actor):
        raise Forbidden(_("Only the provider's administrator or an official may do this."))


@transaction.atomic
def resolve_exception(*, actor, exception_id: int, accept: bool, explanation: str = "") -> VisitException:
    """A supervisor closes an open exception: accepted with an explanation, or upheld (it stands and
    counts against the provider's verification rate)."""
    _require_supervisor(actor)
    try:
        exception = (
            VisitException.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=exception_id, order__in=supervised_orders(actor))
        )
    except VisitException.DoesNotExist:
        raise NotFound(_("This exception does not exist or is outside your area.")) from None
    require_state(exception, {ExceptionState.OPEN}, _("This exception is already %(state)s."))
    explanation = (explanation or "").strip()
    if accept and not explanation:
        message = _("Give the explanation you accept.")
        raise ValidationFailed(message, errors={"explanation": message})
    exception.state = ExceptionState.ACCEPTED if accept else ExceptionState.UPHELD
    exception.resolution, exception.resolved_by, exception.resolved_at = (
        within_limit(explanation, 300, field="explanation", label=_("The explanation")),
        actor,
        timezone.now(),
    )
    exception.save()
    audit.record(
        actor=actor, action="orders.exception_resolved", obj=exception.order,
        before={"kind": exception.kind, "state": ExceptionState.OPEN},
        after={"kind": exception.kind, "state": exception.state, "explanation": exception.resolution},
        region_code=exception.order.community_id, provider_id=exception.order.provider_id,
    )  # fmt: skip
    return exception


# --- corrections ---------------------------------------------------------------------------------------


def _parse_time(value, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime):
        message = _("Not a date and time.")
        raise ValidationFailed(message, errors={field: message})
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _may_request(actor, order: Order) -> bool:
    if is_caregiver(actor):
        return is_visit_caregiver(actor, order)
    return may_review_visits(actor) and supervised_orders(actor).filter(pk=order.pk).exists()


@transaction.atomic
def request_correction(
    *, actor, order_id: int, checkin_at=None, checkout_at=None, reason: str
) -> CorrectionRequest:
    """The caregiver (own visit) or the provider asks to change the visit's check-in or check-out time,
    with a reason; a supervisor decides (``decide_correction``)."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("caregiver", "community")
        .filter(pk=order_id)
        .first()
    )
    if order is None or not _may_request(actor, order):
        raise NotFound(_("This visit does not exist or is outside your area."))
    require_state(order, VISITED_STATES, _("This order is %(state)s; it has no visit to correct."))
    changes = {
        name: value
        for name, value in (
            ("checkin_at", _parse_time(checkin_at, "checkin_at")),
            ("checkout_at", _parse_time(checkout_at, "checkout_at")),
        )
        if value is not None
    }
    reason = (reason or "").strip()
    errors = {}
    if not changes:
        errors["checkout_at"] = _("Give the corrected check-in or check-out time.")
    if not reason:
        errors["reason"] = _("Give the reason.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    visit = order.visit
    _check_times(changes.get("checkin_at", visit.checkin_at), changes.get("checkout_at", visit.checkout_at))
    if order.corrections.filter(state=CorrectionState.PENDING).exists():
        raise Conflict(
            _("A correction of this visit is already waiting for a decision."), code="pending_correction"
        )
    correction = CorrectionRequest.objects.create(
        order=order,
        requested_by=actor,
        changes={name: value.isoformat() for name, value in changes.items()},
        reason=within_limit(reason, 300, field="reason", label=_("The reason")),
    )
    audit.record(
        actor=actor,
        action="orders.correction_requested",
        obj=order,
        before={name: getattr(visit, name) for name in changes},
        after={**correction.changes, "reason": reason},
        region_code=order.community_id,
        provider_id=order.provider_id,
    )
    return correction


def _check_times(checkin_at: dt.datetime, checkout_at: dt.datetime | None) -> None:
    if checkout_at is not None and checkout_at <= checkin_at:
        message = _("The check-out must come after the check-in.")
        raise ValidationFailed(message, errors={"checkout_at": message})
    if checkout_at is not None and checkout_at > timezone.now():
        message = _("The check-out cannot be in the future.")
        raise ValidationFailed(message, errors={"checkout_at": message})


@transaction.atomic
def decide_correction(*, actor, correction_id: int, approve: bool, note: str = "") -> CorrectionRequest:
    """A supervisor approves (the visit's times change, marked as corrected; a missing check-out then
    completes the order) or refuses a pending correction. Audited with the times before and after."""
    _require_supervisor(actor)
    try:
        correction = (
            CorrectionRequest.objects.select_for_update(of=("self",))
            .select_related("order__community", "order__visit")
            .get(pk=correction_id, order__in=supervised_orders(actor))
        )
    except CorrectionRequest.DoesNotExist:
        raise NotFound(_("This correction request does not exist or is outside your area.")) from None
    require_state(correction, {CorrectionState.PENDING}, _("This correction is already %(state)s."))
    note = (note or "").strip()
    if not approve and not note:
        message = _("Say why the correction is refused.")
        raise ValidationFailed(message, errors={"note": message})
    order, visit = correction.order, correction.order.visit
    before = _visit_facts(visit)
    if approve:
        _apply(actor, correction, order, visit)
    correction.state = CorrectionState.APPROVED if approve else CorrectionState.REFUSED
    correction.decided_by, correction.decided_at, correction.decision_note = (
        actor,
        timezone.now(),
        within_limit(note, 300, field="note", label=_("The note")),
    )
    correction.save()
    audit_before, audit_after = audit.changed(before, _visit_facts(visit))
    audit.record(
        actor=actor, action=f"orders.correction_{correction.state}", obj=order,
        before=audit_before, after={**audit_after, "note": correction.decision_note},
        region_code=order.community_id, provider_id=order.provider_id,
    )  # fmt: skip
    return correction


def _apply(actor, correction: CorrectionRequest, order: Order, visit: Visit) -> None:
    times = {name: dt.datetime.fromisoformat(value) for name, value in correction.changes.items()}
    _check_times(times.get("checkin_at", visit.checkin_at), times.get("checkout_at", visit.checkout_at))
    if "checkin_at" in times:
        visit.checkin_at, visit.checkin_method = times["checkin_at"], CheckMethod.CORRECTED
    if "checkout_at" in times:
        visit.checkout_at, visit.checkout_method = times["checkout_at"], CheckMethod.CORRECTED
    visit.save()
    if order.state == S.IN_SERVICE and visit.checkout_at is not None:
        advance(order, S.COMPLETED, actor=actor, reason=_("check-out corrected by a supervisor"),
                details={"correction": correction.pk})  # fmt: skip
    # The corrected times answer the time-based exceptions still open; the rules then run again on them.
    answered = order.exceptions.filter(kind__in=TIME_KINDS, state=ExceptionState.OPEN)
    answered.update(
        state=ExceptionState.CORRECTED, resolved_by=actor, resolved_at=timezone.now(),
        resolution=_("Times corrected (request #%(id)s).") % {"id": correction.pk},
    )  # fmt: skip
    detect_exceptions(order)


# --- evaluation sources --------------------------------------------------------------------------------


def _month_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    return start, end


def on_time_measure(provider_id: int, first: dt.date, last: dt.date):
    """Share of the month's visits checked in within the late tolerance, as 0–100."""
    from shouwang.providers.evaluation import Measure

    start, end = _month_range(first, last)
    visits = Visit.objects.filter(order__provider_id=provider_id, checkin_at__gte=start, checkin_at__lt=end)
    total = visits.count()
    if not total:
        return Measure(None)
    tolerance = dt.timedelta(minutes=settings.SHOUWANG_EVV_LATE_MINUTES)
    deadline = ExpressionWrapper(F("order__window_start") + tolerance, output_field=DateTimeField())
    on_time = visits.alias(deadline=deadline).filter(checkin_at__lte=F("deadline")).count()
    share = on_time / total
    return Measure(score=round(share * 100, 1), value=round(share, 4), count=total)


def verification_measure(provider_id: int, first: dt.date, last: dt.date):
    """Share of the month's completed visits with no open or upheld exception, as 0–100."""
    from shouwang.providers.evaluation import Measure

    start, end = _month_range(first, last)
    visits = Visit.objects.filter(
        order__provider_id=provider_id, checkout_at__isnull=False, checkin_at__gte=start, checkin_at__lt=end
    )
    total = visits.count()
    if not total:
        return Measure(None)
    standing = VisitException.objects.filter(
        order_id=OuterRef("order_id"), state__in=[ExceptionState.OPEN, ExceptionState.UPHELD]
    )
    clean = visits.exclude(Exists(standing)).count()
    share = clean / total
    return Measure(score=round(share * 100, 1), value=round(share, 4), count=total)


def register_evaluation_sources() -> None:
    """Give the provider evaluation its ``on_time`` and ``verification`` components (call from
    ``OrdersConfig.ready``)."""
    from shouwang.providers.evaluation import register_source

    register_source("on_time", on_time_measure)
    register_source("verification", verification_measure)
