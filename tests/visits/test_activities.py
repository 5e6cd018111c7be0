"""Group activities (助乐): a community worker creates one, volunteers sign up and the worker signs elders
up within the places, attendance once after it starts, volunteers who came earn the minutes once;
another community's worker gets 404."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.errors import Conflict, ValidationFailed
from shouwang.core.idnumbers import make_resident_id
from shouwang.core.models import AuditLog
from shouwang.visits import activities, volunteers
from shouwang.visits.models import HoursEntry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def helpers(tree, worker_a):
    found = []
    for n in (1, 2):
        user = factories.user("volunteer", regions=(factories.COMMUNITY_A,), username=f"vol_{n}")
        found.append(
            volunteers.register_volunteer(
                actor=worker_a,
                user_id=user.pk,
                community=factories.COMMUNITY_A,
                skills=["companionship"],
                id_number=make_resident_id("220202", dt.date(1991, 2, n), 200 + n),
                available_days=[],
            )  # fmt: skip
        )
    return found


def test_an_activity_from_creation_to_hours(client, helpers, worker_a, worker_b, english):
    one, two = helpers
    elder = factories.ElderFactory()
    client.force_login(worker_a)
    starts = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    body = {"community": factories.COMMUNITY_A, "title": "重阳节包饺子", "starts_at": starts,
            "place": "社区活动室", "capacity": 3, "minutes": 90}  # fmt: skip
    created = client.post("/api/v1/visits/activities", body, content_type="application/json")
    assert created.status_code == 201, created.content
    activity_id = created.json()["id"]
    signed = client.post(f"/api/v1/visits/activities/{activity_id}/signups", {"elder_id": elder.pk},
                         content_type="application/json")  # fmt: skip
    assert signed.status_code == 201 and signed.json()["elder_id"] == elder.pk
    first = activities.sign_up(actor=one.user, activity_id=activity_id)
    with pytest.raises(Conflict):
        activities.sign_up(actor=one.user, activity_id=activity_id)
    client.force_login(two.user)
    page = f"/visits/activities/{activity_id}/"
    assert "data-sign-up" in client.get(page).content.decode()
    assert client.post(f"{page}sign-up/", {}).status_code == 302
    third = factories.user("volunteer", regions=(factories.COMMUNITY_A,), username="vol_3")
    late = volunteers.register_volunteer(
        actor=worker_a, user_id=third.pk, community=factories.COMMUNITY_A, skills=["visit"],
        id_number=make_resident_id("220202", dt.date(1991, 2, 9), 209), available_days=[],
    )  # fmt: skip
    with pytest.raises(Conflict, match="full"):
        activities.sign_up(actor=late.user, activity_id=activity_id)

    # Another community's worker: the same 404 everywhere.
    client.force_login(worker_b)
    assert client.get(f"/api/v1/visits/activities/{activity_id}").status_code == 404
    assert client.get(page).status_code == 404
    assert activity_id not in [a["id"] for a in client.get("/api/v1/visits/activities").json()]
    attendance = f"/api/v1/visits/activities/{activity_id}/attendance"
    assert client.post(attendance, {"attended": []}, content_type="application/json").status_code == 404

    client.force_login(worker_a)
    with pytest.raises(ValidationFailed):  # not started yet
        activities.record_attendance(actor=worker_a, activity_id=activity_id, attended=[first.pk])
    from shouwang.visits.models import Activity

    Activity.objects.filter(pk=activity_id).update(starts_at=timezone.now() - dt.timedelta(hours=3))
    done = client.post(
        attendance, {"attended": [first.pk, signed.json()["id"]]}, content_type="application/json"
    )
    assert done.status_code == 200, done.content
    assert {s["id"]: s["attended"] for s in done.json()["signups"]}[first.pk] is True
    assert volunteers.balance_minutes(one) == 90 and volunteers.balance_minutes(two) == 0
    assert (
        client.post(attendance, {"attended": [first.pk]}, content_type="application/json").status_code == 409
    )
    assert HoursEntry.objects.filter(activity_id=activity_id).count() == 1
    assert "data-signups" in client.get(page).content.decode()
    assert AuditLog.objects.filter(action="visits.activity.attendance", actor=worker_a).count() == 1


def test_the_console_creates_an_activity_and_refuses_bad_input(client, helpers, worker_a, english):
    client.force_login(worker_a)
    bad = client.post(
        "/visits/activities/",
        {"community": factories.COMMUNITY_A, "title": "", "capacity": "5", "place": "活动室",
         "starts_at": "2030-01-05T09:30"},  # fmt: skip
    )
    assert bad.status_code == 422 and "Give the activity a title" in bad.content.decode()
    good = client.post(
        "/visits/activities/",
        {"community": factories.COMMUNITY_A, "title": "象棋角", "starts_at": "2030-01-05T09:30",
         "place": "活动室", "capacity": "10", "minutes": "60"},
    )  # fmt: skip
    assert good.status_code == 302
    client.force_login(helpers[0].user)
    assert "象棋角" in client.get("/visits/activities/").content.decode()
