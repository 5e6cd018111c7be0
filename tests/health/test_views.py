"""The console pages: the elder's page with a chart of each vital, the health record, the caregiver's
reading from a visit page, the care tasks."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from shouwang.health import services
from shouwang.health.models import CareTask, Vital
from tests import factories

pytestmark = pytest.mark.django_db


def readings(elder, actor):
    now = timezone.now()
    for days, systolic in ((20, 130), (10, 150), (1, 138)):
        services.record_vital(
            actor=actor,
            elder_id=elder.pk,
            kind="blood_pressure",
            values={"systolic": systolic, "diastolic": 85},
            measured_at=now - dt.timedelta(days=days),
        )


def test_the_elders_page_draws_a_chart_of_each_vital(client, elder_a, worker_a):
    readings(elder_a, worker_a)
    services.record_vital(actor=worker_a, elder_id=elder_a.pk, kind="weight", values={"value": 61})
    client.force_login(worker_a)
    page = client.get(f"/elders/{elder_a.pk}/").content.decode()
    charts = re.findall(r'data-vital-chart="(\w+)"', page)
    assert charts == ["blood_pressure", "weight"]
    pressure = page[page.index('data-vital-chart="blood_pressure"') :]
    systolic = re.search(r'data-series="systolic">\s*<polyline points="([^"]+)"', pressure).group(1)
    points = [tuple(map(float, pair.split(","))) for pair in systolic.split()]
    assert len(points) == 3
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    assert xs == sorted(xs)  # oldest on the left
    assert ys[1] < ys[0] and ys[1] < ys[2]  # 150 is drawn highest (SVG y grows downwards)
    assert 'data-guide="140"' in pressure and 'data-guide="90"' in pressure  # the normal range


def test_the_health_record_page_saves_the_summary_and_thresholds(client, elder_a, worker_a):
    client.force_login(worker_a)
    page = f"/health/elders/{elder_a.pk}/"
    assert client.get(page).status_code == 200
    response = client.post(page, {"action": "summary", "allergies": "青霉素", "contract_status": "active"})
    assert response.status_code == 302
    response = client.post(page, {"action": "threshold", "measure": "heart_rate", "low": "90", "high": "60"})
    assert response.status_code == 200 and "阈值应依次升高" in response.content.decode()
    response = client.post(page, {"action": "vital", "kind": "heart_rate", "value": "300"})
    assert "心率应在20到250" in response.content.decode()
    assert not Vital.objects.exists()


def test_a_caregiver_records_a_reading_from_the_visit_page(client, elder_a, provider_a):
    from shouwang.orders.models import OrderState
    from tests.orders import factories as of

    carer = of.caregiver(provider_a)
    start = timezone.now()
    order = of.OrderFactory(
        elder=elder_a, state=OrderState.IN_SERVICE, provider=provider_a, caregiver=carer,
        window_start=start, window_end=start + dt.timedelta(hours=1),
    )  # fmt: skip
    client.force_login(carer.user)
    visit_page = f"/orders/visits/{order.pk}/"
    page = client.get(visit_page).content.decode()
    assert "data-health-summary" in page and "data-vital-form" in page
    assert "data-hospital" not in page  # the caregiver sees what the visit needs, not the hospital
    response = client.post(
        f"/health/elders/{elder_a.pk}/record/",
        {"kind": "blood_pressure", "value": "152", "diastolic": "92", "next": visit_page},
    )
    assert response.status_code == 302 and response["Location"] == visit_page
    vital = Vital.objects.get()
    assert (vital.value, vital.second_value, vital.source, vital.recorded_by) == (
        152,
        92,
        "visit",
        carer.user,
    )
    assert CareTask.objects.filter(elder=elder_a, state="open").exists()


def test_the_care_task_page(client, elder_a, worker_a, worker_b):
    readings(elder_a, worker_a)
    task = CareTask.objects.get()
    client.force_login(worker_b)
    assert f'data-care-task="{task.pk}"' not in client.get("/health/tasks/").content.decode()
    client.force_login(worker_a)
    assert f'data-care-task="{task.pk}"' in client.get("/health/tasks/").content.decode()
    client.post("/health/tasks/", {"task": task.pk, "note": "已通知家庭医生"})
    task.refresh_from_db()
    assert (task.state, task.note) == ("done", "已通知家庭医生")


def test_the_bureau_registers_a_health_system_and_sees_its_token_once(client, official, worker_a):
    from shouwang.health.models import HealthClient

    client.force_login(worker_a)
    assert client.get("/health/clients/").status_code == 403
    client.force_login(official)
    page = client.post(
        "/health/clients/", {"name": "中心医院", "region": factories.DISTRICT}
    ).content.decode()
    registered = HealthClient.objects.get()
    token = re.search(r'data-new-token>.*?<p class="mono">(fhir_[^<]+)</p>', page, re.S).group(1)
    assert registered.token_hash != token and len(registered.token_hash) == 64
    assert client.get("/fhir/r4/Patient", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/health/clients/").content.decode()
    client.post("/health/clients/", {"deactivate": registered.pk})
    assert client.get("/fhir/r4/Patient", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    refused = client.post("/health/clients/", {"name": "外省医院", "region": "110000000000"}).content.decode()
    assert HealthClient.objects.count() == 1 and "field-error" in refused
