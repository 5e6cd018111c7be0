"""Doctor referrals (转介就医): asked for from a recorded visit (once), followed by the community worker
through contacted → booked → done or declined with the outcome, overdue past the day to settle by, on the
worker's list and the elder's page; another community's worker finds nothing (404), a volunteer may not
move one."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.visits import referrals, services
from shouwang.visits.generation import generate_visits
from shouwang.visits.models import Referral, VisitTask
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def visited(tree, worker_a):
    elder = factories.ElderFactory(living_arrangement="alone", ability_level=3, lat=43.85, lon=126.55)
    generate_visits(today=timezone.localdate())
    task = VisitTask.objects.get(elder=elder, kind="home")
    return services.complete_visit(
        actor=worker_a, task_id=task.pk, outcome="met", findings=["health"], lat=43.85, lon=126.55
    )


def test_a_referral_from_a_visit_to_its_outcome(client, visited, worker_a, worker_b, english):
    client.force_login(worker_b)
    url = f"/api/v1/visits/{visited.pk}/follow-up/referral"
    assert client.post(url, {}, content_type="application/json").status_code == 404
    client.force_login(worker_a)
    opened = client.post(url, {}, content_type="application/json")
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert body["state"] == "open" and body["elder_id"] == visited.elder_id and "health" in body["reason"]
    assert client.post(url, {}, content_type="application/json").status_code == 409  # once per visit
    referral_id = body["id"]
    move = f"/api/v1/visits/referrals/{referral_id}/move"

    def moved(**payload):
        return client.post(move, payload, content_type="application/json")

    assert moved(state="contacted", doctor="社区卫生服务站王医生").json()["state"] == "contacted"
    no_time = moved(state="booked")
    assert no_time.status_code == 422 and "appointment_at" in no_time.json()["errors"]
    when = timezone.now() + dt.timedelta(days=2)
    booked = moved(state="booked", appointment_at=when.isoformat())
    assert booked.status_code == 200 and booked.json()["due_on"] == timezone.localdate(when).isoformat()
    assert booked.json()["doctor"] == "社区卫生服务站王医生"
    no_outcome = moved(state="done")
    assert no_outcome.status_code == 422 and "note" in no_outcome.json()["errors"]
    done = moved(state="done", note="血压偏高，已开药，两周后复诊")
    assert done.status_code == 200 and done.json()["outcome"].startswith("血压偏高")
    assert moved(state="declined", note="x").status_code == 409  # closed is closed
    actions = list(
        AuditLog.objects.filter(action__startswith="visits.referral")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "visits.referral.open", "visits.referral.contacted", "visits.referral.booked", "visits.referral.done"
    ]  # fmt: skip
    client.force_login(worker_b)
    assert client.get(f"/api/v1/visits/referrals/{referral_id}").status_code == 404
    assert moved(state="declined", note="x").status_code == 404
    assert client.get("/api/v1/visits/referrals?state=done").json() == []


def test_overdue_referrals_lead_the_workers_list_and_show_on_the_elders_page(
    client, visited, worker_a, worker_b, english
):
    referral = referrals.refer(actor=worker_a, task_id=visited.pk, reason="头晕两天")
    other = factories.ElderFactory(living_arrangement="alone", ability_level=3, lat=43.85, lon=126.55)
    generate_visits(today=timezone.localdate())
    later_task = VisitTask.objects.get(elder=other, kind="home")
    services.complete_visit(actor=worker_a, task_id=later_task.pk, outcome="met", lat=43.85, lon=126.55)
    on_time = referrals.refer(actor=worker_a, task_id=later_task.pk, reason="腿肿")
    Referral.objects.filter(pk=referral.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(worker_a)
    page = client.get("/visits/referrals/").content.decode()
    assert 'data-overdue-count="1"' in page
    assert page.index(f'data-referral="{referral.pk}"') < page.index(f'data-referral="{on_time.pk}"')
    listed = client.get("/api/v1/visits/referrals?overdue=true").json()
    assert [row["id"] for row in listed] == [referral.pk] and listed[0]["overdue"] is True
    elder_page = client.get(f"/elders/{visited.elder_id}/").content.decode()
    assert "data-elder-referrals" in elder_page and f"/visits/referrals/{referral.pk}/" in elder_page
    detail = client.get(f"/visits/referrals/{referral.pk}/").content.decode()
    assert "data-overdue" in detail and "data-move-referral" in detail
    closed = client.post(f"/visits/referrals/{referral.pk}/", {"state": "declined", "note": "老人不愿去医院"})
    assert closed.status_code == 302
    referral.refresh_from_db()
    assert (referral.state, referral.outcome, referral.closed_by) == ("declined", "老人不愿去医院", worker_a)
    assert f'data-referral="{referral.pk}"' not in client.get("/visits/referrals/").content.decode()
    client.force_login(worker_b)
    assert f'data-referral="{on_time.pk}"' not in client.get("/visits/referrals/").content.decode()
    assert client.get(f"/visits/referrals/{on_time.pk}/").status_code == 404


def test_who_may_move_a_referral(visited, worker_a, worker_b, official, english):
    referral = referrals.refer(actor=worker_a, task_id=visited.pk)
    with pytest.raises(NotFound):
        referrals.advance(actor=worker_b, referral_id=referral.pk, to_state="contacted")
    with pytest.raises(Forbidden):  # the bureau reads, the community's workers follow through
        referrals.advance(actor=official, referral_id=referral.pk, to_state="contacted")
    assert referrals.get_referral_for(official, referral.pk) == referral
    with pytest.raises(ValidationFailed):
        referrals.advance(actor=worker_a, referral_id=referral.pk, to_state="open")
    past = timezone.now() - dt.timedelta(hours=1)
    with pytest.raises(ValidationFailed) as refused:
        referrals.advance(
            actor=worker_a, referral_id=referral.pk, to_state="booked", appointment_at=past, doctor="x"
        )
    assert "appointment_at" in refused.value.errors
    with pytest.raises(Conflict):
        referrals.refer(actor=worker_a, task_id=visited.pk)
