"""Who may do what with pilot programmes; which programmes they reach is limited by scope (``selectors``):
officials see the programmes of the streets and districts in their regions.

A programme is applied for and carried out by its own region's officials; it is reviewed and accepted by
the level above (an official whose regions cover the applicant's parent region), never by the applicant."""

from shouwang.core.permissions import BUREAU_ROLES, role_of

PILOT_READERS = BUREAU_ROLES
PILOT_APPLICANTS = BUREAU_ROLES
PILOT_REVIEWERS = BUREAU_ROLES


def may_read_pilots(user) -> bool:
    return role_of(user) in PILOT_READERS


def may_apply_for_pilot(user) -> bool:
    """Apply, withdraw, record milestones and indicator values, ask for acceptance (own region)."""
    return role_of(user) in PILOT_APPLICANTS


def may_review_pilots(user) -> bool:
    """Approve for public notice, record objections, start, accept or fail (the level above)."""
    return role_of(user) in PILOT_REVIEWERS
