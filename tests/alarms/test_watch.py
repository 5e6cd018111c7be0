"""The passive watch: each rule, once per silence, never two open incidents of one kind."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.alarms.models import DeviceEvent, Incident, IncidentState, WatchSettings
from shouwang.alarms.watch import run_watch
from tests.alarms.factories import DeviceFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)  # 12:00 in Asia/Shanghai


def event(device, type, at, n=[0]):  # noqa: B006 - a counter for unique event ids
    n[0] += 1
    return DeviceEvent.objects.create(
        device=device, event_id=f"w{n[0]}", type=type, ts=at, received_at=at, via="http"
    )


def sensor(elder, type, bound_hours_ago=100, **fields):
    bound = NOW - dt.timedelta(hours=bound_hours_ago)
    fields.setdefault("last_seen_at", NOW)
    return DeviceFactory(elder=elder, type=type, bound_at=bound, **fields)


def kinds():
    return sorted(Incident.objects.values_list("kind", flat=True))


def test_no_motion_after_24_hours(elder_a):
    motion = sensor(elder_a, "motion")
    event(motion, "motion", NOW - dt.timedelta(hours=23))
    assert run_watch(now=NOW) == []
    [incident] = run_watch(now=NOW + dt.timedelta(hours=1, minutes=1))
    assert (incident.kind, incident.priority, incident.elder) == ("no_motion", "welfare", elder_a)
    assert run_watch(now=NOW + dt.timedelta(hours=2)) == []  # already open


def test_bed_sensors_count_as_motion_and_thresholds_are_per_elder(elder_a):
    WatchSettings.objects.create(elder=elder_a, no_motion_hours=6)
    bed = sensor(elder_a, "bed")
    event(bed, "motion", NOW - dt.timedelta(hours=7))
    assert kinds() == [] and [i.kind for i in run_watch(now=NOW)] == ["no_motion"]


def test_a_closed_alert_needs_a_new_period_of_silence(elder_a):
    sensor(elder_a, "motion", bound_hours_ago=30, heartbeat_interval_s=86400)
    [incident] = run_watch(now=NOW)
    Incident.objects.filter(pk=incident.pk).update(state=IncidentState.CLOSED)
    assert run_watch(now=NOW + dt.timedelta(hours=1)) == []
    assert [i.kind for i in run_watch(now=NOW + dt.timedelta(hours=24))] == ["no_motion"]


def test_no_door_opening_after_48_hours(elder_a):
    door = sensor(elder_a, "door")
    event(door, "door_open", NOW - dt.timedelta(hours=47))
    assert run_watch(now=NOW) == []
    assert [i.kind for i in run_watch(now=NOW + dt.timedelta(hours=2))] == ["no_door"]


def test_missed_daily_checkin(elder_a):
    WatchSettings.objects.create(elder=elder_a, daily_checkin=True, checkin_by=dt.time(10, 0))
    pendant = sensor(elder_a, "sos_pendant")
    event(pendant, "checkin", NOW - dt.timedelta(days=1))
    morning = NOW - dt.timedelta(hours=3)  # 09:00 local: not yet due
    assert run_watch(now=morning) == []
    [incident] = run_watch(now=NOW)
    assert incident.kind == "missed_checkin"
    Incident.objects.filter(pk=incident.pk).update(state=IncidentState.CLOSED)
    assert run_watch(now=NOW + dt.timedelta(hours=1)) == []  # once a day


def test_a_checkin_today_is_fine(elder_a):
    WatchSettings.objects.create(elder=elder_a, daily_checkin=True, checkin_by=dt.time(10, 0))
    pendant = sensor(elder_a, "sos_pendant")
    event(pendant, "checkin", NOW - dt.timedelta(hours=3, minutes=30))  # 08:30 local
    assert run_watch(now=NOW) == []


def test_offline_device_is_marked_and_gets_one_maintenance_incident(elder_a):
    pendant = sensor(elder_a, "sos_pendant", last_seen_at=NOW - dt.timedelta(hours=2, minutes=1))
    [incident] = run_watch(now=NOW)
    assert (incident.kind, incident.priority, incident.device) == ("offline", "maintenance", pendant)
    pendant.refresh_from_db()
    assert pendant.online is False
    Incident.objects.filter(pk=incident.pk).update(state=IncidentState.CLOSED)
    assert run_watch(now=NOW + dt.timedelta(hours=1)) == []  # same silence: not again


def test_a_device_within_twice_its_interval_is_fine(elder_a):
    sensor(elder_a, "sos_pendant", last_seen_at=NOW - dt.timedelta(hours=1, minutes=59))
    assert run_watch(now=NOW) == []


def test_low_battery(elder_a):
    sensor(elder_a, "smoke", battery=15)
    assert [i.kind for i in run_watch(now=NOW)] == ["low_battery"]
    assert run_watch(now=NOW + dt.timedelta(hours=1)) == []


def test_disabled_watch_and_inactive_elders_are_skipped(elder_a, elder_b):
    WatchSettings.objects.create(elder=elder_a, enabled=False)
    sensor(elder_a, "motion")
    elder_b.status = "deceased"
    elder_b.save()
    sensor(elder_b, "motion", battery=5)
    assert run_watch(now=NOW) == []


def test_run_watch_uses_few_queries(elder_a, elder_b, django_assert_max_num_queries):
    for elder in (elder_a, elder_b):
        sensor(elder, "motion")
        sensor(elder, "door")
    # +2 for the portal's check-ins: the elders watched for one without a device, and their latest check-ins
    with django_assert_max_num_queries(8):
        run_watch(now=NOW - dt.timedelta(hours=90))
    assert timezone.is_aware(NOW)


def test_periodic_jobs_are_registered_and_run(elder_a):
    from shouwang.alarms import tasks
    from shouwang.core.scheduler import registered_jobs

    jobs = {job.name: job.every for job in registered_jobs()}
    assert jobs["alarms.escalate_overdue"] == dt.timedelta(seconds=15)
    assert jobs["alarms.watch"] == dt.timedelta(minutes=5)
    assert jobs["alarms.purge_expired_events"] == dt.timedelta(hours=1)
    sensor(elder_a, "smoke", battery=3, last_seen_at=timezone.now())
    tasks.watch_elders.call()
    tasks.escalate_overdue_alarms.call()
    assert kinds() == ["low_battery"]


def test_the_offline_watch_reads_the_heartbeats_coalesced_into_the_device(elder_a):
    """Heartbeats leave no event row (ADR 0017): the watch sees them through the device's last-seen."""
    from shouwang.alarms.ingestion import ingest_batch
    from tests.alarms.factories import signed

    pendant = sensor(elder_a, "sos_pendant", last_seen_at=None)
    beat_at = timezone.now()
    ingest_batch([signed(pendant, type="heartbeat", ts=beat_at)], via="mqtt", received_at=[beat_at])
    assert run_watch(now=beat_at + dt.timedelta(hours=1, minutes=59)) == []
    [incident] = run_watch(now=beat_at + dt.timedelta(hours=2, minutes=1))
    assert (incident.kind, incident.device) == ("offline", pendant)
