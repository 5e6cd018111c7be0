"""Who may do what in supervision; which inspections they reach is limited by scope (``selectors``):
officials their regions', a provider's administrator its own organisation's (its facilities' too), a
childcare institution's account its own."""

from shouwang.core.permissions import BUREAU_ROLES, role_of
from shouwang.core.roles import Role

# The bureau plans rounds, inspects, re-inspects, escalates and reads the supervision report.
INSPECTION_PLANNERS = BUREAU_ROLES
# The inspected answer their findings with what they put right.
FINDING_RESPONDERS = frozenset({Role.PROVIDER_ADMIN, Role.CHILDCARE_ADMIN})
INSPECTION_READERS = INSPECTION_PLANNERS | FINDING_RESPONDERS


def may_read_inspections(user) -> bool:
    return role_of(user) in INSPECTION_READERS


def may_plan_inspections(user) -> bool:
    """Draw a round, record findings (as a drawn inspector), re-inspect, escalate, publish, report."""
    return role_of(user) in INSPECTION_PLANNERS


def may_respond_to_findings(user) -> bool:
    return role_of(user) in FINDING_RESPONDERS
