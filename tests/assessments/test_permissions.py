"""Every predicate of assessments.permissions: the role-only ones against every role, those about one
form against every role as its assessor and as a stranger to it (tests/roles.py)."""

import pytest

from shouwang.assessments import permissions as p
from shouwang.assessments.models import Assessment
from tests.roles import as_role, roles, who_may

ME, OTHER = 10, 20


@pytest.mark.parametrize(
    ("predicate", "allowed"),
    [
        (p.is_assessor, "assessor"),
        (p.may_start_assessment, "admin official community_worker assessor"),
        (p.may_organise_assessments, "admin official community_worker"),
        (p.may_plan_care, "admin official community_worker"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_who_may(predicate, allowed):
    assert who_may(predicate) == roles(allowed)


FORMS = {
    "mine": {"assessor_1_id": ME, "assessor_2_id": OTHER},
    "second": {"assessor_1_id": OTHER, "assessor_2_id": ME},
    "theirs": {"assessor_1_id": OTHER, "assessor_2_id": OTHER + 1},
    "unassigned": {"assessor_1_id": None, "assessor_2_id": None},
}


@pytest.mark.parametrize(
    ("role", "form", "edit", "review"),
    [
        ("assessor", "mine", True, False),
        ("assessor", "second", True, False),
        ("assessor", "theirs", False, False),
        ("assessor", "unassigned", True, False),  # an assessor takes a 复评 that has none yet
        ("official", "theirs", True, True),
        ("official", "mine", True, False),  # an official who assessed it does not also approve it
        ("admin", "theirs", True, True),
        ("community_worker", "theirs", False, False),
        ("community_worker", "unassigned", False, False),
        ("operator", "unassigned", False, False),
        ("caregiver", "theirs", False, False),
    ],
)
def test_who_edits_and_who_reviews_a_form(role, form, edit, review):
    user = as_role(role, pk=ME)
    assessment = Assessment(**FORMS[form])
    assert p.may_edit_assessment(user, assessment) is edit
    assert p.may_review_assessment(user, assessment) is review
    assert p.is_assessor_of(user, assessment) is (form in ("mine", "second"))
