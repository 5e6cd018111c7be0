"""The MQTT bridge: devices publish to ``shouwang/devices/<device_id>/events``; we ingest and only then ack.

- MQTT v5, QoS 1, ``clean_start=False`` with a session expiry interval and a stable client id, so the
  broker keeps the subscription and the unacknowledged messages while the bridge is down.
- A shared subscription (``$share/<group>/shouwang/devices/+/events``): several bridges split the load,
  each message goes to one of them.
- ``manual_ack=True``: paho's thread only puts each message on a queue; one worker thread takes what is
  waiting (up to ``batch_size()`` messages, lingering at most ``batch_wait()`` after the oldest arrived),
  stores the batch in one transaction (``ingestion.ingest_batch``) and only then acknowledges each of its
  messages. A crash before the acks means redelivery, and the unique ``(device, event_id)`` turns the
  redelivery into a no-op. A malformed message is stored as a rejection and acknowledged, so it is not
  redelivered forever, and it never holds back the messages around it: whatever fails in decoding or
  checking one message refuses that message alone (``ingestion``).
- Alarms go first (``Inbox``): an alarm waiting in the inbox is taken before any heartbeat or other
  state event that arrived earlier, so a backlog of heartbeats (a network coming back) does not delay an
  SOS published behind it.
- Only what can succeed later is retried: the database being away or busy (``ingestion.TRANSIENT``).
  The batch is then retried with backoff (at most ``MAX_RETRY_DELAY`` apart) and not acknowledged until
  it is stored (or the bridge stops, leaving it to the broker for the next connection); a failure
  lasting longer than ``SHOUWANG_MQTT_ALERT_SECONDS`` raises an alert (``StorageAlert``): a CRITICAL log
  line, ``/healthz`` and a banner on the alarm console, until the batch is stored. Any other error out
  of storing (a bug) is never retried as a whole: the batch is stored message by message, and a message
  that still fails is kept as an ``unprocessable`` rejection.
- Acknowledgements go only to the connection a message came on: after a disconnect the broker
  redelivers what was not acknowledged, with the same packet ids, and a late ack of the old copy could
  otherwise acknowledge a different message that reused its id.
- paho reconnects by itself with backoff (``reconnect_delay_set``) and we subscribe again on every
  connect.
- Every ``ESCALATE_EVERY`` seconds the bridge loop also runs ``incidents.escalate_overdue``, so an
  unanswered urgent alarm is escalated within seconds even between scheduler ticks.

The message is ``{"body": "<the event JSON as a string>", "sig": "<hex HMAC-SHA256 of body>"}``.

What Mosquitto 2.0 does (measured against 127.0.0.1:1883, Mosquitto 2.0.11):

- A shared subscription of a persistent session keeps QoS 1 messages while its only member is offline
  and delivers them when it reconnects with the same client id (tests/alarms/test_bridge.py). A message
  delivered but not acknowledged is redelivered (DUP set) on reconnect.
- With several members, Mosquitto deals messages round-robin to every member, offline ones included: a
  bridge that is down holds its share until it comes back. So bridge client ids must be stable slots
  (``MQTT_CLIENT_ID`` = bridge-1, bridge-2, ...): a restarted bridge takes its slot and drains it, and a
  slot is removed only after it was drained; the session expiry (``MQTT_SESSION_EXPIRY``, one day) bounds
  how long a forgotten slot's messages wait before they are gone.
- The broker queues at most ``max_queued_messages`` per client, 1000 by default, and silently drops the
  rest. While the bridge is connected but behind, the backlog is kept in flight instead (we announce a
  receive maximum of 65535; unacknowledged in-flight messages are redelivered after a crash), so a slow
  bridge loses nothing. While no bridge is connected the cap applies: at 200 events/s a bridge may be
  down about 5 s before messages are lost (measured: SIGKILL, 3 s down at 400/s, 137 of 4000 lost).
  Production brokers must set ``max_queued_messages 0`` (or a bound sized for the longest outage, e.g.
  1000000) with ``max_queued_bytes`` as the memory guard, and ``persistence true`` so queues survive a
  broker restart; several bridges on distinct stable slots keep the topic drained while one restarts.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from .incidents import ALARM_EVENTS
from .ingestion import TRANSIENT, ingest_batch, max_event_bytes, reject_unprocessable
from .models import Via

logger = logging.getLogger(__name__)

TOPIC = "shouwang/devices/+/events"
ESCALATE_EVERY = 5.0
KEEPALIVE = 30
RECEIVE_MAXIMUM = 65535  # the MQTT v5 maximum
MAX_RETRY_DELAY = 10.0  # seconds between two attempts to store a batch while the database is away
# The envelope holds the body as a JSON string: escaping can make it up to six times the body's size.
MAX_ENVELOPE_BYTES_PER_BODY_BYTE = 6
ALARM_TYPES = tuple(str(kind) for kind in ALARM_EVENTS)  # the event types that open an incident
MAX_SNIFF_BYTES = 4096  # how far into a message ``is_alarm`` looks for its type
ALERTS_KEY = "alarms:storage-alerts"  # the cache entry listing the bridges whose storing fails


def batch_size() -> int:
    """At most this many messages per transaction: large enough that a backlog drains in a few big
    transactions, small enough that one stays short."""
    return settings.SHOUWANG_MQTT_BATCH_SIZE


def batch_wait() -> float:
    """How long (seconds) a batch may wait for more messages after its oldest one arrived: a little
    latency bought for fewer, larger transactions when traffic is steady. A backlog never waits."""
    return settings.SHOUWANG_MQTT_BATCH_WAIT


def share_group() -> str:
    return settings.SHOUWANG_MQTT_SHARE_GROUP


def alert_seconds() -> float:
    """How long storing may keep failing before the bridge raises its alert."""
    return settings.SHOUWANG_MQTT_ALERT_SECONDS


def session_expiry_seconds() -> int:
    """How long the broker keeps our session (subscription and queued messages) while we are away."""
    return settings.SHOUWANG_MQTT_SESSION_EXPIRY


def default_client_id() -> str:
    """Stable across restarts of the same bridge, so it finds its session again (MQTT_CLIENT_ID, or a name
    unique to the host and the data folder); set MQTT_CLIENT_ID per bridge when several serve one platform."""
    return settings.SHOUWANG_MQTT_CLIENT_ID


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False


def parse_mqtt_url(url: str) -> BrokerAddress:
    """``mqtt://[user:pass@]host[:port]`` (``mqtts://`` for TLS, default port 8883)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
        raise ValueError(f"not an MQTT URL: {url!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    return BrokerAddress(
        host=parts.hostname,
        port=parts.port or (8883 if tls else 1883),
        username=urllib.parse.unquote(parts.username) if parts.username else None,
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        tls=tls,
    )


