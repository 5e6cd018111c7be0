"""Writes of orders: creating one, and the steps of its life that are not dispatch (``dispatch.py``) or
the visit itself (``evv.py``, ``confirmation.py``).

Every state change goes through ``states.advance`` (409 ``illegal_transition`` for a move the machine does
not allow), inside one transaction per call, with the order row locked so a provider's answer and the
deadline expiry never both win. Scope comes first: an order outside the actor's scope is NotFound.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.catalog.models import ServiceItem
from shouwang.core import audit
from shouwang.core.actors import SYSTEM, as_user, is_system, name_of, require_actor
from shouwang.core.errors import DomainError, Forbidden, NotFound, ValidationFailed, require_state
from shouwang.core.roles import Role
from shouwang.core.text import listed, too_long, within_limit
from shouwang.elders.models import Elder, Status
from shouwang.providers.prices import price_on
from shouwang.providers.staff import eligibility

from . import permissions
from .dispatch import take_own_order
from .models import Order, OrderLine, OrderSource, OrderState, OrderTransition
from .selectors import elders_to_order_for, get_order_for
from .states import BUSY_STATES, OPEN_STATES, advance

logger = logging.getLogger(__name__)
S = OrderState

# The source each role's orders get, when the role decides it; the others choose phone or community.
FORCED_SOURCE = {Role.PROVIDER_ADMIN: OrderSource.PROVIDER, Role.ELDER: OrderSource.FAMILY}
# How late a window may start when it is entered (a call about "right now" takes a minute to type), how
# far ahead orders may be placed, and the longest window.
PAST_GRACE = dt.timedelta(minutes=15)
MAX_DAYS_AHEAD = getattr(settings, "SHOUWANG_ORDER_MAX_DAYS_AHEAD", 30)
MAX_WINDOW = dt.timedelta(hours=12)
MAX_QUANTITY = 20
NOTE_LENGTH = Order._meta.get_field("note").max_length
REASON_LENGTH = OrderTransition._meta.get_field("reason").max_length


def _role(actor) -> str:
    return getattr(actor, "effective_role", "") if actor is not None else ""


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)


def _locked(actor, order_id: int) -> Order:
    """The order, checked against the actor's scope (the platform, ``SYSTEM``, sees all), then re-read
    locked for the rest of the transaction."""
    require_actor(actor)
    if not is_system(actor):
        get_order_for(actor, order_id)
    try:
        return (
            Order.objects.select_for_update(of=("self",))
            .select_related("community", "provider")
            .get(pk=order_id)
        )
    except (Order.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This order does not exist or is outside your area.")) from None


def _reason(reason: str, *, required: bool = True) -> str:
    reason = within_limit(reason, REASON_LENGTH, field="reason", label=_("The reason"))
    if required and not reason:
        message = _("Give the reason.")
        raise ValidationFailed(message, errors={"reason": message})
    return reason


# --- creation ------------------------------------------------------------------------------------------


def _elder_for_creation(actor, elder_id: int) -> Elder:
    """The elder, if the actor may order for them (``selectors.elders_to_order_for``); one NotFound for a
    missing elder and one the actor may not order for."""
    elder = elders_to_order_for(actor).filter(pk=elder_id).first()
    if elder is None:
        raise NotFound(_("This elder does not exist or is outside your area."))
    if elder.status != Status.ACTIVE:
        message = _("Orders are only placed for active elders; this elder is %(status)s.") % {
            "status": elder.get_status_display()
        }
        raise ValidationFailed(message, errors={"elder_id": message}, code="elder_not_active")
    return elder


def _checked_items(items, errors: dict) -> list[tuple[ServiceItem, int]]:
    """The ordered catalogue items with their quantities; problems go to ``errors["items"]``."""
    if not items:
        errors["items"] = _("Choose at least one service.")
        return []
    wanted: dict[str, int] = {}
    for entry in items:
        code = str((entry or {}).get("code", "")).strip()
        try:
            quantity = int((entry or {}).get("quantity", 1))
        except (TypeError, ValueError):
            quantity = 0
        if not 1 <= quantity <= MAX_QUANTITY:
            errors["items"] = _("Quantities are whole numbers from 1 to %(max)d.") % {"max": MAX_QUANTITY}
            return []
        if code in wanted:
            errors["items"] = _("%(code)s is listed twice.") % {"code": code}
            return []
        wanted[code] = quantity
    found = {item.code: item for item in ServiceItem.objects.filter(code__in=wanted, active=True)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        errors["items"] = _("Not in the service catalogue: %(codes)s.") % {"codes": listed(unknown)}
        return []
    return [(found[code], quantity) for code, quantity in wanted.items()]


def check_window(start, end, errors: dict, *, now: dt.datetime | None = None) -> None:
    """The service window: aware times, ending after it starts, within ``MAX_WINDOW``, not in the past
    (beyond ``PAST_GRACE``) and at most ``MAX_DAYS_AHEAD`` days ahead."""
    now = now or timezone.now()
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        errors["window_start"] = _("Give the date and the time window.")
        return
    if timezone.is_naive(start) or timezone.is_naive(end):
        errors["window_start"] = _("Give the time window with its time zone.")
    elif end <= start:
        errors["window_end"] = _("The window must end after it starts.")
    elif end - start > MAX_WINDOW:
        errors["window_end"] = _("A window is at most 12 hours long.")
    elif start < now - PAST_GRACE:
        errors["window_start"] = _("The window has already begun; choose a later time.")
    elif start > now + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors["window_start"] = _("Orders are placed at most %(days)d days ahead.") % {
            "days": MAX_DAYS_AHEAD
        }


def _source_for(actor, source: str, errors: dict) -> str:
    forced = FORCED_SOURCE.get(_role(actor))
    if forced:
        return forced
    if source not in OrderSource.values or source == OrderSource.CARE_PLAN:
        errors["source"] = _("Unknown order source.")
    return source


def create_order(
    *, actor, elder_id: int | None, items: list[dict], window_start, window_end, source: str, note: str = ""
) -> Order:
    """Place an order for an elder the actor may order for (in scope and active; a provider for the elders
    it serves, ``selectors.elders_served_by``) with active catalogue ``items`` (``{"code", "quantity"}``)
    in a valid window. The community, address and coordinates are copied from the elder. The order waits
    in ``created`` for dispatch, except a provider's own, which is its at once (``dispatch.take_own_order``).
    Care-plan orders are made by ``generation``, not here."""
    _require(permissions.may_place_orders(actor), _("Your role may not place orders."))
    errors: dict[str, str] = {}
    elder = _elder_for_creation(actor, elder_id) if elder_id else None
    if elder is None:
        errors["elder_id"] = _("Enter a name, ID number or phone, then choose the elder.")
    lines = _checked_items(items, errors)
    check_window(window_start, window_end, errors)
    source = _source_for(actor, source, errors)
    note = (note or "").strip()
    if message := too_long(note, NOTE_LENGTH, label=_("The note")):
        errors["note"] = message
    _fail(errors)
    with transaction.atomic():
        order = create_for_elder(
            actor=actor,
            elder=elder,
            lines=lines,
            window_start=window_start,
            window_end=window_end,
            source=source,
            note=note,
        )
        if permissions.places_orders_as_provider(actor):
            order = take_own_order(order, actor=actor)
    return order


def create_for_elder(
    *, actor, elder: Elder, lines, window_start, window_end, source: str, note: str = "", **extra
) -> Order:
    """Insert an order with its lines, its first timeline entry and the audit record; no checks (callers
    have made them). ``extra`` sets further fields (``care_plan``, ``plan_key``)."""
    order = Order.objects.create(
        elder=elder,
        community_id=elder.community_id,
        address=elder.address,
        lat=elder.lat,
        lon=elder.lon,
        source=source,
        window_start=window_start,
        window_end=window_end,
        note=note,
        created_by=as_user(actor),
        **extra,
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=order, item=item, quantity=quantity) for item, quantity in lines
    )
    OrderTransition.objects.create(
        order=order,
        from_state="",
        to_state=S.CREATED,
        at=timezone.now(),
        actor=as_user(actor),
        actor_name=name_of(actor),
        reason=str(OrderSource(source).label),
    )
    audit.record(
        actor=actor,
        action="order.create",
        obj=order,
        after={
            "elder": elder.pk,
            "source": source,
            "window": [window_start, window_end],
            "items": {item.code: quantity for item, quantity in lines},
            **({"plan_key": extra["plan_key"]} if extra.get("plan_key") else {}),
        },
        region_code=elder.community_id,
    )
    return order


# --- the provider's answer and assignment ---------------------------------------------------------------


def _require_order_provider(actor, order: Order) -> None:
    if not permissions.is_order_provider(actor, order):
        raise Forbidden(_("Only the administrator of the provider this order was sent to may do this."))


@transaction.atomic
def accept_order(*, actor, order_id: int) -> Order:
    """The provider takes the order it was sent; the answer deadline no longer applies."""
    order = _locked(actor, order_id)
    _require_order_provider(actor, order)
    return advance(order, S.ACCEPTED, actor=actor, fields={"respond_by": None})


def reject_order(*, actor, order_id: int, reason: str) -> Order:
    """The provider declines, with a reason: the order records it among ``declined_provider_ids``, goes back
    to ``created`` without a provider, and auto-dispatch offers it to the next candidate."""
    reason = _reason(reason)
    with transaction.atomic():
        order = _locked(actor, order_id)
        _require_order_provider(actor, order)
        provider_id = order.provider_id
        advance(order, S.REJECTED, actor=actor, reason=reason)
        return_to_queue(order, actor=actor, reason=reason, declined=provider_id)
    redispatch(order)
    order.refresh_from_db()
    return order


def return_to_queue(order: Order, *, actor, reason: str, declined: int | None) -> Order:
    """Back to ``created`` without provider, caregiver or prices (dispatch sets them again), remembering
    the provider that did not take it so re-dispatch passes it over. Call inside a transaction."""
    declined_ids = list(order.declined_provider_ids or [])
    if declined is not None and declined not in declined_ids:
        declined_ids.append(declined)
    advance(
        order,
        S.CREATED,
        actor=actor,
        reason=reason,
        details={"declined_provider": declined} if declined else None,
        fields={
            "provider": None,
            "caregiver": None,
            "respond_by": None,
            "dispatched_at": None,
            "amount_fen": None,
            "declined_provider_ids": declined_ids,
        },
    )
    order.lines.update(unit_price_fen=None)
    return order


def redispatch(order: Order) -> None:
    """Offer the order to the next candidate through the matching's auto-dispatch, when that is installed.
    A failure to find one leaves the order waiting in ``created`` for the operator; it never undoes the
    step that freed the order."""
    try:
        from .dispatch import auto_dispatch
    except ImportError:  # matching not installed: the operator dispatches by hand
        return
    try:
        with transaction.atomic():
            auto_dispatch(actor=SYSTEM, order_id=order.pk)
    except DomainError as error:
        logger.info("auto-dispatch left order %s waiting: %s", order.pk, error.message)


def overlapping_orders(staff_id: int, start, end, *, exclude: int | None = None):
    """The caregiver's busy orders whose windows overlap start..end."""
    found = Order.objects.filter(
        caregiver_id=staff_id, state__in=BUSY_STATES, window_start__lt=end, window_end__gt=start
    )
    return found.exclude(pk=exclude) if exclude else found


