"""Who may do what with ability assessments and care plans; the elders they reach are still limited by
their scope (``selectors``). Services, the API and the console all ask these predicates."""

from shouwang.core.permissions import BUREAU_ROLES, role_of
from shouwang.core.roles import Role

ASSESSOR_ROLES = frozenset({Role.ASSESSOR})
# Officials review results; they, community workers and the admin organise the work (start a form for an
# assessor, assign one, discard a draft nobody will finish).
REVIEWER_ROLES = BUREAU_ROLES
ORGANISER_ROLES = REVIEWER_ROLES | {Role.COMMUNITY_WORKER}
PLAN_ROLES = ORGANISER_ROLES


def is_assessor(user) -> bool:
    return role_of(user) in ASSESSOR_ROLES


def may_start_assessment(user) -> bool:
    return role_of(user) in ASSESSOR_ROLES | ORGANISER_ROLES


def may_organise_assessments(user) -> bool:
    """Start a form on an assessor's behalf, give a draft an assessor, discard a draft."""
    return role_of(user) in ORGANISER_ROLES


def is_assessor_of(user, assessment) -> bool:
    return user.pk in (assessment.assessor_1_id, assessment.assessor_2_id)


def may_edit_assessment(user, assessment) -> bool:
    """The form's assessors fill it in (an assessor takes a 复评 that has none yet); a reviewer may
    correct it too."""
    return (
        is_assessor_of(user, assessment)
        or (is_assessor(user) and assessment.assessor_1_id is None)
        or role_of(user) in REVIEWER_ROLES
    )


def may_review_assessment(user, assessment) -> bool:
    """An official who is not one of the form's assessors approves or returns it."""
    return role_of(user) in REVIEWER_ROLES and not is_assessor_of(user, assessment)


def may_plan_care(user) -> bool:
    return role_of(user) in PLAN_ROLES