def shared_topic(group: str | None = None) -> str:
    return f"$share/{group or share_group()}/{TOPIC}"


def envelope(body: bytes, signature: str) -> bytes:
    """What a device publishes: the signed body as a string, and its signature."""
    return json.dumps({"body": body.decode(), "sig": signature}).encode()


def unwrap(payload: bytes) -> tuple[bytes, str | None]:
    """The signed body and its signature from an MQTT message; ``(payload, None)`` when the envelope is
    malformed or too large, which ``ingest_batch`` records as a ``bad_json`` (or ``too_large``)
    rejection. Whatever goes wrong reading one envelope concerns that message only."""
    if len(payload) > max_event_bytes() * MAX_ENVELOPE_BYTES_PER_BODY_BYTE:
        return payload, None
    try:
        message = json.loads(payload)
        body, signature = message["body"], message["sig"]
        if isinstance(body, str) and isinstance(signature, str):
            return body.encode(), signature
    except Exception:  # noqa: BLE001 - RecursionError, UnicodeEncodeError of a lone surrogate, …
        pass
    return payload, None


# An event's type inside the envelope, where the body is a JSON string (its quotes escaped): read without
# decoding, so paho's thread spends microseconds on it. A body it does not recognise is not an alarm here
# and keeps its place in line; the ingestion still reads it properly.
ALARM_TYPE = re.compile(
    rb'\\?"type\\?"\s*:\s*\\?"(?:' + b"|".join(t.encode() for t in ALARM_TYPES) + rb')\\?"'
)


