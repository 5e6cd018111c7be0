"""The MQTT path against the real broker at MQTT_URL: publish signed messages with paho, run the bridge in
a thread, and read what it stored. Skipped (with the reason printed) only when no broker answers."""

import json
import socket
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.db import OperationalError
from paho.mqtt.enums import CallbackAPIVersion

from shouwang.alarms.bridge import envelope, parse_mqtt_url, run_bridge, wait_for
from shouwang.alarms.models import Device, DeviceEvent, Incident, IngestRejection
from tests.alarms.factories import DeviceFactory, signed

ADDRESS = parse_mqtt_url(settings.MQTT_URL)


def until(predicate, timeout: float = 10) -> bool:
    """Poll the database until ``predicate`` holds; the test database (in-memory SQLite with a shared
    cache) answers "table is locked" instead of waiting while the bridge thread writes."""

    def attempt():
        try:
            return predicate()
        except OperationalError:
            return False

    return wait_for(attempt, timeout)


def settled(counters, *, quiet: float, timeout: float) -> bool:
    """Wait until ``counters`` have not changed for ``quiet`` seconds; False if they kept changing."""
    deadline = time.monotonic() + timeout
    last, since = dict(counters), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if dict(counters) != last:
            last, since = dict(counters), time.monotonic()
        elif time.monotonic() - since >= quiet:
            return True
    return False


