"""Retention of device events (ADR 0017): the old state events go, alarms and incidents' events stay."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from shouwang.alarms import retention
from shouwang.alarms.ingestion import ingest
from shouwang.alarms.models import DeviceEvent
from tests.alarms.factories import signed

pytestmark = pytest.mark.django_db


def stored(device, type: str, days_ago: float) -> DeviceEvent:
    body, signature = signed(device, type=type, event_id=f"{type}-{days_ago}")
    result = ingest(body, signature=signature, via="http")
    DeviceEvent.objects.filter(pk=result.event.pk).update(
        received_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return result.event


@override_settings(SHOUWANG_DEVICE_EVENT_RETENTION_DAYS=30)
def test_old_state_events_go_and_alarms_and_their_incidents_events_stay(device, monkeypatch):
    old_motion, old_door = stored(device, "motion", 31), stored(device, "door_open", 40)
    old_checkin, recent_motion = stored(device, "checkin", 31), stored(device, "motion", 29)
    kept_alarms = [
        stored(device, kind, 60) for kind in ("sos", "fall", "smoke", "gas", "water", "low_battery")
    ]
    joined = stored(device, "motion", 50)
    DeviceEvent.objects.filter(pk=joined.pk).update(incident=kept_alarms[0].incident)
    monkeypatch.setattr(retention, "DELETE_CHUNK", 2)  # several chunks, each its own transaction

    assert retention.purge_expired_events() == 3
    remaining = set(DeviceEvent.objects.values_list("pk", flat=True))
    assert remaining == {recent_motion.pk, joined.pk, *(event.pk for event in kept_alarms)}
    assert not remaining & {old_motion.pk, old_door.pk, old_checkin.pk}
    assert retention.purge_expired_events() == 0