def is_alarm(payload: bytes) -> bool:
    """Whether a message carries an alarm (SOS, fall, smoke, gas, water, low battery): see ``Inbox``."""
    return ALARM_TYPE.search(payload[:MAX_SNIFF_BYTES]) is not None


def store(deliveries: list[Delivery]) -> None:
    """Ingest the messages in one transaction. Raises only when the database fails (the caller retries)."""
    ingest_batch(
        [unwrap(delivery.payload) for delivery in deliveries],
        via=Via.MQTT,
        received_at=[delivery.received_at for delivery in deliveries],
    )


@dataclass(frozen=True)
class Delivery:
    mid: int
    qos: int
    payload: bytes
    received_at: dt.datetime  # when it reached us: stored as the event's arrival time
    arrived: float  # the same, monotonic: how long it has waited
    connection: int  # which connection it came on (see ``Inbox``)


class Inbox:
    """What paho's thread hands to the worker, and the acknowledgements going back.

    Alarms go first: a message whose event is an alarm (``is_alarm``) waits in a queue of its own, and
    the worker takes every waiting alarm before any other message, without lingering for a fuller batch.
    A network coming back can put tens of thousands of queued heartbeats in flight at once (the bridges
    announce a receive maximum of 65535); an SOS published behind them is stored next, not after them.
    Acknowledgements then go out of arrival order, which Mosquitto and the other brokers we know accept
    (they track each packet id on its own).

    Every (re)connection and disconnection starts a new connection number; a message is acknowledged
    only if it came on the current one. After a disconnect the broker redelivers everything that was not
    acknowledged, with the same packet ids; a late ack of the old copy would reach the new connection
    and could acknowledge another message that reuses the id once the redelivered copy was acked."""

    def __init__(self) -> None:
        self._alarms: collections.deque[Delivery] = collections.deque()
        self._routine: collections.deque[Delivery] = collections.deque()
        self._ready = threading.Condition()
        self._lock = threading.Lock()
        self.connection = 0

    def put(self, message) -> None:
        delivery = Delivery(
            mid=message.mid,
            qos=message.qos,
            payload=message.payload,
            received_at=timezone.now(),
            arrived=time.monotonic(),
            connection=self.connection,
        )
        with self._ready:
            (self._alarms if is_alarm(message.payload) else self._routine).append(delivery)
            self._ready.notify()

    def new_connection(self) -> None:
        with self._lock:
            self.connection += 1

    def take(self, limit: int, wait: float, timeout: float) -> list[Delivery]:
        """Up to ``limit`` messages: the waiting alarms at once if there are any; else what is waiting,
        plus what arrives until ``wait`` seconds after the oldest of them arrived (an alarm arriving
        meanwhile is taken instead, at once); empty if nothing came within ``timeout``."""
        with self._ready:
            if not self._ready.wait_for(lambda: self._alarms or self._routine, timeout):
                return []
            if not self._alarms:
                deadline = self._routine[0].arrived + wait
                while len(self._routine) < limit and not self._alarms:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self._ready.wait(remaining):
                        break
            waiting = self._alarms or self._routine
            return [waiting.popleft() for _n in range(min(limit, len(waiting)))]

    def ack(self, client: mqtt.Client, deliveries: list[Delivery]) -> int:
        """Acknowledge the stored messages that came on the current connection; returns how many."""
        acked = 0
        with self._lock:
            for delivery in deliveries:
                if delivery.connection == self.connection:
                    client.ack(delivery.mid, delivery.qos)
                    acked += 1
        return acked


