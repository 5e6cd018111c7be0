"""The ingestion contract: every rejection path, idempotency, burst joining, live state."""

import datetime as dt
import json

import pytest
from django.test import override_settings
from django.utils import timezone

from shouwang.alarms.ingestion import ingest, sign
from shouwang.alarms.models import (
    Device,
    DeviceEvent,
    DeviceState,
    Incident,
    IncidentState,
    IngestRejection,
    Priority,
    StepKind,
)
from tests.alarms.factories import DeviceFactory, event_body, refused, signed

pytestmark = pytest.mark.django_db

URL = "/api/v1/devices/events"


def post(client, body: bytes, signature: str):
    return client.post(URL, data=body, content_type="application/json", headers={"X-Signature": signature})


def rejection_cases(device):
    """(name, body, signature, reason, HTTP status) for each way a message is refused."""
    now = timezone.now()
    good, good_sig = signed(device)
    cases = [
        ("bad signature", good, "0" * 64, "bad_signature", 401),
        ("no signature", good, "", "bad_signature", 401),
        ("bad json", b"{not json", "x", "bad_json", 422),
        ("not an object", b"[1, 2]", "x", "bad_json", 422),
        ("no device id", b'{"event_id": "e1", "type": "sos"}', "x", "missing_fields", 422),
    ]
    unknown = json.dumps({"device_id": "dv_nobody", "event_id": "e1", "type": "sos", "ts": now.isoformat()})
    cases.append(("unknown device", unknown.encode(), "x", "unknown_device", 401))
    for name, kwargs, reason in [
        ("unknown type", {"type": "explosion"}, "unknown_type"),
        ("naive ts", {"ts": dt.datetime(2026, 1, 1, 8, 0)}, "bad_timestamp"),
        ("future ts", {"ts": now + dt.timedelta(minutes=10)}, "future_timestamp"),
        ("ancient ts", {"ts": now - dt.timedelta(days=400)}, "stale_timestamp"),
        ("battery out of range", {"battery": 140}, "missing_fields"),
        ("bad location", {"location": {"lat": "north"}}, "missing_fields"),
    ]:
        body, signature = signed(device, **kwargs)
        cases.append((name, body, signature, reason, 422))
    body = json.dumps({"device_id": device.device_id, "type": "sos", "ts": now.isoformat()}).encode()
    cases.append(("no event id", body, sign(body, device.secret), "missing_fields", 422))
    body = json.dumps(
        {"device_id": device.device_id, "event_id": "e9", "type": "sos", "ts": "yesterday"}
    ).encode()
    cases.append(("unreadable ts", body, sign(body, device.secret), "bad_timestamp", 422))
    return cases


def test_every_rejection_is_recorded_never_an_incident_never_a_crash(device):
    cases = rejection_cases(device)
    for name, body, signature, reason, _status in cases:
        result = ingest(body, signature=signature, via="mqtt")
        assert (result.accepted, result.reason) == (False, reason), name
        assert result.incident is None and result.event is None
    assert refused() == len(cases)
    assert set(IngestRejection.objects.values_list("via", flat=True)) == {"mqtt"}
    assert DeviceEvent.objects.count() == 0 and Incident.objects.count() == 0


def test_every_rejection_over_http_answers_its_code(client, device):
    cases = rejection_cases(device)
    for name, body, signature, reason, status in cases:
        response = post(client, body, signature)
        assert response.status_code == status, name
        assert response.json()["code"] == ("unauthenticated" if status == 401 else reason), name
    assert refused(via="http") == len(cases)
    assert Incident.objects.count() == 0


def test_retired_device_is_rejected(client, device):
    device.state = DeviceState.RETIRED
    device.save()
    body, signature = signed(device)
    response = post(client, body, signature)
    assert response.status_code == 403 and response.json()["code"] == "retired_device"
    assert IngestRejection.objects.get().device_id == device.device_id


def test_an_unknown_device_and_a_bad_signature_answer_alike(client, device):
    """Nothing in the answer tells an unauthenticated caller whether a device id exists (or is retired);
    the stored rejections still tell the reasons apart."""
    body, _signature = signed(device)
    unknown = body.replace(device.device_id.encode(), b"dv_nobody0000000")
    answers = [post(client, body, "0" * 64), post(client, unknown, "0" * 64)]
    device.state = DeviceState.RETIRED
    device.save()
    answers.append(post(client, body, "0" * 64))
    assert len({(answer.status_code, answer.content) for answer in answers}) == 1
    assert answers[0].status_code == 401 and answers[0].json()["code"] == "unauthenticated"
    assert refused(reason="bad_signature") == 2 and refused(reason="unknown_device") == 1


