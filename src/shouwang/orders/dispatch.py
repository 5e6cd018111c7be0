"""Dispatch (派单): an order goes to a provider from the shortlist, by hand or automatically, and moves on
by itself when the provider does not answer in time.

- ``dispatch_order``: an operator picks a provider; one not on the shortlist is refused with its reason.
- ``take_own_order``: an order a provider placed goes to that provider, accepted, if it may take it.
- ``auto_dispatch``: the top of the shortlist. When nobody may take the order it stays ``created`` (a
  rejected order goes back to ``created``) and the attempt is kept as an ``order.no_candidate`` audit
  record with the reasons; ``dispatch_log`` shows those records beside the order's transitions, which is
  what the operator's candidates panel lists. The outcome is also returned.
- ``expire_overdue``: every dispatched order past ``respond_by`` records its provider as declined ("no
  answer within N minutes") and moves to the next candidate (dispatched → dispatched) or back to
  ``created`` when none is left. Each order is its own transaction, locked with ``skip_locked`` so two
  workers never move the same order twice.

Dispatching fixes each line's unit price from the provider's price list on the day of the service and the
order's amount, and gives the provider ``SHOUWANG_ORDER_ACCEPT_MINUTES`` to answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import is_system, require_actor
from shouwang.core.errors import ValidationFailed, require_state
from shouwang.core.models import AuditLog
from shouwang.core.text import within_limit
from shouwang.providers.prices import price_on

from .matching import Candidate, Shortlist, order_to_dispatch, shortlist
from .models import Order, OrderLine, OrderState, OrderTransition
from .states import advance

S = OrderState
DISPATCHABLE = (S.CREATED, S.REJECTED)
NO_CANDIDATE = "order.no_candidate"
# How many overdue orders one run of ``expire_overdue`` moves at most; the next run takes the rest.
EXPIRE_BATCH = 500


@dataclass
class DispatchOutcome:
    order: Order
    dispatched: bool
    provider_id: int | None
    provider_name: str
    message: str


def accept_minutes() -> int:
    return settings.SHOUWANG_ORDER_ACCEPT_MINUTES


def _locked(order_id: int) -> Order:
    # Only the order's row is locked, not the community's region row it is read with.
    return Order.objects.select_for_update(of=("self",)).select_related("community").get(pk=order_id)


def _require_dispatchable(order: Order) -> None:
    require_state(
        order, DISPATCHABLE, _("This order is %(state)s; only a new or rejected order is dispatched.")
    )


def _note_rejection(order: Order) -> None:
    """A rejected order's provider is not offered it again (the reject step may already have noted it)."""
    if (
        order.state == S.REJECTED
        and order.provider_id
        and order.provider_id not in order.declined_provider_ids
    ):
        order.declined_provider_ids = [*order.declined_provider_ids, order.provider_id]


def _send(order: Order, candidate: Candidate, *, actor, reason: str, how: str, now: dt.datetime) -> Order:
    """Move the order to the candidate: prices of the service day on every line, the answer deadline."""
    day = timezone.localtime(order.window_start).date()
    lines = list(OrderLine.objects.filter(order=order).select_related("item"))
    for line in lines:
        line.unit_price_fen = price_on(candidate.provider_id, line.item.code, day)
    OrderLine.objects.bulk_update(lines, ["unit_price_fen"])
    return advance(
        order,
        S.DISPATCHED,
        actor=actor,
        reason=reason,
        at=now,
        details={
            "provider_id": candidate.provider_id,
            "provider": candidate.provider_name,
            "score": candidate.score,
            "how": how,
        },
        fields={
            "provider_id": candidate.provider_id,
            "caregiver": None,
            "dispatched_at": now,
            "respond_by": now + dt.timedelta(minutes=accept_minutes()),
            "amount_fen": sum((line.unit_price_fen or 0) * line.quantity for line in lines),
        },
    )


def _back_to_queue(order: Order, *, actor, reason: str, now: dt.datetime) -> Order:
    OrderLine.objects.filter(order=order).update(unit_price_fen=None)
    return advance(
        order,
        S.CREATED,
        actor=actor,
        reason=reason,
        at=now,
        fields={
            "provider": None,
            "caregiver": None,
            "dispatched_at": None,
            "respond_by": None,
            "amount_fen": None,
        },
    )


def _shortlisted(order: Order, provider_id: int, *, at: dt.datetime, field: str) -> Candidate:
    """The provider as a candidate for the order, or 422 ``not_on_shortlist`` with the reason it may not
    take it, on ``field`` of the form that chose it."""
    candidate = shortlist(order, at=at, limit=None).get(provider_id)
    if candidate is None:
        message = _refusal(order, provider_id, at)
        raise ValidationFailed(message, errors={field: message}, code="not_on_shortlist")
    return candidate


def _refusal(order: Order, provider_id: int, at: dt.datetime) -> str:
    """Why a provider is not on the order's shortlist, in plain words."""
    found = shortlist(order, at=at, limit=0, explain=True).exclusion(provider_id)
    if found is None:
        return _("This provider is not designated for the elder's community.")
    return _("%(provider)s cannot take this order: %(reason)s") % {
        "provider": found.provider_name,
        "reason": found.reason,
    }


def dispatch_order(*, actor, order_id: int, provider_id: int, reason: str = "") -> Order:
    """Send a new or rejected order to a provider the operator picked from the shortlist (422 with the
    reason when that provider may not take it; 409 when the order is not waiting for dispatch)."""
    order_to_dispatch(actor, order_id)
    now = timezone.now()
    with transaction.atomic():
        order = _locked(order_id)
        _require_dispatchable(order)
        _note_rejection(order)
        candidate = _shortlisted(order, provider_id, at=now, field="provider_id")
        text = within_limit(reason, 300, field="reason", label=_("The reason")) or _(
            "Dispatched by hand to %(provider)s."
        ) % {"provider": candidate.provider_name}
        return _send(order, candidate, actor=actor, reason=text, how="manual", now=now)


