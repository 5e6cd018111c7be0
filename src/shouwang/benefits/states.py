"""The approval of an eligibility run (审核/审批): which moves exist, and the one function that makes them.

computed → checked by the community → checked by the street → approved by the district; any reviewer may
return the run for correction, and a returned run is computed again (after the registry was corrected)
before it goes round again. Only approval moves money (``ledger.post_run``). ``advance`` refuses a move the
table does not allow (409, ``illegal_transition``), records who, when and why in ``RunTransition`` and in
the audit log, and runs inside the caller's transaction with the run's row locked (``transitions.Machine``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import EligibilityRun, RunState, RunTransition
from .transitions import Machine

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


MACHINE = Machine(
    moves=MOVES,
    states=RunState,
    refusal=_("This run is %(state)s and cannot become %(target)s."),
    transitions=RunTransition,
    owner="run",
    text="reason",
    where=lambda run: {"region_code": run.region_id},
)


def advance(run: EligibilityRun, to_state: str, *, actor, reason: str = "", details: dict | None = None):
    """Move ``run`` to ``to_state`` or refuse with 409; ``actor`` None is the system."""
    return MACHINE.advance(
        run, to_state, action=f"benefits.run.{to_state}", actor=actor, text=reason, details=details
    )