def test_signature_is_over_the_raw_bytes(device):
    body, signature = signed(device)
    reformatted = json.dumps(json.loads(body), indent=2).encode()  # same JSON, other bytes
    assert ingest(reformatted, signature=signature, via="http").reason == "bad_signature"
    assert ingest(body, signature=signature.upper(), via="http").accepted


def test_sos_over_http_opens_an_urgent_incident(client, device):
    body, signature = signed(device, type="sos", battery=77, location={"lat": 43.8, "lon": 126.5})
    response = post(client, body, signature)
    assert response.status_code == 202
    assert response.json() == {"accepted": True, "duplicate": False}
    incident = Incident.objects.get()
    assert (incident.priority, incident.state, incident.kind) == (
        Priority.URGENT,
        IncidentState.RECEIVED,
        "sos",
    )
    assert incident.elder == device.elder and incident.community_id == device.elder.community_id
    assert (incident.lat, incident.lon) == (43.8, 126.5)
    assert incident.steps.get().step == StepKind.RECEIVED
    event = DeviceEvent.objects.get()
    assert event.incident == incident and event.via == "http"
    device.refresh_from_db()
    assert (device.battery, device.last_lat, device.online) == (77, 43.8, True)


def test_redelivery_changes_nothing(client, device):
    body, signature = signed(device, type="fall")
    first = ingest(body, signature=signature, via="mqtt")
    second = ingest(body, signature=signature, via="mqtt")
    third = post(client, body, signature)
    assert first.accepted and not first.duplicate
    assert second.accepted and second.duplicate and second.incident is None
    assert third.status_code == 202 and third.json()["duplicate"] is True
    assert DeviceEvent.objects.count() == 1
    incident = Incident.objects.get()
    assert incident.event_count == 1


@pytest.mark.parametrize(
    ("type", "priority"),
    [
        ("fall", "urgent"),
        ("sos", "urgent"),
        ("gas", "urgent"),
        ("smoke", "urgent"),
        ("water", "high"),
        ("low_battery", "maintenance"),
    ],
)
def test_alarm_types_and_priorities(device, type, priority):
    body, signature = signed(device, type=type)
    result = ingest(body, signature=signature, via="http")
    assert result.incident.priority == priority and result.incident.kind == type


@pytest.mark.parametrize("type", ["heartbeat", "motion", "door_open", "checkin"])
def test_state_events_open_nothing(device, type):
    device.online = False
    device.save()
    body, signature = signed(device, type=type, battery=55)
    result = ingest(body, signature=signature, via="http")
    assert result.accepted and result.incident is None
    device.refresh_from_db()
    assert device.online and device.battery == 55
    assert Incident.objects.count() == 0


def test_a_burst_joins_the_open_incident(device):
    for n in range(4):
        body, signature = signed(device, type="sos" if n % 2 else "fall", event_id=f"burst{n}")
        ingest(body, signature=signature, via="mqtt")
    incident = Incident.objects.get()
    assert incident.event_count == 4
    assert incident.events.count() == 4
    assert incident.steps.filter(step=StepKind.JOINED).count() == 3


def test_a_maintenance_event_never_joins_an_emergency(device):
    for kind in ("sos", "low_battery", "gas"):
        body, signature = signed(device, type=kind)
        ingest(body, signature=signature, via="mqtt")
    assert sorted(Incident.objects.values_list("priority", "event_count")) == [
        ("maintenance", 1),
        ("urgent", 2),
    ]


def test_water_then_gas_makes_the_incident_urgent(device):
    for kind in ("water", "gas"):
        body, signature = signed(device, type=kind)
        ingest(body, signature=signature, via="mqtt")
    assert Incident.objects.get().priority == Priority.URGENT


@override_settings(SHOUWANG_ALARM_BURST_SECONDS=60)
def test_after_the_burst_window_a_new_incident_opens(device):
    body, signature = signed(device, type="sos")
    first = ingest(body, signature=signature, via="mqtt").incident
    Incident.objects.filter(pk=first.pk).update(last_event_at=timezone.now() - dt.timedelta(seconds=61))
    body, signature = signed(device, type="sos")
    second = ingest(body, signature=signature, via="mqtt").incident
    assert second.pk != first.pk


def test_a_closed_incident_is_never_joined(device):
    body, signature = signed(device, type="sos")
    first = ingest(body, signature=signature, via="mqtt").incident
    Incident.objects.filter(pk=first.pk).update(state=IncidentState.CLOSED)
    body, signature = signed(device, type="sos")
    assert ingest(body, signature=signature, via="mqtt").incident.pk != first.pk