def broker_reachable() -> bool:
    try:
        with socket.create_connection((ADDRESS.host, ADDRESS.port), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def broker():
    if not broker_reachable():
        print(f"MQTT broker at {settings.MQTT_URL} unreachable: skipping the MQTT tests")
        pytest.skip(f"MQTT broker at {settings.MQTT_URL} unreachable")


class Bridge:
    """One bridge in a thread, with its own client id and share group so parallel runs do not mix."""

    def __init__(self):
        self.client_id = f"test-bridge-{uuid.uuid4().hex[:8]}"
        self.group = f"test{uuid.uuid4().hex[:8]}"
        self.thread = None

    def start(self):
        self.stop_event, ready = threading.Event(), threading.Event()
        self.thread = threading.Thread(
            target=run_bridge,
            args=(self.stop_event,),
            kwargs={"client_id": self.client_id, "group": self.group, "ready": ready, "escalate": False},
            daemon=True,
        )
        self.thread.start()
        assert ready.wait(10), "the bridge did not subscribe"
        return self

    def stop(self):
        self.stop_event.set()
        self.thread.join(15)
        assert not self.thread.is_alive()


@pytest.fixture
def bridge(settings):
    # A short session expiry, and the session dropped at the end, so test sessions do not keep
    # collecting the topic's traffic on the shared broker.
    settings.SHOUWANG_MQTT_SESSION_EXPIRY = 120
    running = Bridge()
    yield running
    if running.thread and running.thread.is_alive():
        running.stop()
    forget_session(running.client_id)


def forget_session(client_id: str) -> None:
    """Connect once with a clean start and no expiry: the broker discards the session."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.connect(ADDRESS.host, ADDRESS.port, clean_start=True)
    client.loop_start()
    time.sleep(0.2)
    client.disconnect()
    client.loop_stop()


@pytest.fixture
def publisher():
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect(ADDRESS.host, ADDRESS.port)
    client.loop_start()

    def publish(device, payload: bytes):
        client.publish(f"shouwang/devices/{device.device_id}/events", payload, qos=1).wait_for_publish(5)

    yield publish
    client.disconnect()
    client.loop_stop()


def test_a_signed_sos_over_mqtt_becomes_an_incident(tree, bridge, publisher):
    device = DeviceFactory()
    bridge.start()
    body, signature = signed(device, type="sos", event_id="mqtt-1")
    publisher(device, envelope(body, signature))
    assert until(lambda: DeviceEvent.objects.filter(device=device, event_id="mqtt-1").exists())
    event = DeviceEvent.objects.get(device=device)
    assert event.via == "mqtt" and event.incident.priority == "urgent"


def test_redelivery_over_mqtt_has_one_effect(tree, bridge, publisher):
    device = DeviceFactory()
    bridge.start()
    body, signature = signed(device, type="fall", event_id="twice")
    publisher(device, envelope(body, signature))
    publisher(device, envelope(body, signature))
    body2, signature2 = signed(device, type="motion", event_id="marker")
    publisher(device, envelope(body2, signature2))
    assert until(lambda: DeviceEvent.objects.filter(event_id="marker").exists())
    assert DeviceEvent.objects.filter(device=device, event_id="twice").count() == 1
    assert Incident.objects.get(device=device).event_count == 1


def test_a_bad_message_is_stored_as_a_rejection_and_not_redelivered(tree, bridge, publisher):
    device = DeviceFactory()
    bridge.start()
    publisher(device, b"not an envelope")
    body, _signature = signed(device, type="sos")
    publisher(device, envelope(body, "f" * 64))
    assert until(lambda: IngestRejection.objects.filter(via="mqtt").count() >= 2)
    bridge.stop()
    bridge.start()  # same client id and session: an unacknowledged message would come back now
    time.sleep(1.0)
    reasons = sorted(IngestRejection.objects.filter(via="mqtt").values_list("reason", flat=True))
    assert reasons == ["bad_json", "bad_signature"]
    assert Incident.objects.count() == 0


def test_a_poison_between_two_alarms_is_rejected_and_both_alarms_are_stored(tree, bridge, publisher):
    """The report's body ('[' * 100000 + ']' * 100000) once made the bridge retry its batch forever
    without acknowledging, and the SOS after it was never stored. Now each poison is acknowledged as a
    rejection (nothing comes back on reconnect) and both alarms around it are stored."""
    device = DeviceFactory()
    bridge.start()
    deep = "[" * 8000 + "]" * 8000
    nul_device = json.dumps({"device_id": "dv\u0000", "event_id": "x", "type": "sos", "ts": "now"})
    poisons = [
        b"[" * 100_000 + b"]" * 100_000,  # as reported: too large
        json.dumps({"body": deep, "sig": "00"}).encode(),  # nested deeper than the JSON parser goes
        json.dumps({"body": nul_device, "sig": "00"}).encode(),  # NUL: refused by PostgreSQL in a query
    ]
    for n, poison in enumerate(poisons):
        body, signature = signed(device, type="sos", event_id=f"before{n}")
        publisher(device, envelope(body, signature))
        publisher(device, poison)
        body, signature = signed(device, type="fall", event_id=f"after{n}")
        publisher(device, envelope(body, signature))
    assert until(lambda: DeviceEvent.objects.filter(device=device).count() == 6)
    assert until(lambda: IngestRejection.objects.filter(via="mqtt").count() == 3)
    bridge.stop()
    bridge.start()  # same session: an unacknowledged poison would come back now
    time.sleep(1.0)
    reasons = sorted(IngestRejection.objects.filter(via="mqtt").values_list("reason", flat=True))
    assert reasons == ["bad_json", "too_large", "unknown_device"]
    assert Incident.objects.get(device=device).event_count == 6


def test_messages_published_while_the_bridge_is_down_are_delivered(tree, bridge, publisher):
    """The persistent session keeps the shared subscription's QoS 1 messages while its only member is
    offline (measured on Mosquitto 2.0: it does)."""
    device = DeviceFactory()
    bridge.start()
    bridge.stop()
    for n in range(5):
        body, signature = signed(device, type="motion" if n % 2 else "heartbeat", event_id=f"offline{n}")
        publisher(device, envelope(body, signature))
    bridge.start()
    assert until(lambda: DeviceEvent.objects.filter(device=device).count() == 2)  # the motions
    assert until(lambda: Device.objects.get(pk=device.pk).heartbeats == 3)


def test_mqtt_url_parsing():
    assert parse_mqtt_url("mqtt://127.0.0.1:1883") == parse_mqtt_url("mqtt://127.0.0.1")
    address = parse_mqtt_url("mqtts://bridge:p%40ss@broker.example:8884")
    assert (address.host, address.port, address.username, address.password, address.tls) == (
        "broker.example",
        8884,
        "bridge",
        "p@ss",
        True,
    )
    assert parse_mqtt_url("mqtts://broker").port == 8883
    with pytest.raises(ValueError):
        parse_mqtt_url("http://broker")


def test_a_crash_between_commit_and_ack_redelivers_without_a_second_effect(
    tree, bridge, publisher, monkeypatch
):
    """Stored but never acknowledged (as if the bridge died right after the commit): the broker redelivers
    it to the same session on reconnect, and the redelivery is recognised as a duplicate."""
    from shouwang.alarms import ingestion

    device = DeviceFactory()
    monkeypatch.setattr(mqtt.Client, "ack", lambda self, mid, qos: mqtt.MQTT_ERR_SUCCESS)
    bridge.start()
    body, signature = signed(device, type="sos", event_id="crash")
    publisher(device, envelope(body, signature))
    assert until(lambda: DeviceEvent.objects.filter(device=device, event_id="crash").exists())
    bridge.stop()
    monkeypatch.undo()
    duplicates = ingestion.COUNTERS["duplicate"]
    bridge.start()
    assert wait_for(lambda: ingestion.COUNTERS["duplicate"] > duplicates, 10)
    assert DeviceEvent.objects.filter(device=device).count() == 1
    assert Incident.objects.get(device=device).event_count == 1


def test_a_backlog_is_stored_in_batches_and_each_message_acknowledged_once(tree, bridge, publisher):
    """Published faster than one message per transaction: all stored, and nothing comes back when the
    same session reconnects (every message of every batch was acknowledged)."""
    from shouwang.alarms import ingestion

    devices = [DeviceFactory() for _n in range(3)]
    bridge.start()
    for n in range(150):
        device = devices[n % 3]
        body, signature = signed(device, type="heartbeat" if n % 5 else "sos", event_id=f"bulk{n}")
        publisher(device, envelope(body, signature))
    # 30 SOS stored as events, 120 heartbeats counted on their devices
    assert until(lambda: DeviceEvent.objects.filter(event_id__startswith="bulk").count() == 30, 30)
    assert until(
        lambda: (
            sum(Device.objects.filter(pk__in=[d.pk for d in devices]).values_list("heartbeats", flat=True))
            == 120
        ),
        30,
    )
    # Under load the broker may deliver a copy late (a publisher's retry); it is stored as a duplicate
    # and acknowledged. Stop only once the bridge has been idle, so what the restart brings is a
    # message that was never acknowledged, not one still on its way.
    assert settled(ingestion.COUNTERS, quiet=1.5, timeout=20)
    bridge.stop()
    duplicates = ingestion.COUNTERS["duplicate"]
    bridge.start()
    time.sleep(1.0)
    assert ingestion.COUNTERS["duplicate"] == duplicates
    assert Incident.objects.filter(device__in=devices).count() == 3  # the SOS of each device joined


# --- the worker's parts, without the broker --------------------------------------------------------------


class FakeMessage:
    def __init__(self, mid: int):
        self.mid, self.qos, self.payload = mid, 1, b"{}"


class AckRecorder:
    def __init__(self):
        self.acked = []

    def ack(self, mid, qos):
        self.acked.append(mid)


def test_the_inbox_hands_over_what_is_waiting_up_to_the_limit():
    from shouwang.alarms.bridge import Inbox

    inbox = Inbox()
    for mid in range(1, 8):
        inbox.put(FakeMessage(mid))
    assert [d.mid for d in inbox.take(limit=5, wait=0, timeout=0.1)] == [1, 2, 3, 4, 5]
    assert [d.mid for d in inbox.take(limit=5, wait=0, timeout=0.1)] == [6, 7]
    assert inbox.take(limit=5, wait=0, timeout=0.05) == []


def _event_message(mid: int, type: str) -> FakeMessage:
    from shouwang.alarms.bridge import envelope

    message = FakeMessage(mid)
    body = json.dumps(
        {"device_id": "dv_x", "event_id": f"e{mid}", "type": type, "ts": "2026-01-01T00:00:00+08:00"}
    )
    message.payload = envelope(body.encode(), "0" * 64)
    return message


def test_alarms_are_taken_before_a_backlog_of_heartbeats():
    """A network coming back: thousands of heartbeats in flight, then an SOS and a fall behind them."""
    from shouwang.alarms.bridge import Inbox

    inbox = Inbox()
    for mid in range(1, 2001):
        inbox.put(_event_message(mid, "heartbeat"))
    inbox.put(_event_message(2001, "sos"))
    inbox.put(_event_message(2002, "fall"))
    assert [d.mid for d in inbox.take(limit=500, wait=5, timeout=0.1)] == [2001, 2002]  # no lingering
    first_routine = inbox.take(limit=500, wait=0, timeout=0.1)
    assert [d.mid for d in first_routine] == list(range(1, 501))  # then the backlog, in order


def test_an_alarm_arriving_while_a_batch_lingers_is_taken_at_once():
    from shouwang.alarms.bridge import Inbox

    inbox = Inbox()
    inbox.put(_event_message(1, "heartbeat"))
    threading.Timer(0.2, lambda: inbox.put(_event_message(2, "gas"))).start()
    started = time.monotonic()
    assert [d.mid for d in inbox.take(limit=500, wait=10, timeout=1)] == [2]
    assert time.monotonic() - started < 5  # not the 10 s the heartbeat's batch would have waited
    assert [d.mid for d in inbox.take(limit=500, wait=0, timeout=0.1)] == [1]


def test_only_messages_of_the_current_connection_are_acknowledged():
    """After a reconnect the broker redelivers what was not acknowledged, under the same packet ids: an
    ack of the old copy could acknowledge another message that reuses the id."""
    from shouwang.alarms.bridge import Inbox

    inbox, client = Inbox(), AckRecorder()
    inbox.put(FakeMessage(1))
    old = inbox.take(limit=10, wait=0, timeout=0.1)
    inbox.new_connection()
    inbox.put(FakeMessage(1))  # the redelivered copy
    new = inbox.take(limit=10, wait=0, timeout=0.1)
    assert inbox.ack(client, old) == 0
    assert inbox.ack(client, new) == 1
    assert client.acked == [1]


def test_a_failing_database_keeps_the_batch_unacknowledged_and_retried(monkeypatch):
    from shouwang.alarms import bridge as bridge_module

    attempts = []

    def flaky(batch):
        attempts.append(len(batch))
        if len(attempts) < 3:
            raise OperationalError("database is locked")

    monkeypatch.setattr(bridge_module, "store", flaky)
    batch = [object(), object()]
    alert = bridge_module.StorageAlert("test")
    assert bridge_module._store_with_retry(batch, threading.Event(), alert) is True
    assert attempts == [2, 2, 2]
    stopped = threading.Event()
    stopped.set()
    attempts.clear()
    assert bridge_module._store_with_retry(batch, stopped, alert) is False  # stopping: left to the broker
    assert attempts == [2]


def _deliveries(*payloads):
    """One batch of ``payloads`` as the worker takes it off the inbox, in this order."""
    from django.utils import timezone

    from shouwang.alarms.bridge import Delivery

    return [
        Delivery(
            mid=mid,
            qos=1,
            payload=payload,
            received_at=timezone.now(),
            arrived=time.monotonic(),
            connection=0,
        )
        for mid, payload in enumerate(payloads, start=1)
    ]


@pytest.mark.django_db
def test_an_error_that_is_not_the_database_is_never_retried_as_a_whole(tree, monkeypatch):
    """A bug raising out of storing (here: for one message) is not retried forever: the batch is stored
    message by message, the failing one kept as an ``unprocessable`` rejection, and the batch is done
    (acknowledged) with the alarms around it stored."""
    from shouwang.alarms import bridge as bridge_module

    device = DeviceFactory()
    real_store, attempts = bridge_module.store, []

    def buggy(batch):
        attempts.append(len(batch))
        if any(delivery.payload == b"poison" for delivery in batch):
            raise RuntimeError("a bug")
        real_store(batch)

    monkeypatch.setattr(bridge_module, "store", buggy)
    batch = _deliveries(
        envelope(*signed(device, type="sos", event_id="before")),
        b"poison",
        envelope(*signed(device, type="fall", event_id="after")),
    )
    alert = bridge_module.StorageAlert("test")
    assert bridge_module._store_with_retry(batch, threading.Event(), alert) is True
    assert attempts == [3, 1, 1, 1]
    assert set(DeviceEvent.objects.values_list("event_id", flat=True)) == {"before", "after"}
    assert IngestRejection.objects.get().reason == "unprocessable"


@pytest.mark.django_db
def test_storage_failing_past_the_threshold_raises_an_alert_until_stored(tree, settings, monkeypatch, caplog):
    """The database away longer than SHOUWANG_MQTT_ALERT_SECONDS: a CRITICAL log line and an entry that
    /healthz and the alarm console show; cleared once the batch is stored."""
    from django.core.cache import cache

    from shouwang.alarms import bridge as bridge_module
    from shouwang.alarms.selectors import storage_alerts

    settings.SHOUWANG_MQTT_ALERT_SECONDS = 0
    cache.delete(bridge_module.ALERTS_KEY)
    seen = []

    def away_twice(batch):
        if len(seen) < 2:
            seen.append(storage_alerts())
            raise OperationalError("connection refused")
        seen.append(storage_alerts())

    monkeypatch.setattr(bridge_module, "store", away_twice)
    monkeypatch.setattr(bridge_module, "MAX_RETRY_DELAY", 0.01)
    alert = bridge_module.StorageAlert("bridge-7")
    with caplog.at_level("WARNING", logger="shouwang.alarms.bridge"):
        assert bridge_module._store_with_retry([object()], threading.Event(), alert) is True
    assert seen[0] == []
    assert [entry["bridge"] for entry in seen[2]] == ["bridge-7"]
    assert seen[2][0]["waiting"] == 1 and "connection refused" in seen[2][0]["error"]
    assert storage_alerts() == []
    critical = [record for record in caplog.records if record.levelname == "CRITICAL"]
    assert len(critical) == 1 and "ALARM STORAGE FAILING" in critical[0].getMessage()
    assert "alarm storage recovered" in caplog.text


@pytest.mark.django_db
def test_the_alert_shows_on_healthz_and_the_alarm_console(client, tree, operator, settings):
    from django.core.cache import cache

    from shouwang.alarms import bridge as bridge_module

    settings.SHOUWANG_MQTT_ALERT_SECONDS = 0
    cache.delete(bridge_module.ALERTS_KEY)
    assert client.get("/healthz").json()["status"] == "ok"
    alert = bridge_module.StorageAlert("bridge-9")
    alert.failing(OperationalError("connection refused"), waiting=12)
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert [(entry["bridge"], entry["waiting"]) for entry in health.json()["alarm_storage"]] == [
        ("bridge-9", 12)
    ]
    client.force_login(operator)
    page = client.get("/alarms/console/").content.decode()
    assert page.count("data-storage-alert") == 1 and "bridge-9" in page
    alert.stored()
    assert "data-storage-alert" not in client.get("/alarms/console/").content.decode()
    assert client.get("/healthz").json()["status"] == "ok"