def take_own_order(order: Order, *, actor) -> Order:
    """An order a provider's administrator placed goes to that provider, accepted at once: the provider
    has agreed to do it by placing it. Refused with the reason (422) when the provider may not take it by
    the matching's rules (contract for the community, every item, a price, a caregiver free in the
    window); the caller's transaction, which created the order, is then undone with it."""
    now = timezone.now()
    candidate = _shortlisted(order, actor.provider_id, at=now, field="items")
    text = _("Placed by %(provider)s for itself.") % {"provider": candidate.provider_name}
    _send(order, candidate, actor=actor, reason=text, how="own", now=now)
    return advance(order, S.ACCEPTED, actor=actor, fields={"respond_by": None})


def auto_dispatch(*, actor, order_id: int) -> DispatchOutcome:
    """Send a new or rejected order to the top of its shortlist. The platform itself (``SYSTEM``) needs
    no scope check; a missing actor is refused. When nobody may take it the order waits as ``created``
    and the attempt is audited (``order.no_candidate``) with the reasons, which the candidates panel
    shows."""
    require_actor(actor)
    if not is_system(actor):
        order_to_dispatch(actor, order_id)
    now = timezone.now()
    with transaction.atomic():
        order = _locked(order_id)
        _require_dispatchable(order)
        _note_rejection(order)
        listed = shortlist(order, at=now, limit=1, explain=True)
        if listed.candidates:
            best = listed.candidates[0]
            text = _("Auto-dispatched to %(provider)s, the top of the shortlist (score %(score)s).") % {
                "provider": best.provider_name,
                "score": best.score,
            }
            _send(order, best, actor=actor, reason=text, how="auto", now=now)
            return DispatchOutcome(order, True, best.provider_id, best.provider_name, text)
        text = _nobody(listed)
        if order.state == S.REJECTED:
            _back_to_queue(order, actor=actor, reason=text, now=now)
        else:
            _record_nobody(order, actor, text, listed)
        return DispatchOutcome(order, False, None, "", text)


def _nobody(listed: Shortlist) -> str:
    if not listed.excluded:
        return _("No provider is designated for this community and these services; the order waits.")
    return _("No provider may take this order now; the order waits. %(count)s considered: %(reasons)s") % {
        "count": len(listed.excluded),
        "reasons": " ".join(f"{e.provider_name}: {e.reason}" for e in listed.excluded[:3]),
    }


def _record_nobody(order: Order, actor, text: str, listed: Shortlist) -> None:
    audit.record(
        actor=actor,
        action=NO_CANDIDATE,
        obj=order,
        after={
            "reason": text[:1000],
            "excluded": [{"provider_id": e.provider_id, "reason": e.reason} for e in listed.excluded[:20]],
        },
        region_code=order.community_id,
    )


def expire_overdue(now: dt.datetime | None = None) -> int:
    """Move every dispatched order whose provider did not answer by ``respond_by``; returns how many moved.
    Idempotent and safe with several workers: each order is re-read locked (skipping rows another worker
    holds) and moved only if it is still dispatched and overdue."""
    now = now or timezone.now()
    overdue = list(
        Order.objects.filter(state=S.DISPATCHED, respond_by__lt=now)
        .order_by("respond_by")
        .values_list("pk", flat=True)[:EXPIRE_BATCH]
    )
    moved = 0
    for order_id in overdue:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("community", "provider")
                .filter(pk=order_id, state=S.DISPATCHED, respond_by__lt=now)
                .first()
            )
            if order is None:  # answered meanwhile, or another worker has it
                continue
            _move_on(order, now)
            moved += 1
    return moved


def _move_on(order: Order, now: dt.datetime) -> None:
    late = order.provider
    order.declined_provider_ids = [*order.declined_provider_ids, late.pk]
    late_text = _("No answer from %(provider)s within %(minutes)s minutes.") % {
        "provider": late.name,
        "minutes": accept_minutes(),
    }
    listed = shortlist(order, at=now, limit=1)
    if listed.candidates:
        best = listed.candidates[0]
        text = _("%(late)s Moved on to %(provider)s.") % {"late": late_text, "provider": best.provider_name}
        _send(order, best, actor=None, reason=text, how="deadline", now=now)
    else:
        text = _("%(late)s No other provider may take it; back in the queue.") % {"late": late_text}
        _back_to_queue(order, actor=None, reason=text, now=now)


def dispatch_log(order: Order, limit: int = 20) -> list[dict]:
    """The order's dispatch history for the operator, newest first: transitions into and out of dispatch
    with their reasons, and the auto-dispatch attempts that found nobody."""
    moves = OrderTransition.objects.filter(
        order=order, to_state__in=[S.DISPATCHED, S.CREATED, S.REJECTED, S.ACCEPTED]
    )
    rows = [
        {"at": t.at, "by": t.actor_name, "state": t.get_to_state_display(), "text": t.reason}
        for t in moves.order_by("-at", "-id")[:limit]
    ]
    attempts = AuditLog.objects.filter(
        object_type=Order._meta.label_lower, object_id=str(order.pk), action=NO_CANDIDATE
    ).order_by("-at", "-id")[:limit]
    rows += [
        {
            "at": a.at,
            "by": a.actor_username,
            "state": _("nobody to dispatch to"),
            "text": (a.after or {}).get("reason", ""),
        }
        for a in attempts
    ]
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows[:limit]
