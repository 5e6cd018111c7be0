"""The home-care-bed lifecycle: which moves exist, and the one function that makes them (as orders do).

apply → assess → equip → in service → end; a bed may be ended from any step before that (the elder
withdraws, dies, moves into an institution). ``advance`` refuses a move the table does not allow (409,
``illegal_transition``), sets the step's fields, records who, when and why in ``BedTransition`` and in the
audit log, and runs inside the caller's transaction on a row the caller locked."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, name_of
from shouwang.core.errors import Conflict

from .models import BedState, BedTransition, HomeCareBed

S = BedState

MOVES: dict[str, frozenset[str]] = {
    S.APPLIED: frozenset({S.ASSESSED, S.ENDED}),
    S.ASSESSED: frozenset({S.EQUIPPED, S.ENDED}),
    S.EQUIPPED: frozenset({S.IN_SERVICE, S.ENDED}),
    S.IN_SERVICE: frozenset({S.ENDED}),
    S.ENDED: frozenset(),
}

# Beds whose package may still change: not yet in service.
PACKAGE_OPEN_STATES = frozenset({S.APPLIED, S.ASSESSED, S.EQUIPPED})


def may_move(bed: HomeCareBed, to_state: str) -> bool:
    return to_state in MOVES[bed.state]


def refuse_unless(bed: HomeCareBed, to_state: str) -> None:
    if not may_move(bed, to_state):
        raise Conflict(
            _("This home care bed is %(state)s and cannot become %(target)s.")
            % {"state": bed.get_state_display(), "target": BedState(to_state).label},
            code="illegal_transition",
        )


def advance(
    bed: HomeCareBed,
    to_state: str,
    *,
    actor,
    reason: str = "",
    at: dt.datetime | None = None,
    details: dict | None = None,
    fields: dict | None = None,
) -> HomeCareBed:
    """Move a locked ``bed`` to ``to_state`` (also setting ``fields`` on it), or refuse with 409."""
    refuse_unless(bed, to_state)
    at = at or timezone.now()
    from_state = bed.state
    bed.state = to_state
    for name, value in (fields or {}).items():
        setattr(bed, name, value)
    bed.save()
    BedTransition.objects.create(
        bed=bed,
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
        action=f"homecare.bed.{to_state}",
        obj=bed,
        before={"state": from_state},
        after={"state": to_state, "reason": reason, **(details or {})},
        region_code=bed.community_id,
        provider_id=bed.provider_id,
    )
    return bed