def assignment_problems(order: Order, staff) -> list[str]:
    """Why ``staff`` may not do this order: eligibility for every line item, and other busy orders of the
    same caregiver overlapping its window. Empty when they may."""
    if staff.provider_id != order.provider_id:
        return [_("%(name)s does not work for this order's provider.") % {"name": staff.name}]
    reasons: list[str] = []
    for line in order.lines.select_related("item"):
        for reason in eligibility(staff, line.item, order.window_start, order.window_end):
            if reason not in reasons:
                reasons.append(reason)
    clash = overlapping_orders(staff.pk, order.window_start, order.window_end, exclude=order.pk).first()
    if clash is not None:
        reasons.append(
            _("%(name)s already has order #%(order)s from %(start)s.")
            % {
                "name": staff.name,
                "order": clash.pk,
                "start": f"{timezone.localtime(clash.window_start):%Y-%m-%d %H:%M}",
            }
        )
    return reasons


@transaction.atomic
def assign_caregiver(*, actor, order_id: int, staff_id: int) -> Order:
    """The provider sends one of its caregivers: one who is eligible for every item of the order at its
    window (skills, certificates in date, shifts) and not busy with another order then; else 422 with
    every reason. An assigned order may be given to another caregiver the same way."""
    from shouwang.providers.models import StaffMember

    order = _locked(actor, order_id)
    _require_order_provider(actor, order)
    staff = (
        StaffMember.objects.select_related("provider")
        .prefetch_related("certificates", "provider__contracts")
        .filter(pk=staff_id, provider_id=order.provider_id)
        .first()
    )
    if staff is None:
        message = _("Choose a caregiver of this provider.")
        raise ValidationFailed(message, errors={"staff_id": message})
    if order.state not in (S.ACCEPTED, S.ASSIGNED):
        # Let the state machine give its standard refusal for a wrong state.
        advance(order, S.ASSIGNED, actor=actor)
    reasons = assignment_problems(order, staff)
    if reasons:
        raise ValidationFailed(
            _("%(name)s cannot take this order: %(reasons)s")
            % {"name": staff.name, "reasons": " ".join(reasons)},
            errors={"staff_id": " ".join(reasons)},
            code="not_eligible",
        )
    previous = order.caregiver.name if order.caregiver_id else ""
    return advance(
        order,
        S.ASSIGNED,
        actor=actor,
        reason=staff.name,
        details={"caregiver": staff.pk, **({"previous": previous} if previous else {})},
        fields={"caregiver": staff},
    )


