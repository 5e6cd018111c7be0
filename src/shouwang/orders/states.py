"""The order state machine: which moves exist, and the one function that makes them.

Every service that changes an order's state calls ``advance``; it refuses a move the table does not
allow (409, ``illegal_transition``), records who, when and why in ``OrderTransition`` and in the audit
log, and runs inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, name_of
from shouwang.core.errors import Conflict

from .models import Order, OrderState, OrderTransition

S = OrderState

MOVES: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.DISPATCHED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.REJECTED, S.DISPATCHED, S.CREATED, S.CANCELLED}),
    # A rejected order goes back to the queue (created) or straight to the next provider.
    S.REJECTED: frozenset({S.DISPATCHED, S.CREATED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.ASSIGNED, S.CREATED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.IN_SERVICE, S.CREATED, S.CANCELLED}),
    S.IN_SERVICE: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset({S.CONFIRMED, S.DISPUTED}),
    S.CONFIRMED: frozenset({S.SETTLED, S.DISPUTED}),
    S.DISPUTED: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.SETTLED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Orders still waiting to be served: these are re-dispatched on a provider's exit and cancelled when
# the elder dies or moves out.
OPEN_STATES = frozenset({S.CREATED, S.DISPATCHED, S.REJECTED, S.ACCEPTED, S.ASSIGNED})
# Orders a provider or caregiver is busy with (counted as load by matching).
BUSY_STATES = frozenset({S.DISPATCHED, S.ACCEPTED, S.ASSIGNED, S.IN_SERVICE})
# Orders a provider has taken on and not yet finished, and those it has served: they make it one of the
# elder's providers (``selectors.elders_served_by``); an offer it has not answered does not.
TAKEN_STATES = frozenset({S.ACCEPTED, S.ASSIGNED, S.IN_SERVICE})
SERVED_STATES = frozenset({S.COMPLETED, S.CONFIRMED, S.DISPUTED, S.SETTLED})


def may_move(order: Order, to_state: str) -> bool:
    return to_state in MOVES[order.state]


def advance(
    order: Order,
    to_state: str,
    *,
    actor,
    reason: str = "",
    at: dt.datetime | None = None,
    details: dict | None = None,
    fields: dict | None = None,
) -> Order:
    """Move ``order`` to ``to_state`` (also setting ``fields`` on it), or refuse with 409.

    ``actor`` may be None for the system (deadline expiry, the daily generator)."""
    if not may_move(order, to_state):
        raise Conflict(
            _("This order is %(state)s and cannot become %(target)s.")
            % {"state": order.get_state_display(), "target": OrderState(to_state).label},
            code="illegal_transition",
        )
    at = at or timezone.now()
    from_state = order.state
    order.state = to_state
    for name, value in (fields or {}).items():
        setattr(order, name, value)
    order.save()
    OrderTransition.objects.create(
        order=order,
        from_state=from_state,
        to_state=to_state,
        at=at,
        actor=as_user(actor),
        actor_name=name_of(actor),
        reason=reason,
        details=details or {},
    )
    audit.record(
        actor=actor,
        action=f"order.{to_state}",
        obj=order,
        before={"state": from_state},
        after={"state": to_state, "reason": reason, **(details or {})},
        region_code=order.community.code,
        provider_id=order.provider_id,
    )
    return order
