"""The approval of an eligibility run (审核/审批): which moves exist, and the one function that makes them.

computed → checked by the community → checked by the street → approved by the district; any reviewer may
return the run for correction, and a returned run is computed again (after the registry was corrected)
before it goes round again. Only approval moves money (``ledger.post_run``). ``advance`` refuses a move the
table does not allow (409, ``illegal_transition``), records who, when and why in ``RunTransition`` and in
the audit log, and runs inside the caller's transaction with the run's row locked.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, name_of
from shouwang.core.errors import Conflict

from .models import EligibilityRun, RunState, RunTransition

S = RunState

MOVES: dict[str, frozenset[str]] = {
    S.COMPUTED: frozenset({S.COMPUTED, S.COMMUNITY_CHECKED, S.RETURNED}),
    S.COMMUNITY_CHECKED: frozenset({S.STREET_CHECKED, S.RETURNED}),
    S.STREET_CHECKED: frozenset({S.APPROVED, S.RETURNED}),
    S.RETURNED: frozenset({S.COMPUTED}),
    S.APPROVED: frozenset(),
}
# States in which the run may be computed again (its results replaced).
RECOMPUTABLE = frozenset({S.COMPUTED, S.RETURNED})


def advance(run: EligibilityRun, to_state: str, *, actor, reason: str = "", details: dict | None = None):
    """Move ``run`` to ``to_state`` or refuse with 409; ``actor`` None is the system."""
    if to_state not in MOVES[run.state]:
        raise Conflict(
            _("This run is %(state)s and cannot become %(target)s.")
            % {"state": run.get_state_display(), "target": RunState(to_state).label},
            code="illegal_transition",
        )
    from_state = run.state
    run.state = to_state
    run.save()
    RunTransition.objects.create(
        run=run,
        from_state=from_state,
        to_state=to_state,
        actor=as_user(actor),
        actor_name=name_of(actor),
        reason=reason,
    )
    audit.record(
        actor=actor,
        action=f"benefits.run.{to_state}",
        obj=run,
        before={"state": from_state},
        after={"state": to_state, "reason": reason, **(details or {})},
        region_code=run.region_id,
    )
    return run
