"""The vitals contract: GET /api/v1/elders/{id}/vitals?kind=&since= and POST the same path; the health
summary and the care tasks over the API; scope (another community's elder is a 404 like a missing one)."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.health.models import CareTask, Vital

pytestmark = pytest.mark.django_db


def url(elder) -> str:
    return f"/api/v1/elders/{elder.pk}/vitals"


def test_post_and_get_vitals(client, elder_a, worker_a):
    client.force_login(worker_a)
    at = (timezone.now() - dt.timedelta(hours=2)).replace(microsecond=0)
    body = {"kind": "blood_pressure", "systolic": 150, "diastolic": 95, "measured_at": at.isoformat()}
    response = client.post(url(elder_a), body, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["systolic"], created["diastolic"], created["unit"], created["level"]) == (
        150, 95, "mm[Hg]", "out_of_range",
    )  # fmt: skip
    assert created["care_task_id"] == CareTask.objects.get().pk and created["incident_id"] is None
    assert created["source"] == "api"
    client.post(url(elder_a), {"kind": "heart_rate", "value": 72}, content_type="application/json")
    everything = client.get(url(elder_a)).json()
    assert everything["count"] == 2 and everything["items"][0]["kind"] == "heart_rate"  # newest first
    pressures = client.get(url(elder_a), {"kind": "blood_pressure"}).json()
    assert [item["systolic"] for item in pressures["items"]] == [150]
    since = (at + dt.timedelta(hours=1)).isoformat()
    assert [item["kind"] for item in client.get(url(elder_a), {"since": since}).json()["items"]] == [
        "heart_rate"
    ]


def test_bad_readings_answer_422_in_plain_words(client, elder_a, worker_a):
    client.force_login(worker_a)
    response = client.post(
        url(elder_a), {"kind": "temperature", "value": 45}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["value"] == "体温应在32到43 °C之间。"
    assert client.get(url(elder_a), {"kind": "mood"}).status_code == 422
    assert not Vital.objects.exists()


def test_another_communitys_elder_is_a_404_like_a_missing_one(client, elder_a, worker_b):
    client.force_login(worker_b)
    missing = client.get("/api/v1/elders/999999/vitals")
    other = client.get(url(elder_a))
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    posted = client.post(url(elder_a), {"kind": "heart_rate", "value": 72}, content_type="application/json")
    assert posted.status_code == 404 and not Vital.objects.exists()


def test_the_summary_hides_the_family_doctor_from_a_caregiver(client, elder_a, worker_a, provider_a):
    from shouwang.health.services import update_summary
    from shouwang.orders.models import OrderState
    from tests.orders import factories as of

    update_summary(
        actor=worker_a, elder_id=elder_a.pk, values={"allergies": "青霉素", "hospital": "中心医院"}
    )
    client.force_login(worker_a)
    seen = client.get(f"/api/v1/elders/{elder_a.pk}/health").json()
    assert (seen["allergies"], seen["hospital"]) == ("青霉素", "中心医院")
    assert {row["measure"] for row in seen["thresholds"]} >= {"systolic", "spo2"}
    carer = of.caregiver(provider_a)
    start = timezone.now()
    of.OrderFactory(
        elder=elder_a, state=OrderState.ASSIGNED, provider=provider_a, caregiver=carer,
        window_start=start, window_end=start + dt.timedelta(hours=1),
    )  # fmt: skip
    client.force_login(carer.user)
    seen = client.get(f"/api/v1/elders/{elder_a.pk}/health").json()
    assert seen["allergies"] == "青霉素" and seen["hospital"] is None and seen["family_doctor"] is None


def test_care_tasks_over_the_api(client, elder_a, worker_a, worker_b):
    client.force_login(worker_a)
    client.post(url(elder_a), {"kind": "spo2", "value": 92}, content_type="application/json")
    tasks = client.get("/api/v1/health/care-tasks").json()
    assert tasks["count"] == 1 and tasks["items"][0]["vital"]["value"] == 92
    task_id = tasks["items"][0]["id"]
    client.force_login(worker_b)
    assert client.get("/api/v1/health/care-tasks").json()["count"] == 0
    refused = client.post(
        f"/api/v1/health/care-tasks/{task_id}/done", {"note": "x"}, content_type="application/json"
    )
    assert refused.status_code == 404
    client.force_login(worker_a)
    done = client.post(
        f"/api/v1/health/care-tasks/{task_id}/done", {"note": "已复测正常"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == "done"
