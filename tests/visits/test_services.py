"""Completing a visit (a home visit needs a position) and the follow-ups its findings lead to: an order, an
incident for the operator, a re-assessment — each for the visited elder, once."""

import pytest
from django.utils import timezone

from shouwang.alarms.models import Incident
from shouwang.assessments.models import Assessment
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.orders.models import Order
from shouwang.visits import services
from shouwang.visits.generation import generate_visits
from shouwang.visits.models import VisitTask
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def home_task(tree, worker_a):
    elder = factories.ElderFactory(living_arrangement="alone", ability_level=3, lat=43.85, lon=126.55)
    generate_visits(today=timezone.localdate())
    return VisitTask.objects.get(elder=elder)


def test_a_home_visit_needs_the_position_and_keeps_the_distance(home_task, worker_a, english):
    with pytest.raises(ValidationFailed) as refused:
        services.complete_visit(actor=worker_a, task_id=home_task.pk, outcome="met", findings=["food", "x"])
    assert set(refused.value.errors) == {"findings", "position"}
    home_task.refresh_from_db()
    assert home_task.state == "open"  # nothing half-saved
    with pytest.raises(ValidationFailed) as too_long:
        services.complete_visit(
            actor=worker_a, task_id=home_task.pk, outcome="met", notes="长" * 2001, lat=1, lon=1
        )
    assert "2000" in too_long.value.errors["notes"]
    done = services.complete_visit(
        actor=worker_a,
        task_id=home_task.pk,
        outcome="met",
        findings=["food", "heating"],
        notes="冰箱空了",
        lat=43.851,
        lon=126.55,
    )
    assert (done.state, done.findings, done.done_by) == ("done", ["food", "heating"], worker_a)
    assert 100 <= done.distance_m <= 120 and not services.is_far(done)
    assert AuditLog.objects.filter(action="visits.completed", object_id=str(done.pk)).exists()
    with pytest.raises(Conflict):
        services.complete_visit(actor=worker_a, task_id=home_task.pk, outcome="met", lat=1, lon=1)


def test_findings_lead_to_an_order_an_incident_and_a_review(home_task, worker_a, worker_b, english):
    with pytest.raises(Conflict):
        services.follow_up_incident(actor=worker_a, task_id=home_task.pk)  # not visited yet
    services.complete_visit(
        actor=worker_a, task_id=home_task.pk, outcome="met", findings=["food"], lat=43.85, lon=126.55
    )
    with pytest.raises(NotFound):
        services.follow_up_order(
            actor=worker_b, task_id=home_task.pk, items=[{"code": "meal", "quantity": 1}]
        )

    order = services.follow_up_order(
        actor=worker_a, task_id=home_task.pk, items=[{"code": "meal", "quantity": 2}]
    )
    assert (order.elder_id, order.source, order.community_id) == (
        home_task.elder_id,
        "community",
        "220202001001",
    )
    assert "not enough food" in order.note
    assert order.lines.get().item.code == "meal"
    with pytest.raises(Conflict):
        services.follow_up_order(
            actor=worker_a, task_id=home_task.pk, items=[{"code": "meal", "quantity": 1}]
        )

    incident = services.follow_up_incident(actor=worker_a, task_id=home_task.pk, note="请今天回访")
    assert (incident.elder_id, incident.kind, incident.priority, incident.state) == (
        home_task.elder_id,
        "visit_finding",
        "welfare",
        "received",
    )
    assert "请今天回访" in incident.steps.get().note

    assessor = factories.user("assessor", regions=(factories.COMMUNITY_A,))
    review = services.follow_up_review(actor=worker_a, task_id=home_task.pk, assessor_id=assessor.pk)
    assert (review.elder_id, review.reason, review.assessor_1) == (home_task.elder_id, "change", assessor)

    home_task.refresh_from_db()
    assert (home_task.order, home_task.incident, home_task.care_plan_review) == (order, incident, review)
    assert (Order.objects.count(), Incident.objects.count(), Assessment.objects.count()) == (1, 1, 1)


def test_rules_are_checked_and_audited(tree, official, worker_a, english):
    values = {
        "name": "高龄独居：每三天电话",
        "tier": "high",
        "kind": "phone",
        "interval_days": 3,
        "min_age": 90,
        "arrangements": ["alone"],
        "region": factories.DISTRICT,
    }
    with pytest.raises(Forbidden):
        services.save_rule(actor=worker_a, values=values)
    with pytest.raises(ValidationFailed) as refused:
        services.save_rule(
            actor=official, values={**values, "interval_days": 0, "tier": "none", "arrangements": ["?"]}
        )
    assert set(refused.value.errors) == {"interval_days", "tier", "arrangements"}
    rule = services.save_rule(actor=official, values=values)
    changed = services.save_rule(actor=official, values={**values, "interval_days": 5}, rule_id=rule.pk)
    assert changed.interval_days == 5
    log = AuditLog.objects.get(action="visits.rule.update")
    assert (log.before["interval_days"], log.after["interval_days"]) == (3, 5)