def make_client(
    *, client_id: str, address: BrokerAddress, on_message: Callable, on_connect: Callable | None = None
) -> mqtt.Client:
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=True
    )
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    client.on_message = on_message
    if on_connect:
        client.on_connect = on_connect
    return client


def connect_properties() -> Properties:
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = session_expiry_seconds()
    # Let the broker keep a backlog in flight to us (unacknowledged, so still redelivered after a crash)
    # instead of in its per-client queue, which Mosquitto caps at max_queued_messages (1000) and then
    # drops silently: measured, a slow consumer lost 2857 of 4000 messages with the default receive
    # maximum and none with this one.
    properties.ReceiveMaximum = RECEIVE_MAXIMUM
    return properties


def run_bridge(
    stop_event: threading.Event,
    *,
    url: str | None = None,
    client_id: str | None = None,
    group: str | None = None,
    ready: threading.Event | None = None,
    escalate: bool = True,
) -> None:
    """Run until ``stop_event`` is set; usable in a thread. ``ready`` is set once subscribed.

    Three threads: paho's (network, and ``on_message`` only queues), the worker (stores and acks), and
    the caller's, which escalates overdue incidents every few seconds. On stop the worker finishes the
    batch in hand (stored and acknowledged) and leaves the rest unacknowledged for the broker to
    redeliver to the next connection of this client id."""
    address = parse_mqtt_url(url or settings.MQTT_URL)
    topic = shared_topic(group)
    client_id = client_id or default_client_id()
    inbox = Inbox()

    def on_connect(client, userdata, flags, reason_code, properties):
        inbox.new_connection()
        if reason_code.is_failure:
            logger.warning("MQTT connect refused: %s", reason_code)
            return
        logger.info("MQTT connected as %s (session present: %s)", client_id, flags.session_present)
        client.subscribe(topic, qos=1)

    def on_subscribe(client, userdata, mid, reason_codes, properties):
        if ready is not None and not any(code.is_failure for code in reason_codes):
            ready.set()

    def on_message(client, userdata, message):
        inbox.put(message)

    def on_disconnect(client, userdata, flags, reason_code, properties):
        inbox.new_connection()

    client = make_client(client_id=client_id, address=address, on_message=on_message, on_connect=on_connect)
    client.on_subscribe = on_subscribe
    client.on_disconnect = on_disconnect
    worker = threading.Thread(
        target=_work,
        args=(client, inbox, stop_event, StorageAlert(client_id)),
        name="mqtt-bridge-worker",
        daemon=True,
    )
    worker.start()
    client.connect_async(
        address.host, address.port, keepalive=KEEPALIVE, clean_start=False, properties=connect_properties()
    )
    client.loop_start()  # paho's thread: (re)connects with backoff and calls on_message
    try:
        while not stop_event.wait(ESCALATE_EVERY):
            if escalate:
                _escalate_quietly()
    finally:
        stop_event.set()
        worker.join()
        client.disconnect()
        client.loop_stop()
        connections.close_all()
        logger.info("MQTT bridge stopped")


def _work(client: mqtt.Client, inbox: Inbox, stop_event: threading.Event, alert: StorageAlert) -> None:
    """The worker: batches from the inbox, each stored in one transaction, then acknowledged."""
    try:
        while not stop_event.is_set():
            batch = inbox.take(batch_size(), batch_wait(), timeout=0.5)
            if batch and _store_with_retry(batch, stop_event, alert):
                acked = inbox.ack(client, batch)
                logger.debug("stored %s messages, acknowledged %s", len(batch), acked)
    finally:
        connections.close_all()  # Django connections belong to their thread


