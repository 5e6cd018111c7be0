"""The assessment workflow never leads into a dead end and never loses a state change: a draft has an
assessor from the start (or gets one, or is discarded), the two-assessor rule is met on the first step, an
empty step does not advance, and a save racing a submit cannot put a submitted form back to draft."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from shouwang.assessments import services
from shouwang.assessments.models import Assessment, Reason, State
from shouwang.assessments.scoring import DIMENSIONS, ITEMS
from shouwang.assessments.selectors import due_for_assessment
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db
FULL_MARKS = {item.key: item.max for item in ITEMS}


@pytest.fixture
def first(tree):
    return factories.user("assessor", regions=(factories.DISTRICT,), username="assessor1")


@pytest.fixture
def second(tree):
    return factories.user("assessor", regions=(factories.DISTRICT,), username="assessor2")


# --- a draft always has someone to finish it ---------------------------------------------------------------
def test_a_worker_starting_an_assessment_names_the_assessor_who_then_sees_it(worker_a, elder_a, first):
    with pytest.raises(ValidationFailed) as refused:
        services.start_assessment(actor=worker_a, elder_id=elder_a.pk)
    assert "assessor" in refused.value.errors
    assert not Assessment.objects.exists()

    draft = services.start_assessment(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    assert draft.assessor_1 == first
    # The assessor can open and save it: no more 您不是本评估表的评估员.
    saved = services.save_draft(actor=first, assessment_id=draft.pk, data={"informant_name": "张小明"})
    assert saved.informant_name == "张小明"


def test_a_worker_cannot_name_an_assessor_of_another_area(worker_a, elder_a):
    elsewhere = factories.user("assessor", regions=(factories.COMMUNITY_B,), username="far")
    with pytest.raises(ValidationFailed):
        services.start_assessment(actor=worker_a, elder_id=elder_a.pk, assessor_id=elsewhere.pk)
    assert not Assessment.objects.exists()


def test_a_draft_without_an_assessor_is_given_one(worker_a, official, elder_a, first):
    approved = Assessment.objects.create(elder=elder_a, state=State.APPROVED, assessed_on="2026-01-01")
    redo = services.dispute(actor=official, assessment_id=approved.pk, reason="家属认为评估偏低")
    assert redo.assessor_1 is None and redo.reason == Reason.DISPUTE
    services.assign_draft(actor=worker_a, assessment_id=redo.pk, assessor_id=first.pk)
    redo.refresh_from_db()
    assert redo.assessor_1 == first
    assert AuditLog.objects.filter(action="assessments.assign", object_id=str(redo.pk)).exists()


def test_a_draft_is_discarded_with_a_reason_and_the_elder_is_due_again(worker_a, elder_a, first):
    draft = services.start_assessment(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    with pytest.raises(ValidationFailed):
        services.discard_draft(actor=worker_a, assessment_id=draft.pk, reason="  ")
    services.discard_draft(actor=worker_a, assessment_id=draft.pk, reason="老人拒绝评估")
    draft.refresh_from_db()
    assert (draft.state, draft.discard_reason) == (State.DISCARDED, "老人拒绝评估")
    assert elder_a in due_for_assessment(worker_a)
    with pytest.raises(Conflict):
        services.save_draft(actor=first, assessment_id=draft.pk, data={"note": "x"})


def test_discarding_is_refused_outside_the_area_and_to_other_roles(worker_b, elder_a, first, worker_a):
    draft = services.start_assessment(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    with pytest.raises(NotFound):
        services.discard_draft(actor=worker_b, assessment_id=draft.pk, reason="x")
    operator = factories.user("operator", regions=(factories.DISTRICT,), username="op")
    with pytest.raises((NotFound, Forbidden)):
        services.discard_draft(actor=operator, assessment_id=draft.pk, reason="x")
    assert Assessment.objects.get(pk=draft.pk).state == State.DRAFT


# --- the console: the first step and empty steps ----------------------------------------------------------
def test_the_worker_starts_from_the_elder_page_choosing_the_assessor(client, worker_a, elder_a, first):
    client.force_login(worker_a)
    page = client.get(f"/elders/{elder_a.pk}/").content.decode()
    assert 'name="assessor"' in page
    refused = client.post(f"/assessments/elder/{elder_a.pk}/start/", {"reason": "first"}, follow=True)
    assert "请选择执行本次评估的评估员" in refused.content.decode()
    client.post(f"/assessments/elder/{elder_a.pk}/start/", {"reason": "first", "assessor": first.pk})
    assert Assessment.objects.get().assessor_1 == first


def test_the_first_step_needs_the_second_assessor_and_the_informant(client, elder_a, worker_a, first, second):
    draft = services.start_assessment(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    client.force_login(first)
    response = client.post(
        f"/assessments/{draft.pk}/step/0/", {"reason": "first", "assessed_on": "2026-11-01"}
    )
    page = response.content.decode()
    assert response.status_code == 200  # stays on the step
    assert "请选择第二名评估员" in page and "请填写信息提供者" in page
    facts = {
        "reason": "first",
        "assessed_on": "2026-11-01",
        "assessor_2": second.pk,
        "informant_name": "张小明",
    }
    assert client.post(f"/assessments/{draft.pk}/step/0/", facts)["Location"].endswith("/step/1/")


def test_an_empty_step_does_not_advance_but_going_back_does(client, elder_a, worker_a, first, second):
    draft = services.start_assessment(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    client.force_login(first)
    response = client.post(f"/assessments/{draft.pk}/step/1/", {})
    assert response.status_code == 200
    assert DIMENSIONS[0].name in response.content.decode() and "尚未评分" in response.content.decode()
    assert client.post(f"/assessments/{draft.pk}/step/1/", {"go": "0"})["Location"].endswith("/step/0/")
    scores = {item.key: 0 for item in ITEMS if item.dimension == DIMENSIONS[0].key}
    assert client.post(f"/assessments/{draft.pk}/step/1/", scores)["Location"].endswith("/step/2/")


def test_the_draft_page_lets_the_worker_reassign_and_discard(client, elder_a, worker_a, first, second):
    draft = services.start_assessment(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    client.force_login(worker_a)
    page = client.get(f"/assessments/{draft.pk}/").content.decode()
    assert f"/assessments/{draft.pk}/assign/" in page and f"/assessments/{draft.pk}/discard/" in page
    client.post(f"/assessments/{draft.pk}/assign/", {"assessor": second.pk})
    assert Assessment.objects.get().assessor_1 == second
    client.post(f"/assessments/{draft.pk}/discard/", {"reason": "重复创建"})
    assert Assessment.objects.get().state == State.DISCARDED


def test_the_second_assessor_reaches_the_form_they_are_named_on(worker_a, elder_a, first, second):
    draft = services.start_assessment(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    services.save_draft(actor=first, assessment_id=draft.pk, data={"assessor_2": second.pk})
    saved = services.save_draft(actor=second, assessment_id=draft.pk, data={"note": "第二评估员补充"})
    assert saved.note == "第二评估员补充"
    stranger = factories.user("assessor", regions=(factories.DISTRICT,), username="assessor3")
    with pytest.raises(NotFound):
        services.save_draft(actor=stranger, assessment_id=draft.pk, data={"note": "x"})


# --- locks ------------------------------------------------------------------------------------------------
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_save_racing_a_submit_waits_and_cannot_undo_it(tree, worker_a, elder_a, first, second):
    draft = services.start_assessment(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    services.save_draft(
        actor=first,
        assessment_id=draft.pk,
        data={"assessor_2": second.pk, "informant_name": "张小明", "items": FULL_MARKS},
    )
    outcome = {}

    def late_save():
        try:
            services.save_draft(actor=second, assessment_id=draft.pk, data={"note": "晚到的保存"})
            outcome["save"] = "saved"
        except Conflict:
            outcome["save"] = "refused"
        finally:
            connections.close_all()

    with transaction.atomic():
        services.submit(actor=first, assessment_id=draft.pk)  # holds the row until this block commits
        racer = threading.Thread(target=late_save)
        racer.start()
        time.sleep(0.5)  # the save has read the form by now, were it not waiting for the lock
    racer.join(30)
    draft.refresh_from_db()
    assert outcome["save"] == "refused"
    assert draft.state == State.SUBMITTED and draft.note == ""
