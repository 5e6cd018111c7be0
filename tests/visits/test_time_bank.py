"""The time bank beyond earning: hours given from one volunteer to another (same community or the
coordinator's area, never below zero, both balances locked), the statement page with the running
balance, and a visit confirmed by the elder's family in the portal — still earning once."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.errors import Conflict, NotFound, ValidationFailed
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.models import AuditLog
from shouwang.elders.models import FamilyLink
from shouwang.visits import timebank, volunteers
from shouwang.visits.models import HoursPosting, VisitTask
from shouwang.visits.services import complete_visit
from tests import factories

pytestmark = pytest.mark.django_db


def _volunteer(actor, community, serial, name):
    user = factories.user("volunteer", regions=(community,), username=name)
    return volunteers.register_volunteer(
        actor=actor, user_id=user.pk, community=community, skills=["visit"], available_days=[],
        id_number=make_resident_id("220202", dt.date(1990, 5, 1), serial),
    )  # fmt: skip


@pytest.fixture
def bank(tree, worker_a, worker_b):
    giver = _volunteer(worker_a, factories.COMMUNITY_A, 101, "vol_giver")
    taker = _volunteer(worker_a, factories.COMMUNITY_A, 102, "vol_taker")
    far = _volunteer(worker_b, factories.COMMUNITY_B, 103, "vol_far")
    timebank.earn(actor=worker_a, volunteer=giver, minutes=60, note="纸质台账结转")
    return giver, taker, far


def test_a_volunteer_gives_hours_within_the_community_never_below_zero(client, bank, worker_a, english):
    giver, taker, far = bank
    client.force_login(giver.user)
    url = f"/api/v1/visits/volunteers/{giver.pk}/donate"
    answer = client.post(
        url, {"to_id": taker.pk, "minutes": 45, "note": "谢谢"}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["kind"], answer.json()["minutes"], answer.json()["balance"]) == ("donated", -45, 15)
    refused = client.post(url, {"to_id": taker.pk, "minutes": 16}, content_type="application/json")
    assert refused.status_code == 422 and "never goes below zero" in refused.content.decode()
    # Another community's volunteer, someone else's bank: the same 404.
    assert (
        client.post(url, {"to_id": far.pk, "minutes": 5}, content_type="application/json").status_code == 404
    )
    other = f"/api/v1/visits/volunteers/{taker.pk}/donate"
    assert (
        client.post(other, {"to_id": giver.pk, "minutes": 5}, content_type="application/json").status_code
        == 404
    )
    assert (
        client.post(url, {"to_id": giver.pk, "minutes": 5}, content_type="application/json").status_code
        == 422
    )
    assert volunteers.balance_minutes(giver) == 15 and volunteers.balance_minutes(taker) == 45

    client.force_login(taker.user)
    statement = client.get(f"/api/v1/visits/volunteers/{taker.pk}/hours").json()
    assert [(e["kind"], e["minutes"], e["balance"], e["peer_id"]) for e in statement["entries"]] == [
        ("received", 45, 45, giver.pk)
    ]
    page = client.get(f"/visits/volunteers/{taker.pk}/").content.decode()
    assert 'data-balance="45"' in page and str(giver) in page and "data-donate" in page
    assert AuditLog.objects.filter(actor=giver.user, action="visits.volunteer.donate").count() == 1


def test_the_coordinator_moves_hours_in_the_area_and_another_community_gets_404(
    client, bank, worker_a, worker_b
):
    giver, taker, far = bank
    client.force_login(worker_a)
    page = f"/visits/volunteers/{giver.pk}/"
    body = {"action": "donate", "to_id": taker.pk, "minutes": "20", "note": ""}
    assert client.post(page, body).status_code == 302
    assert volunteers.balance_minutes(taker) == 20
    with pytest.raises(NotFound):
        volunteers.donate_hours(actor=worker_a, from_id=giver.pk, to_id=far.pk, minutes=5)
    with pytest.raises(NotFound):
        volunteers.donate_hours(actor=worker_b, from_id=giver.pk, to_id=taker.pk, minutes=5)
    client.force_login(worker_b)
    assert client.get(page).status_code == 404
    url = f"/api/v1/visits/volunteers/{giver.pk}/donate"
    assert (
        client.post(url, {"to_id": taker.pk, "minutes": 5}, content_type="application/json").status_code
        == 404
    )
    assert client.post(f"/api/v1/visits/volunteers/{giver.pk}/redeem", {"minutes": 5},
                       content_type="application/json").status_code == 404  # fmt: skip
    client.force_login(worker_a)
    redeemed = client.post(f"/api/v1/visits/volunteers/{giver.pk}/redeem", {"minutes": 5, "note": "助浴"},
                           content_type="application/json")  # fmt: skip
    assert redeemed.status_code == 200 and redeemed.json()["balance"] == 35
    with pytest.raises(ValidationFailed):
        volunteers.donate_hours(actor=worker_a, from_id=giver.pk, to_id=taker.pk, minutes=0)


def test_the_family_confirms_a_volunteers_visit_in_the_portal_and_it_earns_once(
    client, bank, worker_a, worker_b, english
):
    giver, taker, far = bank
    elder = factories.ElderFactory(living_arrangement="empty_nest")
    family = factories.user("elder", regions=(factories.COMMUNITY_A,), username="p_daughter")
    FamilyLink.objects.create(elder=elder, user=family, consent_way="in_person", consent_at=timezone.now())
    stranger = factories.user("elder", regions=(factories.COMMUNITY_A,), username="p_stranger")
    task = VisitTask.objects.create(
        elder=elder, community_id=factories.COMMUNITY_A, kind="phone", tier="low",
        due_on=timezone.localdate(), assignee=giver.user,
    )  # fmt: skip
    complete_visit(actor=giver.user, task_id=task.pk, outcome="met")
    with pytest.raises(NotFound):  # not linked to this elder
        volunteers.confirm_visit(actor=stranger, task_id=task.pk)
    client.force_login(family)
    services = client.get(f"/portal/elders/{elder.pk}/services/").content.decode()
    assert f'data-confirm-visit="{task.pk}"' in services
    answer = client.post(f"/portal/elders/{elder.pk}/visits/{task.pk}/confirm/")
    assert answer.status_code == 302
    assert volunteers.balance_minutes(giver) == 60 + 15
    task.refresh_from_db()
    assert task.confirmed_by == family
    assert (
        f'data-confirm-visit="{task.pk}"'
        not in client.get(f"/portal/elders/{elder.pk}/services/").content.decode()
    )
    with pytest.raises(Conflict):  # the coordinator comes second: no second earning
        volunteers.confirm_visit(actor=worker_a, task_id=task.pk)
    assert HoursPosting.objects.filter(task=task).count() == 1