def _store_with_retry(batch: list[Delivery], stop_event: threading.Event, alert: StorageAlert) -> bool:
    """True once the batch is stored (accepted, duplicates or rejections); False if we stopped first.
    Retries only while the database is away or busy (see the module docstring)."""
    delay = 0.2
    while True:
        try:
            _store_isolating(batch)
        except TRANSIENT as error:  # keep the messages unacknowledged and try again
            logger.error("storing %s messages failed (%s); retrying in %.1f s", len(batch), error, delay)
            alert.failing(error, waiting=len(batch))
            close_old_connections()
        else:
            alert.stored()
            return True
        if stop_event.wait(delay):
            return False
        delay = min(delay * 2, MAX_RETRY_DELAY)


def _store_isolating(batch: list[Delivery]) -> None:
    """Store the batch. Should that fail for another reason than the database being away (a bug:
    ``ingest_batch`` already refuses a bad message alone), store each message alone, and keep one that
    still fails as an ``unprocessable`` rejection: never retried as a whole, never blocking the others.
    Raises only ``TRANSIENT`` errors (then the caller retries the batch; what was stored of it meanwhile
    comes back as duplicates)."""
    try:
        store(batch)
    except TRANSIENT:
        raise
    except Exception:  # noqa: BLE001
        logger.exception("storing %s messages failed; storing them one by one", len(batch))
        for delivery in batch:
            try:
                store([delivery])
            except TRANSIENT:
                raise
            except Exception:  # noqa: BLE001
                logger.critical("a device message could not be stored; kept as a rejection", exc_info=True)
                reject_unprocessable(delivery.payload, via=Via.MQTT, at=delivery.received_at)


class StorageAlert:
    """Raises and clears this bridge's alert that storing fails (see the module docstring).

    The first failure is logged as an error; once failures have lasted ``alert_seconds()`` a CRITICAL
    line says so, and the cache entry ``ALERTS_KEY`` (read by ``/healthz`` and the alarm console through
    ``selectors.storage_alerts``; with ``REDIS_URL`` every process sees it) names this bridge, since when
    and why, until a batch is stored again. The cache being away as well must not stop the bridge."""

    def __init__(self, client_id: str):
        self.client_id = client_id
        self.since: float | None = None
        self.since_at: dt.datetime | None = None
        self.raised = False

    def failing(self, error: Exception, *, waiting: int) -> None:
        if self.since is None:
            self.since, self.since_at = time.monotonic(), timezone.now()
        seconds = time.monotonic() - self.since
        if seconds < alert_seconds():
            return
        if not self.raised:
            logger.critical(
                "ALARM STORAGE FAILING: bridge %s has not stored alarms for %.0f s (%s); %s messages wait",
                self.client_id,
                seconds,
                error,
                waiting,
            )
        self.raised = True
        entry = {"since": self.since_at.isoformat(), "error": str(error)[:300], "waiting": waiting}
        self._update(lambda alerts: {**alerts, self.client_id: entry})

    def stored(self) -> None:
        if self.since is None:
            return
        if self.raised:
            seconds = time.monotonic() - self.since
            logger.warning(
                "alarm storage recovered: bridge %s stores again after %.0f s", self.client_id, seconds
            )
            self._update(
                lambda alerts: {key: value for key, value in alerts.items() if key != self.client_id}
            )
        self.since = self.since_at = None
        self.raised = False

    def _update(self, change: Callable[[dict], dict]) -> None:
        try:
            alerts = change(cache.get(ALERTS_KEY) or {})
            if alerts:
                # A bridge that died while failing stops refreshing its entry: it expires.
                cache.set(ALERTS_KEY, alerts, timeout=alert_seconds() + 10 * MAX_RETRY_DELAY)
            else:
                cache.delete(ALERTS_KEY)
        except Exception:  # noqa: BLE001 - the log line above is the alert then
            logger.exception("could not record the alarm storage alert in the cache")


def _escalate_quietly() -> None:
    from .incidents import escalate_overdue

    close_old_connections()
    try:
        escalate_overdue()
    except Exception:  # escalation must not stop ingestion; the scheduler job also runs it
        logger.exception("escalation from the bridge failed")


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (for tests and the benchmark)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
