"""The assessment pages: the stepped form, review, report, care plan, legacy import; scope by role."""

import pytest

from shouwang.assessments.models import Assessment, CarePlan, State
from shouwang.assessments.scoring import DIMENSIONS, ITEMS
from shouwang.assessments.services import assign_assessor
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_assessor_fills_the_form_step_by_step_and_an_official_approves(
    client, worker_a, official, elder_a
):
    first = factories.user("assessor", regions=(factories.DISTRICT,), username="a1")
    second = factories.user("assessor", regions=(factories.DISTRICT,), username="a2")
    assign_assessor(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    client.force_login(first)
    start = client.post(f"/assessments/elder/{elder_a.pk}/start/", {"reason": "first"})
    assessment = Assessment.objects.get()
    assert start["Location"] == f"/assessments/{assessment.pk}/step/0/"
    facts = {
        "reason": "first",
        "assessed_on": "2026-11-01",
        "assessor_2": second.pk,
        "informant_name": "张小明",
    }
    assert client.post(f"/assessments/{assessment.pk}/step/0/", facts).status_code == 302
    for number, dimension in enumerate(DIMENSIONS, start=1):
        page = client.get(f"/assessments/{assessment.pk}/step/{number}/").content.decode()
        assert dimension.name in page and "完全依赖他人" in page or number > 1
        scores = {item.key: item.max for item in ITEMS if item.dimension == dimension.key}
        client.post(f"/assessments/{assessment.pk}/step/{number}/", scores)
    review = client.get(f"/assessments/{assessment.pk}/step/5/").content.decode()
    assert "能力完好" in review  # the level shows before submission
    client.post(f"/assessments/{assessment.pk}/step/5/")
    assessment.refresh_from_db()
    assert assessment.state == State.SUBMITTED and assessment.total == 90

    client.force_login(official)
    client.post(f"/assessments/{assessment.pk}/review/", {"decision": "approve"})
    elder_a.refresh_from_db()
    assert elder_a.ability_level == 0
    report = client.get(f"/assessments/{assessment.pk}/report/").content.decode()
    assert "a1" in report or "测试assessor" in report


def test_a_bad_score_is_shown_at_its_step(client, worker_a, elder_a):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,), username="a1")
    assign_assessor(actor=worker_a, elder_id=elder_a.pk, assessor_id=assessor.pk)
    client.force_login(assessor)
    client.post(f"/assessments/elder/{elder_a.pk}/start/")
    assessment = Assessment.objects.get()
    response = client.post(f"/assessments/{assessment.pk}/step/2/", {"stairs": "4"})
    assert response.status_code == 200 and 'class="field-error"' in response.content.decode()
    assessment.refresh_from_db()
    assert "stairs" not in assessment.items


def test_elder_record_offers_a_care_plan_and_the_plan_page_approves(client, worker_a, elder_a):
    client.force_login(worker_a)
    page = client.get(f"/elders/{elder_a.pk}/").content.decode()
    assert f"/assessments/elder/{elder_a.pk}/care-plan/" in page
    response = client.post(f"/assessments/elder/{elder_a.pk}/care-plan/", {"needs": ["meal", "bathing"]})
    plan = CarePlan.objects.get()
    assert response["Location"] == f"/assessments/care-plans/{plan.pk}/"
    items = list(plan.items.all())
    data = {
        "decision": "approve",
        "service": [i.service for i in items],
        "times": [i.times for i in items],
        "per": [i.per for i in items],
        "why": [i.why for i in items],
    }
    client.post(f"/assessments/care-plans/{plan.pk}/", data)
    plan.refresh_from_db()
    assert plan.state == "approved" and {i.service for i in plan.items.all()} == {"meal", "bathing"}


def test_legacy_page_imports_and_lists_rejected_rows(client, worker_a, elder_a, tmp_path):
    client.force_login(worker_a)
    path = tmp_path / "old.csv"
    path.write_text(
        f"身份证号码,评估日期,评估等级\n{elder_a.id_number},2025-06-01,重度失能\n123,2025-06-01,x\n", "utf-8"
    )
    with path.open("rb") as upload:
        page = client.post("/assessments/legacy/", {"file": upload}).content.decode()
    elder_a.refresh_from_db()
    assert elder_a.ability_level == 3 and "<td>3</td>" in page


def test_an_assessor_sees_nothing_of_unassigned_elders(client, elder_a):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,), username="a1")
    client.force_login(assessor)
    assert client.post(f"/assessments/elder/{elder_a.pk}/start/").status_code == 404
    assert elder_a.name not in client.get("/assessments/").content.decode()


def test_home_page_counts_the_assessment_work(client, worker_a, elder_a, elder_b):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,), username="a1")
    assign_assessor(actor=worker_a, elder_id=elder_a.pk, assessor_id=assessor.pk)
    client.force_login(assessor)
    response = client.get("/")
    assert response.context["assessment_work"] == {"due": 1, "drafts": 0, "to_review": 0}