# --- cancelling, disputes, settlement -------------------------------------------------------------------


@transaction.atomic
def cancel_order(*, actor, order_id: int, reason: str) -> Order:
    """Call an order off before the visit starts (or close a dispute as cancelled), with a reason."""
    _require(permissions.may_cancel_orders(actor), _("Your role may not cancel orders."))
    reason = _reason(reason)
    order = _locked(actor, order_id)
    return advance(order, S.CANCELLED, actor=actor, reason=reason, fields={"respond_by": None})


@transaction.atomic
def dispute_order(*, actor, order_id: int, reason: str) -> Order:
    """The elder, family or desk questions a completed or confirmed visit: settlement waits."""
    _require(permissions.may_dispute_orders(actor), _("Your role may not dispute orders."))
    reason = _reason(reason)
    order = _locked(actor, order_id)
    return advance(order, S.DISPUTED, actor=actor, reason=reason)


DISPUTE_OUTCOMES = {"confirm": S.CONFIRMED, "cancel": S.CANCELLED}


@transaction.atomic
def resolve_dispute(*, actor, order_id: int, outcome: str, resolution: str) -> Order:
    """Close a dispute: ``confirm`` (the visit stands and may be settled) or ``cancel`` (it is not paid)."""
    _require(
        permissions.may_resolve_disputes(actor), _("Only officials and the call centre resolve disputes.")
    )
    if outcome not in DISPUTE_OUTCOMES:
        message = _("Choose whether the visit stands or is cancelled.")
        raise ValidationFailed(message, errors={"outcome": message})
    resolution = _reason(resolution)
    order = _locked(actor, order_id)
    # completed → confirmed is also the elder's confirmation; only a disputed order is resolved here.
    require_state(order, (S.DISPUTED,), _("This order is %(state)s; only a disputed order is resolved."))
    return advance(
        order, DISPUTE_OUTCOMES[outcome], actor=actor, reason=resolution, details={"dispute": outcome}
    )


