"""The scheduled work: due tasks made idempotently and assigned by community, continuity and load; overdue
tasks escalated once to the community's supervisor."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from shouwang.core.models import AuditLog, OutboundMessage
from shouwang.elders.models import Status
from shouwang.visits.generation import escalate_overdue, generate_visits, supervisors_of
from shouwang.visits.models import TaskState, VisitTask
from shouwang.visits.services import complete_visit
from tests import factories

pytestmark = pytest.mark.django_db


def tasks_of(elder):
    return sorted(VisitTask.objects.filter(elder=elder).values_list("kind", "state", "due_on"))


def test_generation_is_idempotent_and_assigns_by_community(tree, worker_a, worker_b):
    today = timezone.localdate()
    alone = factories.ElderFactory(living_arrangement="alone", ability_level=3)
    other_side = factories.ElderFactory(community_id=factories.COMMUNITY_B, living_arrangement="empty_nest")
    factories.ElderFactory(living_arrangement="with_family")  # no rule catches them
    assert generate_visits(today=today) == {"created": 3, "cancelled": 0}
    assert generate_visits(today=today) == {"created": 0, "cancelled": 0}
    assert tasks_of(alone) == [("home", "open", today)]
    assert tasks_of(other_side) == [("home", "open", today), ("phone", "open", today)]
    assert {t.assignee for t in VisitTask.objects.filter(elder=alone)} == {worker_a}
    assert {t.assignee for t in VisitTask.objects.filter(elder=other_side)} == {worker_b}
    assert VisitTask.objects.get(elder=alone).tier == "high"
    # the database refuses a second open task of the same elder and kind, whatever the code does
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitTask.objects.create(
            elder=alone,
            community_id=alone.community_id,
            kind="home",
            tier="high",
            due_on=today + dt.timedelta(1),
        )


def test_next_task_follows_the_last_visit_and_the_same_visitor(tree, worker_a):
    today = timezone.localdate()
    colleague = factories.user("community_worker", regions=(factories.COMMUNITY_A,))
    alone = factories.ElderFactory(living_arrangement="alone", ability_level=3)
    generate_visits(today=today)
    task = VisitTask.objects.get(elder=alone)
    # the colleague covers this visit; continuity then sends the next one to them, though they are busier
    VisitTask.objects.filter(pk=task.pk).update(assignee=colleague)
    factories.ElderFactory(living_arrangement="alone", ability_level=3, name="王五")
    generate_visits(today=today)
    complete_visit(actor=colleague, task_id=task.pk, outcome="met", lat=43.85, lon=126.55)
    assert generate_visits(today=today)["created"] == 1
    following = VisitTask.objects.get(elder=alone, state=TaskState.OPEN)
    assert following.due_on == today + dt.timedelta(days=7)
    assert following.assignee == colleague
    # load: with no history, the next elder goes to whoever has fewer open tasks
    third = factories.ElderFactory(living_arrangement="alone", ability_level=3, name="赵六")
    generate_visits(today=today)
    assert VisitTask.objects.get(elder=third).assignee == worker_a


def test_tasks_no_plan_asks_for_are_cancelled(tree, worker_a):
    today = timezone.localdate()
    alone = factories.ElderFactory(living_arrangement="alone", ability_level=3)
    generate_visits(today=today)
    alone.status = Status.DECEASED
    alone.save()
    assert generate_visits(today=today) == {"created": 0, "cancelled": 1}
    assert tasks_of(alone) == [("home", "cancelled", today)]


@override_settings(SHOUWANG_VISIT_OVERDUE_DAYS=3)
def test_overdue_escalates_once_to_the_nearest_supervisor(tree, worker_a):
    street = factories.user("official", regions=(factories.STREET_A,), username="street_official")
    factories.user("official", regions=(factories.DISTRICT,), username="district_official")
    assert supervisors_of(factories.COMMUNITY_A) == [street]
    alone = factories.ElderFactory(living_arrangement="alone", ability_level=3)
    today = timezone.localdate()
    generate_visits(today=today - dt.timedelta(days=3))
    task = VisitTask.objects.get(elder=alone)
    assert escalate_overdue() == []  # three days late is still within the grace
    generate_visits(today=today)
    VisitTask.objects.filter(pk=task.pk).update(due_on=today - dt.timedelta(days=4))
    assert escalate_overdue() == [task.pk]
    assert escalate_overdue() == []
    task.refresh_from_db()
    assert task.escalated_to == street and task.escalated_at is not None
    alert = OutboundMessage.objects.get(purpose="visit_escalation")
    assert alert.to == "street_official" and alone.name in alert.body
    assert AuditLog.objects.filter(action="visits.escalated", object_id=str(task.pk)).count() == 1
