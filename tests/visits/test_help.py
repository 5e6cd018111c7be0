"""Escorts and companionship (助行, 精神慰藉): a worker arranges one for an elder and it goes to a volunteer
of the community with the skill, free that day (continuity, then load); the volunteer sees only their own
tasks and of the elder only what the help needs (masked); done, then confirmed by the coordinator or the
family, earning the task's minutes through the ledger once; another community's worker sees nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.models import AuditLog
from shouwang.elders.models import FamilyLink
from shouwang.visits import help, timebank, volunteers
from shouwang.visits.models import HelpTask, HoursPosting
from tests import factories

pytestmark = pytest.mark.django_db


def _at(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _volunteer(actor, community, serial, name, skills, days=()):
    user = factories.user("volunteer", regions=(community,), username=name)
    return volunteers.register_volunteer(
        actor=actor, user_id=user.pk, community=community, skills=list(skills), available_days=list(days),
        id_number=make_resident_id("220202", dt.date(1985, 3, 1), serial),
    )  # fmt: skip


@pytest.fixture
def team(tree, worker_a, worker_b):
    return {
        "escort": _volunteer(worker_a, factories.COMMUNITY_A, 501, "h_escort", ["escort"]),
        "escort2": _volunteer(worker_a, factories.COMMUNITY_A, 502, "h_escort2", ["escort", "visit"]),
        "company": _volunteer(worker_a, factories.COMMUNITY_A, 503, "h_company", ["companionship"]),
        "far": _volunteer(worker_b, factories.COMMUNITY_B, 504, "h_far", ["escort", "companionship"]),
    }


@pytest.fixture
def elder(tree):
    return factories.ElderFactory(
        name="王秀兰", phone="13912345678", address="幸福小区3栋2单元501", living_arrangement="alone"
    )


def test_a_task_goes_to_a_volunteer_with_the_skill_by_load_then_continuity(team, elder, worker_a):
    first = help.create_help(
        actor=worker_a, elder_id=elder.pk, kind="escort", starts_at=_at(1), destination="市中心医院"
    )
    second = help.create_help(
        actor=worker_a, elder_id=elder.pk, kind="escort", starts_at=_at(2), destination="银行"
    )
    # Load: the two escorts share the work; nobody without the skill gets one.
    assert {first.volunteer_id, second.volunteer_id} == {team["escort"].pk, team["escort2"].pk}
    company = help.create_help(actor=worker_a, elder_id=elder.pk, kind="companionship", starts_at=_at(1))
    assert company.volunteer_id == team["company"].pk and company.minutes == 60 and first.minutes == 120
    # Continuity: whoever escorted this elder last gets the next escort, whatever the load.
    help.complete_help(actor=second.volunteer.user, help_id=second.pk)
    help.create_help(actor=worker_a, elder_id=factories.ElderFactory().pk, kind="escort", starts_at=_at(3),
                     destination="超市")  # fmt: skip
    again = help.create_help(
        actor=worker_a, elder_id=elder.pk, kind="escort", starts_at=_at(4), destination="医院"
    )
    assert again.volunteer_id == second.volunteer_id


def test_nothing_is_saved_when_the_request_is_wrong_or_nobody_can_help(
    team, elder, worker_a, worker_b, english
):
    with pytest.raises(ValidationFailed) as refused:
        help.create_help(actor=worker_a, elder_id=elder.pk, kind="escort", starts_at=_at(1))
    assert "destination" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        help.create_help(actor=worker_a, elder_id=elder.pk, kind="escort", starts_at=_at(-3), destination="x")
    assert "starts_at" in refused.value.errors
    with pytest.raises(ValidationFailed):
        help.create_help(actor=worker_a, elder_id=elder.pk, kind="cooking", starts_at=_at(1))
    with pytest.raises(ValidationFailed):
        help.create_help(actor=worker_a, elder_id=elder.pk, kind="companionship", starts_at=_at(1), minutes=5)
    # Only weekday-bound volunteers with the skill: none free → refused, nothing saved.
    team["company"].available_days = [((_at(1).isoweekday()) % 7) + 1]
    team["company"].save()
    with pytest.raises(ValidationFailed) as refused:
        help.create_help(actor=worker_a, elder_id=elder.pk, kind="companionship", starts_at=_at(1))
    assert "No volunteer" in refused.value.message
    with pytest.raises(NotFound):  # another community's elder: the same 404 as a missing one
        help.create_help(actor=worker_b, elder_id=elder.pk, kind="companionship", starts_at=_at(1))
    with pytest.raises(Forbidden):
        help.create_help(actor=team["escort"].user, elder_id=elder.pk, kind="escort", starts_at=_at(1))
    assert not HelpTask.objects.exists()


def test_the_volunteer_sees_only_their_task_and_only_what_it_needs(client, team, elder, worker_a, worker_b):
    client.force_login(worker_a)
    made = client.post(
        "/api/v1/visits/help",
        {"elder_id": elder.pk, "kind": "companionship", "starts_at": _at(1).isoformat(), "need": "陪聊天"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    task_id = made.json()["id"]
    assert made.json()["elder"]["name"] == "王秀兰"  # the coordinator knows the elder
    client.force_login(team["company"].user)
    mine = client.get("/api/v1/visits/help").json()
    assert [t["id"] for t in mine] == [task_id]
    seen = mine[0]["elder"]
    assert seen == {"id": elder.pk, "name": "王*兰", "phone": "139****5678", "address": "幸福小区3栋2单元501"}
    page = client.get(f"/visits/help/{task_id}/").content.decode()
    assert (
        "王*兰" in page and "王秀兰" not in page and elder.id_number not in page and "13912345678" not in page
    )
    assert "data-complete-help" in page
    # Another volunteer of the community, and another community's worker: nothing, the same 404.
    for outsider in (team["escort"].user, worker_b, team["far"].user):
        client.force_login(outsider)
        assert client.get("/api/v1/visits/help").json() == []
        assert client.get(f"/api/v1/visits/help/{task_id}").status_code == 404
        assert client.get(f"/visits/help/{task_id}/").status_code == 404
        assert client.post(f"/api/v1/visits/help/{task_id}/confirm").status_code in (403, 404)
        assert client.post(
            f"/api/v1/visits/help/{task_id}/complete", {}, content_type="application/json"
        ).status_code in (403, 404)


def test_done_then_confirmed_earns_the_minutes_once_through_the_ledger(
    client, team, elder, worker_a, worker_b
):
    task = help.create_help(
        actor=worker_a, elder_id=elder.pk, kind="escort", starts_at=_at(1), destination="医院", minutes=90
    )
    escort = task.volunteer
    with pytest.raises(Conflict):  # not done yet: nothing to confirm
        help.confirm_help(actor=worker_a, help_id=task.pk)
    client.force_login(escort.user)
    done = client.post(f"/api/v1/visits/help/{task.pk}/complete", {"note": "已安全送回"},
                       content_type="application/json")  # fmt: skip
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert client.post(f"/api/v1/visits/help/{task.pk}/confirm").status_code == 403  # not their own
    client.force_login(worker_b)
    assert client.post(f"/api/v1/visits/help/{task.pk}/confirm").status_code == 404
    client.force_login(worker_a)
    confirmed = client.post(f"/api/v1/visits/help/{task.pk}/confirm")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["task"]["state"] == "confirmed"
    assert (confirmed.json()["hours"]["kind"], confirmed.json()["hours"]["minutes"]) == ("earned", 90)
    assert confirmed.json()["hours"]["help_id"] == task.pk
    assert client.post(f"/api/v1/visits/help/{task.pk}/confirm").status_code == 409
    assert timebank.balance_minutes(escort) == 90
    assert HoursPosting.objects.filter(help=task).count() == 1
    assert AuditLog.objects.filter(action="visits.help.confirm", actor=worker_a).count() == 1


def test_the_family_confirms_help_for_their_elder_only_in_the_portal(client, team, elder, worker_a):
    family = factories.user("elder", regions=(factories.COMMUNITY_A,), username="h_daughter")
    FamilyLink.objects.create(elder=elder, user=family, consent_way="in_person", consent_at=timezone.now())
    stranger = factories.user("elder", regions=(factories.COMMUNITY_A,), username="h_stranger")
    task = help.create_help(actor=worker_a, elder_id=elder.pk, kind="companionship", starts_at=_at(1))
    client.force_login(family)
    services = f"/portal/elders/{elder.pk}/services/"
    assert f'data-confirm-help="{task.pk}"' not in client.get(services).content.decode()  # not done yet
    help.complete_help(actor=task.volunteer.user, help_id=task.pk, note="聊了家常")
    assert f'data-confirm-help="{task.pk}"' in client.get(services).content.decode()
    with pytest.raises(NotFound):
        help.confirm_help(actor=stranger, help_id=task.pk)
    answer = client.post(f"/portal/elders/{elder.pk}/help/{task.pk}/confirm/")
    assert answer.status_code == 302
    assert timebank.balance_minutes(task.volunteer) == 60
    task.refresh_from_db()
    assert task.state == "confirmed" and task.confirmed_by == family
    assert f'data-confirm-help="{task.pk}"' not in client.get(services).content.decode()
    with pytest.raises(Conflict):  # the coordinator comes second: no second earning
        help.confirm_help(actor=worker_a, help_id=task.pk)
    assert HoursPosting.objects.filter(help=task).count() == 1


def test_the_worker_arranges_and_cancels_on_the_console(client, team, elder, worker_a, english):
    client.force_login(worker_a)
    page = client.get("/visits/help/").content.decode()
    assert "data-create-help" in page
    when = _at(2).strftime("%Y-%m-%dT%H:%M")
    made = client.post(
        "/visits/help/", {"elder_id": elder.pk, "kind": "escort", "starts_at": when, "destination": "医院"}
    )
    assert made.status_code == 302
    task = HelpTask.objects.get()
    assert f'data-help="{task.pk}"' in client.get("/visits/help/").content.decode()
    refused = client.post("/visits/help/", {"elder_id": elder.pk, "kind": "escort", "starts_at": ""})
    assert refused.status_code == 422 and HelpTask.objects.count() == 1
    assert "field-error" in refused.content.decode()  # the time is missing, said on the form
    client.post(f"/visits/help/{task.pk}/", {"action": "cancel", "reason": "家属陪同"})
    task.refresh_from_db()
    assert task.state == "cancelled"
    client.force_login(task.volunteer.user)
    assert f'data-help="{task.pk}"' not in client.get("/visits/help/").content.decode()
