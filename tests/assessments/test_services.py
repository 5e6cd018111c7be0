"""The assessment workflow: drafts, two assessors, submission scores the form, review, disputes, scope."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.assessments.models import Reason, State
from shouwang.assessments.scoring import ITEMS
from shouwang.assessments.selectors import assessments_for, due_for_assessment
from shouwang.assessments.services import (
    add_months,
    approve,
    assign_assessor,
    dispute,
    return_for_correction,
    save_draft,
    start_assessment,
    submit,
)
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db
FULL_MARKS = {item.key: item.max for item in ITEMS}


@pytest.fixture
def assessors(tree, worker_a, elder_a):
    first = factories.user("assessor", regions=(factories.DISTRICT,), username="assessor1")
    second = factories.user("assessor", regions=(factories.DISTRICT,), username="assessor2")
    assign_assessor(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    return first, second


def _filled(assessor, second, elder, **items):
    assessment = start_assessment(actor=assessor, elder_id=elder.pk)
    return save_draft(
        actor=assessor,
        assessment_id=assessment.pk,
        data={
            "assessor_2": second.pk,
            "informant_name": "张小明",
            "informant_relation": "儿子",
            "items": {**FULL_MARKS, **items},
        },
    )


def test_approved_result_sets_the_elders_level_and_disabled_flag(assessors, official, elder_a):
    first, second = assessors
    # 32 + 15 + 28 + 15 = 90 at full marks; taking 25 from the self-care items leaves 65: level 2.
    lost = {"eating": 0, "grooming": 0, "bathing": 0, "dressing_upper": 0, "dressing_lower": 0, "bladder": 0}
    draft = _filled(first, second, elder_a, bowel=3, **lost)
    submitted = submit(actor=first, assessment_id=draft.pk)
    assert (submitted.total, submitted.initial_level, submitted.final_level) == (65, 2, 2)
    assert submitted.dimension_scores["self_care"] == 7
    approved = approve(actor=official, assessment_id=draft.pk)
    elder_a.refresh_from_db()
    assert (elder_a.ability_level, elder_a.is_disabled) == (2, True)
    assert elder_a.ability_valid_until == add_months(approved.assessed_on, 6)
    assert AuditLog.objects.filter(action="assessments.approve", object_id=str(draft.pk)).exists()


def test_an_assessor_sees_only_assigned_elders(assessors, elder_a, elder_b):
    first, second = assessors
    assert start_assessment(actor=first, elder_id=elder_a.pk).elder == elder_a
    with pytest.raises(NotFound):
        start_assessment(actor=first, elder_id=elder_b.pk)
    assert assessments_for(second).count() == 0  # the second assessor has no assignment of their own


def test_submission_needs_every_item_two_assessors_and_an_informant(assessors, elder_a):
    first, _ = assessors
    draft = start_assessment(actor=first, elder_id=elder_a.pk)
    save_draft(actor=first, assessment_id=draft.pk, data={"items": {"eating": 4}})
    with pytest.raises(ValidationFailed) as caught:
        submit(actor=first, assessment_id=draft.pk)
    assert {"assessor_2", "informant_name"} <= set(caught.value.errors)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT and draft.total is None


def test_scores_out_of_range_are_refused_at_the_step(assessors, elder_a):
    first, _ = assessors
    draft = start_assessment(actor=first, elder_id=elder_a.pk)
    with pytest.raises(ValidationFailed) as caught:
        save_draft(actor=first, assessment_id=draft.pk, data={"items": {"stairs": 4, "nonsense": 1}})
    assert set(caught.value.errors) == {"items.stairs", "items.nonsense"}


def test_the_same_person_cannot_be_both_assessors(assessors, elder_a):
    first, _ = assessors
    draft = start_assessment(actor=first, elder_id=elder_a.pk)
    with pytest.raises(ValidationFailed):
        save_draft(actor=first, assessment_id=draft.pk, data={"assessor_2": first.pk})


def test_illegal_transitions_are_refused(assessors, official, elder_a):
    first, second = assessors
    draft = _filled(first, second, elder_a)
    with pytest.raises(Conflict):
        approve(actor=official, assessment_id=draft.pk)  # not submitted yet
    submit(actor=first, assessment_id=draft.pk)
    with pytest.raises(Conflict):
        submit(actor=first, assessment_id=draft.pk)
    with pytest.raises(Conflict):
        save_draft(actor=first, assessment_id=draft.pk, data={"note": "late change"})
    with pytest.raises(Forbidden):
        approve(actor=first, assessment_id=draft.pk)  # an assessor is not a reviewer
    approve(actor=official, assessment_id=draft.pk)
    with pytest.raises(Conflict):
        return_for_correction(actor=official, assessment_id=draft.pk, reason="too late")


def test_returned_form_is_corrected_and_submitted_again(assessors, official, elder_a):
    first, second = assessors
    draft = _filled(first, second, elder_a)
    submit(actor=first, assessment_id=draft.pk)
    with pytest.raises(ValidationFailed):
        return_for_correction(actor=official, assessment_id=draft.pk, reason=" ")
    returned = return_for_correction(actor=official, assessment_id=draft.pk, reason="记忆项请复核")
    assert returned.state == State.RETURNED and returned.return_reason == "记忆项请复核"
    save_draft(actor=first, assessment_id=draft.pk, data={"items": {"memory": 2}})
    assert submit(actor=first, assessment_id=draft.pk).total == 88


def test_a_dispute_opens_a_reassessment_linked_to_the_result(assessors, official, elder_a):
    first, second = assessors
    draft = _filled(first, second, elder_a)
    submit(actor=first, assessment_id=draft.pk)
    approve(actor=official, assessment_id=draft.pk)
    again = dispute(actor=official, assessment_id=draft.pk, reason="家属认为等级偏低")
    assert (again.reason, again.disputed_id, again.state) == (Reason.DISPUTE, draft.pk, State.DRAFT)


def test_due_list_holds_expiring_and_never_assessed_elders(assessors, official, elder_a, elder_b):
    first, second = assessors
    draft = _filled(first, second, elder_a)
    save_draft(
        actor=first,
        assessment_id=draft.pk,
        data={"assessed_on": timezone.localdate() - dt.timedelta(days=200)},
    )
    submit(actor=first, assessment_id=draft.pk)
    approve(actor=official, assessment_id=draft.pk)
    due = list(due_for_assessment(official))
    assert due[0] == elder_a and elder_b in due  # overdue first, then never assessed
    assert list(due_for_assessment(official, today=timezone.localdate() - dt.timedelta(days=400))) == [
        elder_b
    ]


def test_months_are_added_to_the_last_day_when_shorter():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 1, 15), 6) == dt.date(2026, 7, 15)
