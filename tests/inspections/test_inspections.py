"""Supervision: the 双随机 draw is reproducible from its recorded seed, inspections and findings through
the API, rectification to the end, escalation on the day after the deadline, scope, the report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.childcare.models import Institution
from shouwang.core.errors import Forbidden, NotFound
from shouwang.inspections.draw import draw
from shouwang.inspections.models import FindingState, Inspection
from shouwang.inspections.report import supervision_report
from shouwang.inspections.services import (
    create_plan,
    draw_reproduced,
    escalate_overdue,
    publish_plan,
    record_results,
    redraw,
    reinspect,
    respond,
)
from shouwang.providers.models import ListEntry
from tests import factories
from tests.childcare.conftest import institution

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def nurseries(tree):
    made = [institution(username=f"nursery{n}") for n in range(6)]
    made.append(institution(factories.COMMUNITY_B, username="nursery_b"))
    return made


@pytest.fixture
def inspectors(official):
    street = factories.user("official", regions=(factories.STREET_A,), username="street_a")
    return [official, street]


def _plan(actor, kind="childcare", size=3, seed=20260301):
    return create_plan(
        actor=actor, title="托育机构双随机抽查", region_code=factories.DISTRICT, target_kind=kind,
        sample_size=size, inspectors_per_target=2, due_on=TODAY + dt.timedelta(days=30), seed=seed,
    )  # fmt: skip


def test_the_draw_is_reproducible_from_its_recorded_seed(official, inspectors, nurseries):
    plan = _plan(official)
    assert plan.target_pool == sorted(n.pk for n in nurseries)
    drawn = [(i.target_id, sorted(u.pk for u in i.inspectors.all())) for i in plan.inspections.order_by("id")]
    assert len(drawn) == 3 and len({target for target, _ in drawn}) == 3
    assert drawn == redraw(plan) and draw_reproduced(plan)
    # the same seed over the same pools draws the same again, in a new round
    again = _plan(official)
    assert [i.target_id for i in again.inspections.order_by("id")] == [t for t, _ in drawn]
    # the draw depends on the seed: across ten seeds more than one sample comes out
    samples = {
        tuple(t for t, _ in draw(seed, plan.target_pool, plan.inspector_pool, 3, 2)) for seed in range(10)
    }
    assert len(samples) > 1
    # a changed assignment no longer matches the record
    first = plan.inspections.order_by("id").first()
    first.inspectors.set([inspectors[0].pk])
    assert not draw_reproduced(plan)


def test_a_plan_cannot_draw_more_than_the_pool(official, inspectors, nurseries):
    from shouwang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        _plan(official, size=8)
    assert "sample_size" in refused.value.errors


def _inspected(plan, inspector, severities=("major",), due=TODAY + dt.timedelta(days=10)):
    inspection = plan.inspections.order_by("id").first()
    findings = [{"severity": s, "description": f"{s}问题", "rectify_by": due} for s in severities]
    record_results(actor=inspector, inspection_id=inspection.pk, inspected_on=TODAY, findings=findings)
    return inspection


def test_the_way_of_a_finding_through_the_api(client, official, inspectors, nurseries):
    plan = _plan(official, size=1)
    inspection = plan.inspections.get()
    own = Institution.objects.get(pk=inspection.target_id)
    client.force_login(official)
    due = (TODAY + dt.timedelta(days=7)).isoformat()
    finding = {"severity": "minor", "description": "消毒记录不全", "rectify_by": due}
    body = {"inspected_on": TODAY.isoformat(), "summary": "消毒记录不全", "findings": [finding]}
    recorded = client.post(
        f"/api/v1/inspections/{inspection.pk}/results", body, content_type="application/json"
    )
    assert recorded.status_code == 200, recorded.content
    finding_id = recorded.json()["findings"][0]["id"]
    again = client.post(f"/api/v1/inspections/{inspection.pk}/results", body, content_type="application/json")
    assert again.status_code == 409
    assert client.post(f"/api/v1/inspections/plans/{plan.pk}/publish").status_code == 200
    listed = client.get("/api/v1/inspections?target_kind=childcare&state=published").json()
    assert [item["id"] for item in listed["items"]] == [inspection.pk]
    assert client.get("/api/v1/inspections?target_kind=provider").json()["count"] == 0
    # the institution answers, the official closes after re-inspection
    client.force_login(own.account)
    answered = client.post(
        f"/api/v1/inspections/findings/{finding_id}/response",
        {"response": "已补全消毒记录", "evidence": ["消毒记录照片3张"]}, content_type="application/json",
    )  # fmt: skip
    assert answered.status_code == 200 and answered.json()["state"] == "responded"
    client.force_login(official)
    closed = client.post(
        f"/api/v1/inspections/findings/{finding_id}/reinspection", {"passed": True, "note": "已整改"},
        content_type="application/json",
    )  # fmt: skip
    assert closed.json()["state"] == "closed"
    illegal = client.post(
        f"/api/v1/inspections/findings/{finding_id}/escalation",
        {"note": "x"},
        content_type="application/json",
    )
    assert illegal.status_code == 409
    detail = client.get(f"/api/v1/inspections/{inspection.pk}").json()
    assert detail["findings"][0]["state"] == "closed" and detail["state"] == "published"
    assert "消毒记录不全" in client.get("/public/inspections/").content.decode()


def test_only_drawn_inspectors_record(official, inspectors, nurseries):
    plan = _plan(official, size=1)
    outsider = factories.user("official", regions=(factories.DISTRICT,))
    with pytest.raises(Forbidden):
        record_results(actor=outsider, inspection_id=plan.inspections.get().pk, inspected_on=TODAY)


def test_an_unanswered_finding_escalates_the_day_after_its_deadline(official, inspectors, nurseries):
    deadline = TODAY + dt.timedelta(days=10)
    plan = _plan(official, size=2)
    inspection = _inspected(plan, official, severities=("major", "minor"), due=deadline)
    major, minor = inspection.findings.order_by("severity")
    assert escalate_overdue(today=deadline) == 0
    assert escalate_overdue(today=deadline + dt.timedelta(days=1)) == 2
    major.refresh_from_db()
    assert major.state == FindingState.ESCALATED and major.escalated_at is not None
    # a major finding suspends the institution's filing: it drops off the public list
    assert Institution.objects.get(pk=inspection.target_id).state == "suspended"
    assert escalate_overdue(today=deadline + dt.timedelta(days=2)) == 0  # nothing twice


def test_an_answered_finding_waits_for_reinspection(official, inspectors, nurseries):
    deadline = TODAY + dt.timedelta(days=5)
    inspection = _inspected(_plan(official, size=1), official, due=deadline)
    finding = inspection.findings.get()
    own = Institution.objects.get(pk=inspection.target_id)
    respond(actor=own.account, finding_id=finding.pk, response="已整改")
    assert escalate_overdue(today=deadline + dt.timedelta(days=3)) == 0
    reopened = reinspect(
        actor=official, finding_id=finding.pk, passed=False, note="仍未整改",
        on=deadline + dt.timedelta(days=3),
        new_deadline=deadline + dt.timedelta(days=10),
    )  # fmt: skip
    assert reopened.state == FindingState.OPEN
    assert escalate_overdue(today=deadline + dt.timedelta(days=11)) == 1


def test_a_provider_that_ignores_a_major_finding_is_black_listed(official, inspectors, provider_a):
    from shouwang.providers.models import Inspection as ProviderInspection
    from shouwang.providers.models import Provider

    Provider.objects.filter(pk=provider_a.pk).update(state="admitted")  # admission itself is tested elsewhere
    plan = _plan(official, kind="provider", size=1)
    deadline = TODAY + dt.timedelta(days=3)
    _inspected(plan, official, due=deadline)
    publish_plan(actor=official, plan_id=plan.pk)
    assert ProviderInspection.objects.get(provider=provider_a).result == "major"
    escalate_overdue(today=deadline + dt.timedelta(days=1))
    entry = ListEntry.objects.get(provider=provider_a)
    assert entry.kind == "black" and entry.starts_on == TODAY


def test_an_institution_sees_only_its_own_inspections(client, official, inspectors, nurseries):
    plan = _plan(official, size=2)
    first, second = plan.inspections.order_by("id")
    for inspection in (first, second):
        finding = {"severity": "minor", "description": "问题", "rectify_by": TODAY + dt.timedelta(days=9)}
        record_results(actor=official, inspection_id=inspection.pk, inspected_on=TODAY, findings=[finding])
    own = Institution.objects.get(pk=first.target_id).account
    client.force_login(own)
    listed = client.get("/api/v1/inspections").json()
    assert [item["id"] for item in listed["items"]] == [first.pk]
    assert client.get(f"/api/v1/inspections/{second.pk}").status_code == 404
    other_finding = second.findings.get()
    answer = client.post(
        f"/api/v1/inspections/findings/{other_finding.pk}/response",
        {"response": "x"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    with pytest.raises(NotFound):
        respond(actor=own, finding_id=other_finding.pk, response="x")
    assert client.get("/api/v1/inspections/plans").json() == []


def test_the_quarter_report_counts_by_hand(official, inspectors, nurseries):
    """Two inspections this quarter: one with a major and a minor finding, one with a minor finding.
    The minor of the first is closed on time; the major is escalated; the second's is still open."""
    plan = _plan(official, size=2)
    first, second = plan.inspections.order_by("id")
    due = TODAY + dt.timedelta(days=5)
    record_results(actor=official, inspection_id=first.pk, inspected_on=TODAY, findings=[
        {"severity": "major", "description": "甲", "rectify_by": due},
        {"severity": "minor", "description": "乙", "rectify_by": due},
    ])  # fmt: skip
    later = {"severity": "minor", "description": "丙", "rectify_by": due + dt.timedelta(days=60)}
    record_results(actor=official, inspection_id=second.pk, inspected_on=TODAY, findings=[later])
    major, minor = first.findings.order_by("severity")  # "major" sorts before "minor"
    account = Institution.objects.get(pk=first.target_id).account
    respond(actor=account, finding_id=minor.pk, response="已改")
    reinspect(actor=official, finding_id=minor.pk, passed=True, on=due)
    escalate_overdue(today=due + dt.timedelta(days=1))
    quarter = (TODAY.month - 1) // 3 + 1
    report = supervision_report(official, region_code=factories.DISTRICT, year=TODAY.year, quarter=quarter,
                                today=due + dt.timedelta(days=1))  # fmt: skip
    assert report["inspections"] == 2 and report["inspections_by_kind"]["childcare"] == 2
    assert report["findings_by_severity"] == {"minor": 2, "major": 1, "critical": 0}
    assert (report["raised"], report["closed"], report["closed_on_time"]) == (3, 1, 1)
    assert (report["open"], report["escalated"]) == (1, 1)
    assert report["rectification_rate"] == round(1 / 3, 3)
    assert [f.description for f in report["escalations"]] == ["甲"]
    assert Inspection.objects.count() == 2