@transaction.atomic
def settle_order(*, actor, order_id: int) -> Order:
    """Record the settlement of a confirmed order (officials, admin, or the platform named as ``SYSTEM``):
    the amount is Σ unit price × quantity, the prices fixed at dispatch from the provider's list on the
    service day (looked up again for a line that lacks one)."""
    require_actor(actor)
    if not is_system(actor):
        _require(permissions.may_settle_orders(actor), _("Only officials settle orders."))
    order = _locked(actor, order_id)
    if order.state != S.CONFIRMED:
        return advance(order, S.SETTLED, actor=actor)  # the standard refusal
    day = timezone.localtime(order.window_start).date()
    amount = 0
    for line in order.lines.select_related("item"):
        if line.unit_price_fen is None:
            line.unit_price_fen = price_on(order.provider_id, line.item.code, day)
            if line.unit_price_fen is None:
                message = _("%(item)s has no price in the provider's list on %(day)s.") % {
                    "item": line.item.name,
                    "day": day.isoformat(),
                }
                raise ValidationFailed(message, code="no_price")
            line.save(update_fields=["unit_price_fen"])
        amount += line.unit_price_fen * line.quantity
    subsidy, self_pay = _settlement_split(order=order, amount_fen=amount, actor=actor)
    return advance(
        order,
        S.SETTLED,
        actor=actor,
        details={"amount_fen": amount, "subsidy_fen": subsidy, "self_pay_fen": self_pay},
        fields={"amount_fen": amount, "subsidy_fen": subsidy, "self_pay_fen": self_pay},
    )


