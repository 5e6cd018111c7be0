"""One bad message never holds back the others: every poison below, sent between two valid SOS alarms,
is refused and recorded as a rejection while both alarms are stored (ingestion and the HTTP endpoint;
the MQTT path is in test_bridge.py). Several of them only broke the batch on PostgreSQL (NUL bytes)."""

import json

import pytest
from django.db import OperationalError
from django.utils import timezone

from shouwang.alarms.ingestion import ingest_batch, sign
from shouwang.alarms.models import DeviceEvent, Incident, IngestRejection
from tests.alarms.factories import DeviceFactory, signed

pytestmark = pytest.mark.django_db

URL = "/api/v1/devices/events"
ISSUE_BODY = b"[" * 100_000 + b"]" * 100_000  # as reported: over the size limit, refused unread
DEEP = b"[" * 8_000 + b"]" * 8_000  # within the size limit, nested deeper than the JSON parser goes


def _event(device, **fields) -> bytes:
    payload = {
        "device_id": device.device_id,
        "event_id": "p1",
        "type": "sos",
        "ts": timezone.now().isoformat(),
    }
    payload.update(fields)
    return json.dumps(payload).encode()


def poisons(device) -> list[tuple[str, bytes, str, str]]:
    """(name, body, signature, reason): bodies that once raised out of ingestion or broke its batch."""
    nul_event = _event(device, event_id="e\u0000vil")
    cases = [
        ("deep nesting", DEEP, "x", "bad_json"),
        ("deep nesting inside an object", b'{"a": ' + DEEP + b"}", "x", "bad_json"),
        ("invalid UTF-8", b'{"device_id": "\xff\xfe"}', "x", "bad_json"),
        ("NUL in the device id", _event(device, device_id="dv\u0000x"), "x", "unknown_device"),
        (
            "lone surrogate in the device id",
            b'{"device_id": "dv\\ud800", "event_id": "1"}',
            "x",
            "unknown_device",
        ),
        ("device id a list", _event(device, device_id=["dv"]), "x", "missing_fields"),
        ("NUL in the event id", nul_event, sign(nul_event, device.secret), "missing_fields"),
        ("NUL bytes in the raw body", b"\x00" * 50, "x", "bad_json"),
        ("too large: the nested body of the report", ISSUE_BODY, "x", "too_large"),
    ]
    surrogate = _event(device).replace(b'"p1"', b'"p\\udfff"')
    cases.append(
        ("lone surrogate in the event id", surrogate, sign(surrogate, device.secret), "missing_fields")
    )
    return cases


def _two_alarms(device):
    return signed(device, type="sos", event_id="before"), signed(device, type="fall", event_id="after")


@pytest.mark.parametrize("index", range(10))
def test_a_poison_between_two_alarms_is_rejected_and_both_alarms_are_stored(tree, index):
    device = DeviceFactory()
    name, body, signature, reason = poisons(device)[index]
    before, after = _two_alarms(device)
    results = ingest_batch([before, (body, signature), after], via="mqtt")
    assert [(r.accepted, r.reason) for r in results] == [(True, ""), (False, reason), (True, "")], name
    assert set(DeviceEvent.objects.values_list("event_id", flat=True)) == {"before", "after"}
    assert IngestRejection.objects.get().reason == reason
    assert Incident.objects.get(device=device).event_count == 2


@pytest.mark.parametrize("index", range(10))
def test_a_poison_over_http_between_two_alarms_is_refused_and_both_alarms_are_stored(client, tree, index):
    device = DeviceFactory()
    name, body, signature, reason = poisons(device)[index]
    answers = []
    for message_body, message_signature in [
        _two_alarms(device)[0],
        (body, signature),
        _two_alarms(device)[1],
    ]:
        answers.append(
            client.post(
                URL,
                data=message_body,
                content_type="application/json",
                headers={"X-Signature": message_signature},
            )
        )
    assert answers[0].status_code == answers[2].status_code == 202, name
    assert answers[1].status_code in (401, 413, 422), name
    assert answers[1].json()["code"] in (reason, "unauthenticated"), name
    assert set(DeviceEvent.objects.values_list("event_id", flat=True)) == {"before", "after"}
    assert IngestRejection.objects.get().reason == reason


def test_a_message_that_cannot_be_stored_alone_is_a_rejection_and_the_others_are_stored(tree, monkeypatch):
    """Whatever breaks a batch's transaction (here the device's event insert refused for one event id,
    as a database refuses a value it cannot hold), the batch is taken message by message: the one that
    still fails is kept as an ``unprocessable`` rejection, the others are stored."""
    device = DeviceFactory()
    before, after = _two_alarms(device)
    poison = signed(device, type="sos", event_id="unstorable")
    real_bulk_create = DeviceEvent.objects.bulk_create

    def refusing(events, *args, **kwargs):
        if any(event.event_id == "unstorable" for event in events):
            raise ValueError("a value the database cannot hold")
        return real_bulk_create(events, *args, **kwargs)

    monkeypatch.setattr(DeviceEvent.objects, "bulk_create", refusing)
    results = ingest_batch([before, poison, after], via="mqtt")
    assert [(r.accepted, r.reason) for r in results] == [(True, ""), (False, "unprocessable"), (True, "")]
    assert set(DeviceEvent.objects.values_list("event_id", flat=True)) == {"before", "after"}
    assert IngestRejection.objects.get().reason == "unprocessable"


def test_the_database_being_away_is_raised_for_the_caller_to_retry(tree, monkeypatch):
    """Only a failure that can pass (the database away or busy) leaves ingest_batch, storing nothing."""
    device = DeviceFactory()

    def away(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(DeviceEvent.objects, "bulk_create", away)
    with pytest.raises(OperationalError):
        ingest_batch(list(_two_alarms(device)), via="mqtt")
    assert IngestRejection.objects.count() == 0