def test_unbound_device_alarm_lands_in_its_last_community(device):
    community = device.community_id
    device.elder = None
    device.save()
    body, signature = signed(device, type="sos")
    incident = ingest(body, signature=signature, via="mqtt").incident
    assert incident.elder is None and incident.community_id == community


def test_http_ingest_uses_few_queries(client, device, django_assert_max_num_queries):
    body, signature = signed(device, type="sos")
    with django_assert_max_num_queries(14):
        assert post(client, body, signature).status_code == 202
    body, signature = signed(device, type="heartbeat")
    with django_assert_max_num_queries(6):
        assert post(client, body, signature).status_code == 202


def test_event_body_helper_is_valid_json(device):
    assert json.loads(event_body(device))["device_id"] == device.device_id
    assert DeviceFactory(elder=False).elder is None


def test_created_and_joined_are_announced_after_commit(device, django_capture_on_commit_callbacks):
    from shouwang.alarms.signals import incident_changed

    seen = []

    def receiver(sender, incident, change, **kwargs):
        seen.append((incident.pk, change))

    incident_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            for _n in range(2):
                body, signature = signed(device, type="sos")
                ingest(body, signature=signature, via="mqtt")
        assert seen == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        incident_changed.disconnect(receiver)
    incident = Incident.objects.get()
    assert seen == [(incident.pk, "created"), (incident.pk, "joined")]


# --- batches (the MQTT bridge hands over many messages at once) -------------------------------------------


def test_a_batch_gives_one_result_per_message_in_order(device, device_b):
    from shouwang.alarms.ingestion import ingest_batch

    stored_before = signed(device, type="heartbeat", event_id="old")
    ingest_batch([stored_before], via="mqtt")
    sos = signed(device_b, type="sos", event_id="b1")
    messages = [
        signed(device, type="heartbeat", event_id="hb1", battery=40),
        sos,
        (event_body(device, event_id="forged"), "0" * 64),
        sos,  # repeated inside the batch
        stored_before,  # stored by an earlier batch
        (b"not an envelope", None),  # the transport could not read its envelope
    ]
    arrival = timezone.now() + dt.timedelta(seconds=3)  # when the bridge took them off the wire
    results = ingest_batch(messages, via="mqtt", received_at=[arrival] * len(messages))
    assert [(r.accepted, r.duplicate, r.reason) for r in results] == [
        (True, False, ""),
        (True, False, ""),
        (False, False, "bad_signature"),
        (True, True, ""),
        (True, True, ""),
        (False, False, "bad_json"),
    ]
    assert results[1].incident.device == device_b and results[1].event.incident == results[1].incident
    assert set(DeviceEvent.objects.values_list("event_id", "received_at")) == {("b1", arrival)}
    assert sorted(IngestRejection.objects.values_list("reason", flat=True)) == ["bad_json", "bad_signature"]
    device.refresh_from_db()  # the heartbeats: no event rows, the device's live state and count
    assert (device.battery, device.last_seen_at) == (40, arrival)
    assert (device.last_heartbeat_event, device.heartbeats) == ("hb1", 2)


def test_a_burst_inside_one_batch_joins_exactly(device, device_b, django_capture_on_commit_callbacks):
    from shouwang.alarms.ingestion import ingest_batch
    from shouwang.alarms.signals import incident_recorded

    seen = []

    def receiver(sender, incident, change, **kwargs):
        seen.append((incident.device_id, change))

    incident_recorded.connect(receiver)
    try:
        ingest_batch(
            [
                signed(device, type="fall", event_id="a1"),
                signed(device_b, type="water", event_id="b1"),
                signed(device, type="sos", event_id="a2", location={"lat": 43.9, "lon": 126.6}),
                signed(device, type="low_battery", event_id="a3"),  # maintenance: never joins an emergency
                signed(device, type="sos", event_id="a4"),
                signed(device_b, type="gas", event_id="b2"),
            ],
            via="mqtt",
        )
    finally:
        incident_recorded.disconnect(receiver)
    emergency = Incident.objects.get(device=device, priority=Priority.URGENT)
    assert (emergency.event_count, emergency.kind, emergency.lat) == (3, "fall", 43.9)
    assert list(emergency.steps.values_list("step", flat=True)) == ["received", "joined", "joined"]
    assert sorted(emergency.events.values_list("event_id", flat=True)) == ["a1", "a2", "a4"]
    assert Incident.objects.get(device=device, priority=Priority.MAINTENANCE).event_count == 1
    water = Incident.objects.get(device=device_b)
    assert (water.priority, water.event_count) == (Priority.URGENT, 2)  # the gas alarm raised it
    assert seen == [
        (device.pk, "created"),
        (device_b.pk, "created"),
        (device.pk, "joined"),
        (device.pk, "created"),
        (device_b.pk, "joined"),
    ]


