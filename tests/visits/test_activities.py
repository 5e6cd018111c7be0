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
from shouwang.visits.models import Activity, HoursPosting
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
    assert HoursPosting.objects.filter(activity_id=activity_id).count() == 1
    assert "data-signups" in client.get(page).content.decode()
    assert AuditLog.objects.filter(action="visits.activity.attendance", actor=worker_a).count() == 1


def test_the_console_creates_an_activity_and_refuses_bad_input(client, helpers, worker_a, english):
    client.force_login(worker_a)
    bad = client.post(
        "/visits/activities/",
        {
            "community": factories.COMMUNITY_A,
            "title": "",
            "capacity": "5",
            "place": "活动室",
            "starts_at": "2030-01-05T09:30",
        },  # fmt: skip
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


def _upcoming(worker, hours: int = 5):
    return activities.create_activity(
        actor=worker, community=factories.COMMUNITY_A, title="合唱", place="活动室",
        starts_at=timezone.now() + dt.timedelta(hours=hours), capacity=2, minutes=60,
    )  # fmt: skip


def test_changing_an_activity_tells_those_signed_up_and_keeps_the_places_taken(
    client, helpers, worker_a, worker_b, english
):
    from shouwang.core.models import OutboundMessage

    one, _two = helpers
    one.user.phone = "13900000001"
    one.user.save()
    activity = _upcoming(worker_a)
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, phone="13800000002")
    activities.sign_up(actor=one.user, activity_id=activity.pk)
    activities.sign_up(actor=worker_a, activity_id=activity.pk, elder_id=elder.pk)
    url = f"/api/v1/visits/activities/{activity.pk}"
    later = (activity.starts_at + dt.timedelta(days=1)).isoformat()
    body = {"title": "合唱", "starts_at": later, "place": "二楼活动室", "capacity": 1, "minutes": 60}
    client.force_login(worker_a)
    fewer = client.put(url, body, content_type="application/json")
    assert fewer.status_code == 422 and "2 places are taken" in fewer.json()["message"]
    changed = client.put(url, {**body, "capacity": 4}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["place"] == "二楼活动室"
    told = OutboundMessage.objects.filter(purpose="activity_changed")
    assert sorted(told.values_list("to", flat=True)) == sorted(
        [one.user.username, "13900000001", "13800000002"]
    )
    log = AuditLog.objects.get(action="visits.activity.change")
    assert (log.before["place"], log.after["place"]) == ("活动室", "二楼活动室")
    # Another community's worker and a volunteer cannot change it.
    client.force_login(worker_b)
    assert client.put(url, body, content_type="application/json").status_code == 404
    client.force_login(one.user)
    assert client.put(url, body, content_type="application/json").status_code == 403
    # Started: no more changes.
    Activity.objects.filter(pk=activity.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(worker_a)
    assert client.put(url, {**body, "capacity": 4}, content_type="application/json").status_code == 409


def test_a_cancelled_activity_needs_a_reason_tells_everyone_and_takes_no_more(
    client, helpers, worker_a, worker_b, english
):
    from shouwang.core.models import OutboundMessage

    one, two = helpers
    activity = _upcoming(worker_a)
    activities.sign_up(actor=one.user, activity_id=activity.pk)
    url = f"/api/v1/visits/activities/{activity.pk}/cancel"
    client.force_login(worker_b)
    assert client.post(url, {"reason": "下雨"}, content_type="application/json").status_code == 404
    client.force_login(worker_a)
    page = f"/visits/activities/{activity.pk}/"
    empty = client.post(f"{page}cancel/", {"reason": " "})
    assert empty.status_code == 422 and "Say why the activity is cancelled" in empty.content.decode()
    assert client.post(f"{page}cancel/", {"reason": "活动室维修"}).status_code == 302
    activity.refresh_from_db()
    assert activity.cancelled_at is not None and activity.cancel_reason == "活动室维修"
    message = OutboundMessage.objects.get(purpose="activity_cancelled", to=one.user.username)
    assert "活动室维修" in message.body
    assert client.post(url, {"reason": "again"}, content_type="application/json").status_code == 409
    with pytest.raises(Conflict, match="cancelled"):
        activities.sign_up(actor=two.user, activity_id=activity.pk)
    assert AuditLog.objects.filter(action="visits.activity.cancel", actor=worker_a).count() == 1
    assert "data-cancelled" in client.get(page).content.decode()


def test_sign_ups_are_cancelled_by_their_volunteer_or_the_worker_and_free_the_place(
    client, helpers, worker_a, english
):
    one, two = helpers
    activity = _upcoming(worker_a)
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A)
    mine = activities.sign_up(actor=one.user, activity_id=activity.pk)
    theirs = activities.sign_up(actor=worker_a, activity_id=activity.pk, elder_id=elder.pk)
    with pytest.raises(Conflict, match="full"):
        activities.sign_up(actor=two.user, activity_id=activity.pk)
    api = f"/api/v1/visits/activities/{activity.pk}/signups"
    client.force_login(two.user)  # another volunteer's sign-up is as missing as none
    assert client.post(f"{api}/{mine.pk}/cancel").status_code == 404
    assert client.post(f"{api}/{theirs.pk}/cancel").status_code == 404
    client.force_login(one.user)
    page = client.get(f"/visits/activities/{activity.pk}/").content.decode()
    assert f"/signups/{mine.pk}/cancel/" in page and f"/signups/{theirs.pk}/cancel/" not in page
    assert client.post(f"/visits/activities/{activity.pk}/signups/{mine.pk}/cancel/").status_code == 302
    assert client.post(f"{api}/{mine.pk}/cancel").status_code == 404  # already cancelled
    activities.sign_up(actor=two.user, activity_id=activity.pk)  # the place is free again
    client.force_login(worker_a)
    left = client.post(f"{api}/{theirs.pk}/cancel")
    assert left.status_code == 200 and left.json()["taken"] == 1
    again = activities.sign_up(actor=one.user, activity_id=activity.pk)  # signing up again is allowed
    assert again.pk != mine.pk
    assert AuditLog.objects.filter(action="visits.activity.cancel_sign_up").count() == 2
    Activity.objects.filter(pk=activity.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(Conflict, match="started"):
        activities.cancel_signup(actor=worker_a, activity_id=activity.pk, signup_id=again.pk)


def test_attendance_through_the_console_form(client, helpers, worker_a, english):
    one, two = helpers
    activity = _upcoming(worker_a)
    first = activities.sign_up(actor=one.user, activity_id=activity.pk)
    second = activities.sign_up(actor=two.user, activity_id=activity.pk)
    activities.cancel_signup(actor=two.user, activity_id=activity.pk, signup_id=second.pk)
    Activity.objects.filter(pk=activity.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(worker_a)
    url = f"/visits/activities/{activity.pk}/attendance/"
    refused = client.post(url, {"attended": [str(second.pk)]})  # a cancelled sign-up is no choice
    assert refused.status_code == 422 and not HoursPosting.objects.filter(activity=activity).exists()
    assert client.post(url, {"attended": [str(first.pk)]}).status_code == 302
    assert volunteers.balance_minutes(one) == 60 and volunteers.balance_minutes(two) == 0
    assert client.get(f"/visits/activities/{activity.pk}/edit/").status_code == 200
    started = client.post(
        f"/visits/activities/{activity.pk}/edit/",
        {"title": "x", "place": "y", "starts_at": "2030-01-01T10:00", "capacity": "5", "minutes": "60"},
    )
    assert started.status_code == 422 and "has started" in started.content.decode()
