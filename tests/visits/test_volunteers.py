"""Volunteers and the time bank: registration with a checked ID number, volunteers take low- and
medium-risk visits on their free days and see only their own, hours earned once for a confirmed visit
with its position check, a balance that never goes below zero."""

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from shouwang.benefits.models import LedgerTransaction
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.ledger import AlreadyPosted
from shouwang.visits import timebank, volunteers
from shouwang.visits.generation import generate_visits
from shouwang.visits.models import HoursPosting, VisitTask
from shouwang.visits.services import complete_visit
from tests import factories

pytestmark = pytest.mark.django_db

ID = make_resident_id("220202", dt.date(1990, 5, 1), 123)


@pytest.fixture
def volunteer(tree, worker_a):
    user = factories.user("volunteer", regions=(factories.COMMUNITY_A,), username="vol_a")
    return volunteers.register_volunteer(
        actor=worker_a, user_id=user.pk, community=factories.COMMUNITY_A, id_number=ID, skills=["visit"],
        available_days=[],
    )  # fmt: skip


def test_registration_checks_the_id_number_and_the_area(tree, worker_a, worker_b, english):
    user = factories.user("volunteer", regions=(factories.COMMUNITY_A,))
    with pytest.raises(ValidationFailed) as refused:
        volunteers.register_volunteer(
            actor=worker_b, user_id=user.pk, community=factories.COMMUNITY_A, id_number=ID[:17] + "0",
            skills=[], available_days=[9],
        )  # fmt: skip
    assert set(refused.value.errors) == {"community", "id_number", "skills", "available_days"}
    assert "check digit" in refused.value.errors["id_number"]
    registered = volunteers.register_volunteer(
        actor=worker_a, user_id=user.pk, community=factories.COMMUNITY_A, id_number=ID.lower(),
        skills=["visit", "escort"], available_days=[6, 7],
    )  # fmt: skip
    assert (registered.id_number, registered.available_days) == (ID, [6, 7])


def test_volunteers_take_lower_risk_visits_and_see_only_their_own(client, volunteer, worker_a, english):
    today = timezone.localdate()
    high = factories.ElderFactory(living_arrangement="alone", ability_level=3)
    low = factories.ElderFactory(living_arrangement="empty_nest", name="李空巢")
    factories.ElderFactory(living_arrangement="empty_nest", name="王空巢")
    generate_visits(today=today)
    assert {t.assignee for t in VisitTask.objects.filter(elder=high)} == {worker_a}
    mine = VisitTask.objects.filter(assignee=volunteer.user)
    assert mine.exists() and not mine.filter(tier="high").exists()
    client.force_login(volunteer.user)
    listed = client.get("/api/v1/visits").json()
    assert listed["count"] == mine.count()
    other = VisitTask.objects.exclude(assignee=volunteer.user).first()
    assert client.get(f"/api/v1/visits/{other.pk}").status_code == 404
    assert client.get(f"/elders/{low.pk}/").status_code in (403, 404)
    page = client.get("/visits/").content.decode()
    assert f'data-task="{mine.first().pk}"' in page and f'data-task="{other.pk}"' not in page


def test_hours_are_earned_once_for_a_confirmed_visit_with_its_position(client, volunteer, worker_a, english):
    elder = factories.ElderFactory(living_arrangement="empty_nest", lat=43.85, lon=126.55)
    generate_visits(today=timezone.localdate())
    tasks = VisitTask.objects.filter(elder=elder)
    assert len({task.assignee_id for task in tasks}) == 1  # both kinds of visit go to the same person
    tasks.update(assignee=volunteer.user)  # the volunteer's from here on
    home, phone = tasks.get(kind="home"), tasks.get(kind="phone")
    complete_visit(actor=volunteer.user, task_id=home.pk, outcome="met", lat=43.86, lon=126.55)  # ~1 km off
    complete_visit(actor=volunteer.user, task_id=phone.pk, outcome="met")
    with pytest.raises(ValidationFailed):
        volunteers.confirm_visit(actor=worker_a, task_id=home.pk)  # the position check failed
    with pytest.raises(Forbidden):  # a volunteer does not confirm their own visit
        volunteers.confirm_visit(actor=volunteer.user, task_id=phone.pk)
    client.force_login(worker_a)
    answer = client.post(f"/api/v1/visits/{phone.pk}/confirm", content_type="application/json")
    assert answer.status_code == 200 and answer.json()["minutes"] == 15
    with pytest.raises(Conflict):
        volunteers.confirm_visit(actor=worker_a, task_id=phone.pk)
    with pytest.raises(AlreadyPosted):  # the ledger keeps a visit earning once, whoever asks
        timebank.earn(actor=worker_a, volunteer=volunteer, minutes=15, task=phone)
    with pytest.raises(IntegrityError), transaction.atomic():  # and so does the database
        HoursPosting.objects.create(
            transaction=LedgerTransaction.objects.create(kind="hours_earned", memo="again"),
            kind="earned", volunteer=volunteer, task=phone,
        )  # fmt: skip
    assert HoursPosting.objects.filter(task=phone).count() == 1

    with pytest.raises(ValidationFailed):
        volunteers.redeem_hours(actor=worker_a, volunteer_id=volunteer.pk, minutes=16, note="助浴")
    volunteers.redeem_hours(actor=worker_a, volunteer_id=volunteer.pk, minutes=10, note="助浴")
    client.force_login(volunteer.user)
    statement = client.get(f"/api/v1/visits/volunteers/{volunteer.pk}/hours").json()
    assert statement["balance_minutes"] == 5
    assert [(e["kind"], e["minutes"], e["balance"]) for e in statement["entries"]] == [
        ("earned", 15, 15),
        ("redeemed", -10, 5),
    ]
    assert json.dumps(statement).count(ID) == 0
    other = factories.user("volunteer", regions=(factories.COMMUNITY_B,))
    client.force_login(other)
    assert client.get(f"/api/v1/visits/volunteers/{volunteer.pk}/hours").status_code == 404
