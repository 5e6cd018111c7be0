"""The pilot programme's state machine: which moves exist, who makes each, and the one function that
makes them.

``advance`` refuses a move the table does not allow (409, ``illegal_transition``), records who, when and
why as a ``PilotEvent`` and in the audit log, and runs inside the caller's transaction (which has locked
the programme's row).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, name_of
from shouwang.core.errors import Conflict

from .models import EventKind, Pilot, PilotEvent, PilotState

S = PilotState

MOVES: dict[str, frozenset[str]] = {
    S.APPLIED: frozenset({S.NOTICE, S.REJECTED, S.WITHDRAWN}),
    # An upheld objection rejects the programme; otherwise it starts once the objection period is over.
    S.NOTICE: frozenset({S.IMPLEMENTING, S.REJECTED}),
    S.IMPLEMENTING: frozenset({S.ACCEPTANCE}),
    # Acceptance may send the programme back to put things right before it is scored again.
    S.ACCEPTANCE: frozenset({S.ACCEPTED, S.FAILED, S.IMPLEMENTING}),
    S.ACCEPTED: frozenset(),
    S.FAILED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# Which side makes each move: the applicant (its own region's officials) or the reviewer (the level above).
APPLICANT_MOVES = frozenset({(S.APPLIED, S.WITHDRAWN), (S.IMPLEMENTING, S.ACCEPTANCE)})
# The stages a programme passes through on the way to acceptance, in order (the API's ``stages``).
STAGES = (S.APPLIED, S.NOTICE, S.IMPLEMENTING, S.ACCEPTANCE, S.ACCEPTED)


def may_move(pilot: Pilot, to_state: str) -> bool:
    return to_state in MOVES[pilot.state]


def require_move(pilot: Pilot, to_state: str) -> None:
    """Refuse a move the table does not allow: 409 ``illegal_transition``."""
    if not may_move(pilot, to_state):
        raise Conflict(
            _("This programme is %(state)s and cannot become %(target)s.")
            % {"state": pilot.get_state_display(), "target": PilotState(to_state).label},
            code="illegal_transition",
        )


def is_applicant_move(from_state: str, to_state: str) -> bool:
    return (from_state, to_state) in APPLICANT_MOVES


def record_event(pilot: Pilot, kind: str, *, actor, reason: str = "", details: dict | None = None,
                 from_state: str | None = None) -> PilotEvent:  # fmt: skip
    """One line of the programme's history, also in the audit log. Dates in ``details`` are kept as text."""
    details = {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in (details or {}).items()
    }
    event = PilotEvent.objects.create(
        pilot=pilot, kind=kind, from_state=pilot.state if from_state is None else from_state,
        to_state=pilot.state, at=timezone.now(), actor=as_user(actor), actor_name=name_of(actor),
        reason=reason, details=details or {},
    )  # fmt: skip
    audit.record(
        actor=actor,
        action=f"pilot.{pilot.state}" if kind == EventKind.MOVE else f"pilot.{kind}",
        obj=pilot,
        before={"state": event.from_state},
        after={"state": pilot.state, "reason": reason, **(details or {})},
        region_code=pilot.region_id,
    )
    return event


def advance(pilot: Pilot, to_state: str, *, actor, reason: str = "", details: dict | None = None,
            fields: dict | None = None) -> Pilot:  # fmt: skip
    """Move ``pilot`` (locked by the caller) to ``to_state``, also setting ``fields``; or refuse with 409."""
    require_move(pilot, to_state)
    from_state = pilot.state
    pilot.state = to_state
    for name, value in (fields or {}).items():
        setattr(pilot, name, value)
    pilot.save()
    record_event(pilot, EventKind.MOVE, actor=actor, reason=reason, details=details, from_state=from_state)
    return pilot