def _elder_pays_all(*, order: Order, amount_fen: int, actor) -> tuple[int, int]:
    return 0, amount_fen


_settlement_split = _elder_pays_all


def register_settlement_split(split) -> None:
    """Let a higher app (benefits) decide how a settled amount splits into (subsidy, self-pay) and record
    its side inside the settlement's transaction; without one the elder pays it all."""
    global _settlement_split
    _settlement_split = split


# --- reactions to other apps -----------------------------------------------------------------------------


def cancel_open_orders_of_elder(*, elder, actor, reason: str) -> int:
    """Cancel the elder's orders not yet served (the elder died or moved out); returns how many."""
    count = 0
    for order in Order.objects.select_for_update().filter(elder=elder, state__in=OPEN_STATES):
        advance(order, S.CANCELLED, actor=actor, reason=reason, fields={"respond_by": None})
        count += 1
    return count


def hand_over_provider_orders(*, provider, actor, reason: str) -> list[Order]:
    """A provider exited: its open orders go back to ``created`` with the provider among those that
    declined, then each is offered to the next candidate. Returns the orders moved."""
    moved = []
    for order in Order.objects.select_for_update().filter(provider=provider, state__in=OPEN_STATES):
        return_to_queue(order, actor=actor, reason=reason, declined=provider.pk)
        moved.append(order)
    for order in moved:
        redispatch(order)
    return moved


# Reasons the hooks give, by life event; the order timeline shows them.
LIFE_EVENT_REASONS = {
    "deceased": gettext_lazy("The elder has died (老人去世)."),
    "moved_out": gettext_lazy("The elder has moved out (老人迁出)."),
}


def on_life_event(sender, *, elder, event, date, actor, **kwargs) -> None:
    """elders.signals.life_event_recorded: a death or a move cancels the elder's open orders (inside the
    registry's transaction, so both happen or neither)."""
    reason = LIFE_EVENT_REASONS.get(event)
    if reason is not None:
        cancel_open_orders_of_elder(elder=elder, actor=actor, reason=str(reason))


def on_provider_exited(sender, *, provider, actor, kind="", **kwargs) -> None:
    """providers.signals.provider_exited: the provider's open orders are handed over (re-dispatched)."""
    hand_over_provider_orders(
        provider=provider, actor=actor, reason=_("%(provider)s has exited.") % {"provider": provider.name}
    )


def actions_for(user, order: Order) -> list[str]:
    """The steps this user may take on the order now (the detail page's buttons, the API's hints); the
    services check again when a step is taken."""
    state, actions = order.state, []
    is_its_provider = permissions.is_order_provider(user, order)
    if is_its_provider and state == S.DISPATCHED:
        actions += ["accept", "reject"]
    if is_its_provider and state in (S.ACCEPTED, S.ASSIGNED):
        actions.append("assign")
    if permissions.may_cancel_orders(user) and state in OPEN_STATES:
        actions.append("cancel")
    if permissions.may_dispute_orders(user) and state in (S.COMPLETED, S.CONFIRMED):
        actions.append("dispute")
    if permissions.may_resolve_disputes(user) and state == S.DISPUTED:
        actions.append("resolve-dispute")
    if permissions.may_settle_orders(user) and state == S.CONFIRMED:
        actions.append("settle")
    return actions