def test_a_batch_joins_the_incident_an_earlier_batch_opened(device):
    from shouwang.alarms.ingestion import ingest_batch

    first = ingest_batch([signed(device, type="sos")], via="mqtt")[0].incident
    results = ingest_batch([signed(device, type="fall"), signed(device, type="sos")], via="mqtt")
    assert {result.incident.pk for result in results} == {first.pk}
    first.refresh_from_db()
    assert first.event_count == 3 and first.steps.filter(step=StepKind.JOINED).count() == 2


def test_a_batch_costs_the_same_few_queries_whatever_its_size(tree, django_assert_max_num_queries):
    from shouwang.alarms.ingestion import ingest_batch

    devices = [DeviceFactory() for _n in range(40)]
    with django_assert_max_num_queries(6):
        ingest_batch([signed(device, type="motion") for device in devices], via="mqtt")
    assert DeviceEvent.objects.count() == 40
    with django_assert_max_num_queries(4):  # heartbeats: the devices read and written, nothing else
        ingest_batch([signed(device, type="heartbeat") for device in devices], via="mqtt")
    assert (
        DeviceEvent.objects.count() == 40 and sum(Device.objects.values_list("heartbeats", flat=True)) == 40
    )


def test_alarm_batches_write_in_bulk(tree):
    """Apart from the live push (a message per incident), an alarm batch is a fixed set of statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shouwang.alarms.ingestion import ingest_batch

    devices = [DeviceFactory() for _n in range(40)]
    with CaptureQueriesContext(connection) as queries:
        ingest_batch([signed(device, type="sos") for device in devices], via="mqtt")
    own = [
        query["sql"]
        for query in queries.captured_queries
        if "core_liveevent" not in query["sql"] and "pg_notify" not in query["sql"]
        if "SAVEPOINT" not in query["sql"]
    ]
    assert len(own) <= 10, own
    assert Incident.objects.count() == 40 and DeviceEvent.objects.filter(incident__isnull=False).count() == 40


def test_a_batch_that_races_another_writer_is_taken_message_by_message(device, monkeypatch):
    """Another bridge stored one of the events between our look-up and our insert: the unique
    constraint refuses the bulk insert, and each message is then stored or found a duplicate alone."""
    from shouwang.alarms import ingestion

    raced = signed(device, type="sos", event_id="raced")
    ingestion.ingest_batch([raced], via="mqtt")
    real, calls = ingestion._new_events, []

    def missing_the_other_writer(events, results):
        calls.append(len(events))
        return list(events) if len(calls) == 1 else real(events, results)

    monkeypatch.setattr(ingestion, "_new_events", missing_the_other_writer)
    results = ingestion.ingest_batch([signed(device, type="motion"), raced], via="mqtt")
    assert [(r.accepted, r.duplicate) for r in results] == [(True, False), (True, True)]
    assert calls == [2, 1, 1]
    assert DeviceEvent.objects.filter(device=device).count() == 2
    assert Incident.objects.get(device=device).event_count == 1


# --- heartbeats are coalesced into the device (ADR 0017) -----------------------------------------------


def test_heartbeats_keep_the_live_state_without_an_event_row(device):
    earlier = timezone.now() - dt.timedelta(minutes=10)
    for event_id, ts, battery in (("hb1", earlier, 80), ("hb2", timezone.now(), 76)):
        body, signature = signed(device, type="heartbeat", event_id=event_id, ts=ts, battery=battery)
        assert ingest(body, signature=signature, via="http").accepted
    body, signature = signed(
        device, type="heartbeat", event_id="hb0", ts=earlier - dt.timedelta(minutes=5), battery=90
    )
    ingest(body, signature=signature, via="http")  # an older one, buffered by the device, arrives last
    device.refresh_from_db()
    assert DeviceEvent.objects.filter(device=device).count() == 0
    assert (device.heartbeats, device.last_heartbeat_event) == (3, "hb2")  # the latest by device time
    assert device.online and device.last_seen_at > earlier and device.battery == 90  # as received


def test_a_copy_of_the_latest_heartbeat_is_a_duplicate(device):
    body, signature = signed(device, type="heartbeat", event_id="hb-again")
    first = ingest(body, signature=signature, via="mqtt")
    again = ingest(body, signature=signature, via="mqtt")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert Device.objects.get(pk=device.pk).heartbeats == 1
