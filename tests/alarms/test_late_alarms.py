"""An alarm that reaches us long after its device time (a device offline for days, then sending what it
buffered) is recorded as late and opens an incident flagged "reported late" (迟报) with the device time
shown on the console and in the API, instead of passing for a fresh alarm (issue 14, finding 8)."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.alarms.ingestion import ingest
from shouwang.alarms.models import DeviceEvent, Incident
from shouwang.core.models import AuditLog
from tests.alarms.factories import signed

pytestmark = pytest.mark.django_db


def _fall(device, *, ago: dt.timedelta, event_id: str = "fall-1"):
    body, signature = signed(device, type="fall", event_id=event_id, ts=timezone.now() - ago)
    return ingest(body, signature=signature, via="http")


def test_a_fall_stamped_six_days_ago_opens_an_incident_flagged_reported_late(device):
    six_days = dt.timedelta(days=6)
    result = _fall(device, ago=six_days)
    assert result.accepted
    event, incident = DeviceEvent.objects.get(), Incident.objects.get()
    assert event.late and incident.reported_late
    assert abs(incident.device_time - (timezone.now() - six_days)) < dt.timedelta(seconds=30)
    assert incident.opened_at - incident.device_time > dt.timedelta(days=5)
    step = incident.steps.get()
    device_time = timezone.localtime(incident.device_time).strftime("%Y-%m-%d %H:%M:%S")
    assert "迟报" in step.note and device_time in step.note
    audit = AuditLog.objects.get(action="alarms.incident_opened")
    assert (
        audit.after["reported_late"] is True
        and audit.after["device_time"] == incident.device_time.isoformat()
    )


def test_a_fresh_alarm_is_not_late_and_keeps_its_device_time(device):
    _fall(device, ago=dt.timedelta(minutes=5))
    incident = Incident.objects.get()
    assert not incident.reported_late and not DeviceEvent.objects.get().late
    assert incident.device_time is not None


def test_the_threshold_is_a_setting(device, settings):
    settings.SHOUWANG_ALARM_LATE_MINUTES = 10
    _fall(device, ago=dt.timedelta(minutes=5), event_id="a")
    _fall(device, ago=dt.timedelta(minutes=15), event_id="b")
    assert dict(DeviceEvent.objects.values_list("event_id", "late")) == {"a": False, "b": True}
    joined = Incident.objects.get().steps.order_by("id").last()
    assert "迟报" in joined.note  # the late alarm joined the open incident, noted as late


def test_the_api_shows_the_device_time_and_the_flag(client, operator, device):
    _fall(device, ago=dt.timedelta(days=6))
    incident = Incident.objects.get()
    client.force_login(operator)
    listed = client.get("/api/v1/incidents").json()["items"][0]
    detail = client.get(f"/api/v1/incidents/{incident.pk}").json()
    for answer in (listed, detail):
        assert answer["reported_late"] is True
        assert answer["device_time"] == incident.device_time.isoformat()
    assert detail["events"][0]["late"] is True


def test_the_console_shows_the_device_time_and_the_flag(client, operator, device):
    _fall(device, ago=dt.timedelta(days=6))
    incident = Incident.objects.get()
    client.force_login(operator)
    device_time = timezone.localtime(incident.device_time)
    queue = client.get("/alarms/console/").content.decode()
    assert "data-late" in queue and device_time.strftime("%Y-%m-%d %H:%M") in queue
    page = client.get(f"/alarms/console/{incident.pk}/").content.decode()
    assert "data-device-time" in page and device_time.strftime("%Y-%m-%d %H:%M:%S") in page
    assert "data-late" in page
