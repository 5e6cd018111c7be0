"""Readings: ranges checked in plain words, thresholds per elder (with defaults) opening a care task when
out of range and an incident for the operator when urgent; readings from devices through the signed,
idempotent device contract; the care task's completion; scope."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.alarms.ingestion import ingest
from shouwang.alarms.models import DeviceEvent, Incident, IngestRejection, Priority
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.health import services
from shouwang.health.models import CareTask, Level, Vital
from tests.alarms.factories import DeviceFactory, signed

pytestmark = pytest.mark.django_db


def bp(actor, elder, systolic, diastolic, **kwargs):
    return services.record_vital(
        actor=actor,
        elder_id=elder.pk,
        kind="blood_pressure",
        values={"systolic": systolic, "diastolic": diastolic},
        **kwargs,
    )


def test_ranges_are_checked_with_clear_messages(elder_a, worker_a):
    # The console speaks Chinese by default; the messages say what and which range.
    with pytest.raises(ValidationFailed) as refused:
        bp(worker_a, elder_a, 400, 95)
    assert refused.value.errors["systolic"] == "收缩压应在50到260 mmHg之间。"
    with pytest.raises(ValidationFailed) as upside_down:
        bp(worker_a, elder_a, 90, 120)
    assert "舒张压" in upside_down.value.errors["diastolic"]
    with pytest.raises(ValidationFailed) as not_a_number:
        services.record_vital(actor=worker_a, elder_id=elder_a.pk, kind="spo2", values={"value": "abc"})
    assert "血氧" in not_a_number.value.errors["value"]
    with pytest.raises(ValidationFailed) as unknown:
        services.record_vital(actor=worker_a, elder_id=elder_a.pk, kind="mood", values={"value": 1})
    assert set(unknown.value.errors) == {"kind"}
    with pytest.raises(ValidationFailed) as future:
        services.record_vital(
            actor=worker_a,
            elder_id=elder_a.pk,
            kind="heart_rate",
            values={"value": 70},
            measured_at=timezone.now() + dt.timedelta(hours=1),
        )
    assert set(future.value.errors) == {"measured_at"}
    assert not Vital.objects.exists()


def test_a_reading_in_range_opens_nothing(elder_a, worker_a):
    vital = bp(worker_a, elder_a, 128, 82)
    assert (vital.level, vital.value, vital.second_value) == (Level.NORMAL, 128, 82)
    assert not CareTask.objects.exists() and not Incident.objects.exists()


def test_out_of_range_opens_one_care_task_that_later_readings_join(elder_a, worker_a):
    first = bp(worker_a, elder_a, 150, 95)
    assert first.level == Level.OUT_OF_RANGE
    task = CareTask.objects.get()
    assert (task.elder, task.kind, task.vital, task.readings, task.state) == (
        elder_a,
        "blood_pressure",
        first,
        1,
        "open",
    )
    assert task.community_id == elder_a.community_id and task.incident is None
    second = bp(worker_a, elder_a, 155, 96)
    task.refresh_from_db()
    assert (CareTask.objects.count(), task.readings, task.vital) == (1, 2, second)
    assert not Incident.objects.exists()


def test_an_urgent_reading_opens_an_incident_for_the_operator(elder_a, worker_a):
    vital = services.record_vital(actor=worker_a, elder_id=elder_a.pk, kind="spo2", values={"value": 88})
    assert vital.level == Level.URGENT
    incident = Incident.objects.get()
    assert (incident.kind, incident.priority, incident.elder) == ("vital_sign", Priority.URGENT, elder_a)
    assert "88" in incident.steps.get().note
    task = CareTask.objects.get()
    assert task.incident == incident
    services.record_vital(actor=worker_a, elder_id=elder_a.pk, kind="spo2", values={"value": 87})
    assert Incident.objects.count() == 1  # the open one is not doubled


def test_the_elders_own_thresholds_replace_the_defaults(elder_a, worker_a):
    # This elder's usual pressure is high: the family doctor says 160 is still fine, 200 is urgent.
    services.set_threshold(
        actor=worker_a,
        elder_id=elder_a.pk,
        measure="systolic",
        values={"low": 100, "high": 160, "urgent_low": 85, "urgent_high": 200},
    )
    assert bp(worker_a, elder_a, 155, 85).level == Level.NORMAL
    assert bp(worker_a, elder_a, 185, 85).level == Level.OUT_OF_RANGE  # default would be urgent
    assert not Incident.objects.exists()
    with pytest.raises(ValidationFailed):  # bounds must rise
        services.set_threshold(
            actor=worker_a, elder_id=elder_a.pk, measure="systolic", values={"low": 150, "high": 120}
        )
    with pytest.raises(ValidationFailed):
        services.set_threshold(actor=worker_a, elder_id=elder_a.pk, measure="mood", values={})


def test_a_care_task_is_done_with_a_note(elder_a, worker_a, worker_b):
    bp(worker_a, elder_a, 150, 95)
    task = CareTask.objects.get()
    with pytest.raises(NotFound):
        services.complete_care_task(actor=worker_b, task_id=task.pk, note="打过电话")
    with pytest.raises(ValidationFailed):
        services.complete_care_task(actor=worker_a, task_id=task.pk, note=" ")
    done = services.complete_care_task(actor=worker_a, task_id=task.pk, note="已电话联系家属，明日复测")
    assert (done.state, done.done_by) == ("done", worker_a)
    with pytest.raises(Conflict):
        services.complete_care_task(actor=worker_a, task_id=task.pk, note="again")
    bp(worker_a, elder_a, 150, 95)
    assert CareTask.objects.filter(state="open").count() == 1  # a new reading opens a new task


def test_scope_and_roles(elder_a, worker_b, provider_admin_a, official):
    with pytest.raises(NotFound):
        bp(worker_b, elder_a, 150, 95)
    with pytest.raises(NotFound):
        bp(provider_admin_a, elder_a, 150, 95)
    with pytest.raises(Forbidden):  # officials oversee; they do not take readings
        bp(official, elder_a, 150, 95)
    assert not Vital.objects.exists()


def test_a_caregiver_records_for_the_elder_of_a_current_visit_only(elder_a, elder_b, provider_a):
    from shouwang.orders.models import OrderState
    from tests.orders import factories as of

    carer = of.caregiver(provider_a)
    start = timezone.now()
    of.OrderFactory(
        elder=elder_a, state=OrderState.IN_SERVICE, provider=provider_a, caregiver=carer,
        window_start=start, window_end=start + dt.timedelta(hours=1),
    )  # fmt: skip
    of.OrderFactory(
        elder=elder_b, state=OrderState.COMPLETED, provider=provider_a, caregiver=carer,
        window_start=start, window_end=start + dt.timedelta(hours=1),
    )  # fmt: skip
    assert bp(carer.user, elder_a, 120, 80).recorded_by == carer.user
    with pytest.raises(NotFound):  # a finished visit's elder is no longer theirs
        bp(carer.user, elder_b, 120, 80)


def test_a_device_measurement_becomes_a_reading_once(elder_a):
    device = DeviceFactory(elder=elder_a, type="watch")
    body, signature = signed(device, type="blood_pressure", systolic=186, diastolic=100)
    result = ingest(body, signature=signature, via="http")
    assert result.accepted and not result.duplicate
    vital = Vital.objects.get()
    assert (vital.kind, vital.value, vital.second_value, vital.source) == (
        "blood_pressure",
        186,
        100,
        "device",
    )
    assert vital.device_event == DeviceEvent.objects.get() and vital.level == Level.URGENT
    incident = Incident.objects.get()
    assert (incident.kind, incident.device) == ("vital_sign", device)
    again = ingest(body, signature=signature, via="http")
    assert again.duplicate and Vital.objects.count() == 1 and Incident.objects.count() == 1


def test_a_device_measurement_without_numbers_or_implausible_is_refused(elder_a):
    device = DeviceFactory(elder=elder_a, type="watch")
    body, signature = signed(device, type="heart_rate")
    assert ingest(body, signature=signature, via="http").reason == "missing_fields"
    body, signature = signed(device, type="heart_rate", value=900)
    assert ingest(body, signature=signature, via="http").reason == "implausible"
    body, signature = signed(device, type="temperature", value=36.6)
    assert ingest(body, signature=signature, via="http").accepted
    assert Vital.objects.get().value == 36.6
    assert set(IngestRejection.objects.values_list("reason", flat=True)) == {"missing_fields", "implausible"}


def test_an_unbound_devices_measurement_stays_an_event(elder_a):
    device = DeviceFactory(elder=elder_a)
    device.elder = None
    device.save()
    body, signature = signed(device, type="weight", value=61.5)
    assert ingest(body, signature=signature, via="http").accepted
    assert DeviceEvent.objects.get().values == {"value": 61.5}
    assert not Vital.objects.exists()
