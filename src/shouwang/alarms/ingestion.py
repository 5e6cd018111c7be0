"""One ingestion contract for both paths (the MQTT bridge and the HTTP webhook).

A message is the JSON body a device signed with HMAC-SHA256 under its own secret. ``ingest_batch``
verifies each signature over the raw bytes, validates the fields, and in ONE transaction for the whole
batch stores the events, updates the devices' live state and opens or joins incidents. The caller
acknowledges the messages only after it returned, so a crash before that means redelivery, and the
unique ``(device, event_id)`` makes the redelivery a no-op: at least once on the wire, exactly one
effect in the database. ``ingest`` (the webhook: one message) is a batch of one.

Heartbeats, most of the traffic of a city's devices, are not stored as events (ADR 0017): each updates
its device's live state (last seen, battery, position), its latest heartbeat and its count of them, in
the same one UPDATE the batch makes anyway; a copy of the latest heartbeat is a duplicate. Every other
event, alarms above all, is stored as it came.

A batch costs a fixed handful of queries whatever its size (the bridge hands over up to a few hundred
messages at a time): its devices in one query, the already stored ``(device, event_id)`` pairs in one,
the events in one bulk insert, the devices' live state in one bulk update, the incidents and their
steps and audit records in bulk (``incidents.record_alarm_events``), the rejections in one upsert. The
changes of incidents are announced (``signals.announce``) inside the batch's transaction.

Nothing a device sends can raise out of ``ingest_batch`` or hold back the other messages of its batch:
every refusal is counted (``IngestRejection``, per hour, source, reason and device; and ``COUNTERS``)
and answered by an ``IngestResult`` with ``accepted=False``. Decoding and checking a message touch no
database, so any error there refuses that message alone. Should the batch's transaction still fail for
another reason than the database being away (a value the database cannot hold, a bug), the batch is
taken again message by message and a message that fails alone is kept as an ``unprocessable``
rejection. ``ingest_batch`` raises only when the database is away or busy (``TRANSIENT``: it may succeed
later, so the caller retries), and then nothing of the batch is stored.

Over HTTP an address with too many refused posts in a minute is answered 429 unread for the rest of it
(``too_many_rejections``), so junk costs neither rows nor work.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from .incidents import record_alarm_events
from .models import (
    MEASUREMENT_FIELDS,
    Device,
    DeviceEvent,
    DeviceState,
    EventType,
    Incident,
    IngestRejection,
    RejectReason,
    Via,
)
from .signals import announce, measurements_recorded

logger = logging.getLogger(__name__)

# How far a device clock may run ahead of ours, and how old a buffered event may still be accepted.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
MAX_EVENT_AGE = dt.timedelta(hours=getattr(settings, "SHOUWANG_ALARM_MAX_EVENT_AGE_HOURS", 168))
REQUIRED_FIELDS = ("device_id", "event_id", "type", "ts")
DEVICE_ID_LENGTH = Device._meta.get_field("device_id").max_length
EVENT_ID_LENGTH = DeviceEvent._meta.get_field("event_id").max_length
# What can pass: the database away, restarting, locked or in a deadlock. Retried by the caller; anything
# else is the batch's own fault and is never retried as a whole.
TRANSIENT = (OperationalError, InterfaceError)
LIVE_STATE_FIELDS = [
    "online",
    "last_seen_at",
    "battery",
    "last_lat",
    "last_lon",
    "last_heartbeat_at",
    "last_heartbeat_event",
    "heartbeats",
]
LIVE_STATE_CHUNK = 55  # devices per UPDATE: 17 parameters each, under SQLite's historic 999
# What makes a rejection count's row (its unique constraint), and what a row holds.
REJECTION_KEY = ("hour", "via", "source", "reason", "device_id")
REJECTION_FIELDS = (*REJECTION_KEY, "count", "received_at", "excerpt")
REJECTION_CHUNK = 100  # rows per INSERT: 8 parameters each
REJECTION_WINDOW_SECONDS = 60  # the rate limit of refused HTTP requests counts per address and minute

# Process-local counts (accepted, duplicate, and one per rejection reason) for logs and the benchmark;
# the durable count is the IngestRejection table.
COUNTERS: collections.Counter[str] = collections.Counter()
_counter_lock = threading.Lock()


@dataclass
class IngestResult:
    accepted: bool
    duplicate: bool = False
    reason: str = ""
    event: DeviceEvent | None = None
    incident: Any = None  # an Incident, when the event opened or joined one


class Rejected(Exception):
    def __init__(self, reason: str, device_id: str = ""):
        super().__init__(reason)
        self.reason, self.device_id = reason, device_id


def max_event_bytes() -> int:
    """A device event is a few hundred bytes; a body over this is refused unread (``too_large``)."""
    return settings.SHOUWANG_ALARM_MAX_EVENT_BYTES


def too_many_rejections(source: str) -> bool:
    """Whether ``source`` (a client address) had ``SHOUWANG_DEVICE_EVENT_REJECTIONS_PER_MINUTE`` requests
    refused in the current minute: then its requests are answered 429 unread until the minute is over.
    Counts only refusals, so a vendor cloud posting many good events is never slowed. 0: no limit."""
    limit = settings.SHOUWANG_DEVICE_EVENT_REJECTIONS_PER_MINUTE
    if not limit or not source:
        return False
    if (cache.get(_rejections_key(source)) or 0) < limit:
        return False
    _count("rate_limited")
    return True


def count_rejection(source: str) -> None:
    """One more refused request from ``source`` in the current minute (in the cache, shared by the web
    processes with ``REDIS_URL``)."""
    if not source:
        return
    key = _rejections_key(source)
    cache.add(key, 0, timeout=2 * REJECTION_WINDOW_SECONDS)
    try:
        refused = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, refused := 1, timeout=2 * REJECTION_WINDOW_SECONDS)
    if refused == settings.SHOUWANG_DEVICE_EVENT_REJECTIONS_PER_MINUTE:
        logger.warning(
            "device events from %s: %s refused this minute, refusing the rest unread", source, refused
        )


def _rejections_key(source: str) -> str:
    return f"alarms:event-rejections:{source}:{int(time.time() // REJECTION_WINDOW_SECONDS)}"


# Who says whether a measurement's numbers are plausible (the health app, which knows the ranges):
# ``check(type, values) -> bool``; registered in its AppConfig.ready(). None: any finite number goes.
_measurement_checks: list[Callable[[str, dict[str, float]], bool]] = []


def register_measurement_check(check: Callable[[str, dict[str, float]], bool]) -> None:
    if check not in _measurement_checks:
        _measurement_checks.append(check)


def sign(body: bytes, secret: str) -> str:
    """The hex HMAC-SHA256 of ``body`` under ``secret``: what a device puts in ``X-Signature``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def ingest(raw_body: bytes, *, signature: str, via: str, source: str = "") -> IngestResult:
    """Verify, validate and store one event; see the module docstring. Never raises for bad input."""
    return ingest_batch([(raw_body, signature)], via=via, source=source)[0]


def ingest_batch(
    messages: Sequence[tuple[bytes, str | None]],
    *,
    via: str,
    received_at: Sequence[dt.datetime] | None = None,
    source: str = "",
) -> list[IngestResult]:
    """Verify, validate and store ``messages`` (``(raw body, signature)`` each) in one transaction; one
    result per message, in order. ``received_at`` gives each message's arrival time (default: now);
    ``source`` where they came from (the client address over HTTP), counted with the rejections. A
    signature of None means the transport's envelope around the body could not be read: the message is
    a ``bad_json`` rejection. Repeats of an event, stored before or earlier in the batch, are duplicates.

    Should the batch's transaction fail for any reason but the database being away, the batch is taken
    again message by message: another process that stored one of its events between our look-up and our
    insert (two bridges given the same redelivered message) makes that one a duplicate, and a message
    that fails on its own is kept as an ``unprocessable`` rejection. Raises only ``TRANSIENT`` errors."""
    if not messages:
        return []
    arrivals = list(received_at) if received_at is not None else [timezone.now()] * len(messages)
    try:
        results = _store_batch(messages, via, arrivals, source)
    except TRANSIENT:
        raise
    except Exception as error:  # noqa: BLE001 - whatever broke the batch, the other messages go on
        if len(messages) == 1:
            return [_store_alone(messages[0], via, arrivals[0], source, error)]  # counted there
        logger.info("a batch of %s failed (%r); storing it message by message", len(messages), error)
        return [
            ingest_batch([message], via=via, received_at=[arrival], source=source)[0]
            for message, arrival in zip(messages, arrivals, strict=True)
        ]
    for result in results:
        _count(_outcome(result))
    return results


def _store_alone(message, via: str, arrival: dt.datetime, source: str, error: Exception) -> IngestResult:
    """One message whose transaction failed. Raced by another writer (the unique constraint refused our
    insert): the look-up now finds the other's event, a duplicate. Anything else: kept as an
    ``unprocessable`` rejection, so it is acknowledged and never blocks the messages after it."""
    if isinstance(error, IntegrityError):
        try:
            result = _store_batch([message], via, [arrival], source)[0]
        except TRANSIENT:
            raise
        except Exception as again:  # noqa: BLE001
            error = again
        else:
            _count(_outcome(result))
            return result
    # CRITICAL: it may have been a real alarm; its excerpt is in the rejection, the cause in this line.
    logger.critical(
        "a device message could not be stored; kept as an unprocessable rejection", exc_info=error
    )
    return reject_unprocessable(message[0], via=via, at=arrival, source=source)


def reject_unprocessable(raw: bytes, *, via: str, at: dt.datetime, source: str = "") -> IngestResult:
    """Keep a message that could not be stored as an ``unprocessable`` rejection and count it; raises only
    when the database is away. Its rejection row holds nothing of the message a database could refuse."""
    rejected = Rejected(RejectReason.UNPROCESSABLE)
    try:
        with transaction.atomic():
            _record_rejections([_rejection(rejected, via=via, source=source, raw=raw, at=at)])
    except TRANSIENT:
        raise
    except Exception:  # noqa: BLE001 - counted and logged: the message is refused all the same
        logger.exception("the rejection of a device message could not be stored either")
    result = IngestResult(accepted=False, reason=rejected.reason)
    _count(_outcome(result))
    return result


def _outcome(result: IngestResult) -> str:
    if not result.accepted:
        return f"rejected:{result.reason}"
    return "duplicate" if result.duplicate else "accepted"


def _store_batch(messages, via: str, arrivals: list[dt.datetime], source: str) -> list[IngestResult]:
    payloads = [_payload(raw, signature) for raw, signature in messages]
    results: list[IngestResult | None] = [None] * len(messages)
    rejections: list[IngestRejection] = []
    with transaction.atomic():
        devices = _devices_of(payloads)
        events: list[tuple[int, DeviceEvent]] = []
        for n, ((raw, signature), payload, arrival) in enumerate(
            zip(messages, payloads, arrivals, strict=True)
        ):
            try:
                device, fields = _checked(raw, signature, payload, devices, arrival)
            except Rejected as rejected:
                rejections.append(_rejection(rejected, via=via, source=source, raw=raw, at=arrival))
                results[n] = IngestResult(accepted=False, reason=rejected.reason)
                continue
            events.append((n, DeviceEvent(device=device, received_at=arrival, via=via, **fields)))
        beats = _new_heartbeats(
            [(n, event) for n, event in events if event.type == EventType.HEARTBEAT], results
        )
        fresh = _new_events([(n, event) for n, event in events if event.type != EventType.HEARTBEAT], results)
        changes = record_alarm_events([event for _n, event in fresh])
        DeviceEvent.objects.bulk_create([event for _n, event in fresh])
        if measured := [event for _n, event in fresh if event.values is not None]:
            measurements_recorded.send(sender=DeviceEvent, events=measured)
        _update_live_state([event for _n, event in fresh], [beat for _n, beat in beats])
        _record_rejections(rejections)
        _announce(changes)
    for n, event in fresh:
        results[n] = IngestResult(accepted=True, event=event, incident=event.incident)
    for n, _beat in beats:
        results[n] = IngestResult(accepted=True)  # coalesced into the device's live state, no event row
    return results


def _checked(raw: bytes, signature, payload, devices: dict[str, Device], arrival: dt.datetime):
    """The message's device and event fields, or ``Rejected``. Nothing here touches the database, so an
    error of any kind is this message's own: it refuses the message, never the batch."""
    if isinstance(payload, Rejected):
        raise payload
    try:
        device = _device_for(payload, devices)
        _verify(device, raw, signature)
        if device.state == DeviceState.RETIRED:  # told only to the holder of its secret
            raise Rejected(RejectReason.RETIRED_DEVICE, device.device_id)
        return device, _fields(payload, device, arrival)
    except Rejected:
        raise
    except Exception:  # noqa: BLE001
        logger.exception("checking a device message failed; refused as unprocessable")
        raise Rejected(RejectReason.UNPROCESSABLE) from None


def _announce(changes: list[tuple[Incident, str]]) -> None:
    """Announce every change of the batch inside its transaction (``signals.announce``: the live push
    writes its message in it, so a bridge killed right after the commit loses no message). A receiver
    that broke the transaction without raising would make the commit a silent rollback, and the caller
    would acknowledge messages that are not stored: refuse the batch instead, so it is retried."""
    for incident, change in changes:
        announce(incident, change)
    if changes and transaction.get_rollback():
        raise DatabaseError("a receiver of incident_recorded broke the ingest transaction")


def _rejection(rejected: Rejected, *, via: str, source: str, raw: bytes, at: dt.datetime) -> IngestRejection:
    """One refusal, to be added to its hour's count (``_record_rejections``)."""
    known_device = rejected.reason != RejectReason.UNKNOWN_DEVICE  # else the id is the sender's choice
    return IngestRejection(
        hour=at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0),
        reason=rejected.reason,
        via=via,
        source=source[:64],
        device_id=rejected.device_id
        if known_device and _is_plain_id(rejected.device_id, DEVICE_ID_LENGTH)
        else "",
        count=1,
        received_at=at,
        # NUL is the one character PostgreSQL cannot keep in text; decoding with "replace" already
        # turned every undecodable byte into U+FFFD.
        excerpt=raw[:300].decode("utf-8", "replace").replace("\x00", "\ufffd"),
    )


def _record_rejections(rejections: list[IngestRejection]) -> None:
    """Add refusals to their hourly counts: those of one key merged here, then one ``INSERT … ON CONFLICT
    DO UPDATE`` (SQLite and PostgreSQL both have it) per chunk, which adds to a row another process may
    be adding to at the same moment without a lost update. The latest refusal gives the excerpt."""
    merged: dict[tuple, IngestRejection] = {}
    for rejection in rejections:
        key = tuple(getattr(rejection, name) for name in REJECTION_KEY)
        if key in merged:
            rejection.count += merged[key].count
        merged[key] = rejection
    rows = list(merged.values())
    for start in range(0, len(rows), REJECTION_CHUNK):
        _upsert_rejections(rows[start : start + REJECTION_CHUNK])


def _upsert_rejections(rows: list[IngestRejection]) -> None:
    quote = connection.ops.quote_name
    fields = [IngestRejection._meta.get_field(name) for name in REJECTION_FIELDS]
    table = quote(IngestRejection._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    params = [
        field.get_db_prep_value(getattr(row, field.name), connection) for row in rows for field in fields
    ]
    key = ", ".join(quote(IngestRejection._meta.get_field(name).column) for name in REJECTION_KEY)
    count, received_at, excerpt = (quote(name) for name in ("count", "received_at", "excerpt"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT ({key}) DO UPDATE SET "
            f"{count} = {table}.{count} + excluded.{count}, {received_at} = excluded.{received_at}, "
            f"{excerpt} = excluded.{excerpt}",
            params,
        )


def _count(name: str) -> None:
    with _counter_lock:
        COUNTERS[name] += 1


def _payload(raw_body: bytes, signature: str | None) -> dict | Rejected:
    """The decoded JSON object, or the rejection (returned, not raised: a batch goes on)."""
    if len(raw_body) > max_event_bytes():
        return Rejected(RejectReason.TOO_LARGE)
    if signature is None:
        return Rejected(RejectReason.BAD_JSON)
    try:
        payload = json.loads(raw_body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        return Rejected(RejectReason.BAD_JSON)
    return payload if isinstance(payload, dict) else Rejected(RejectReason.BAD_JSON)


def _devices_of(payloads: list[dict | Rejected]) -> dict[str, Device]:
    """The batch's devices by ``device_id``, in one query, with the elder (and its community) and the
    community an alarm's incident and its live payload need. Locked until the batch commits, in id order
    so that concurrent batches (several bridges, the webhook) never deadlock on them: the live-state
    update writes them anyway, and the lock makes the burst join of one device's alarms serial."""
    device_ids = {
        payload["device_id"]
        for payload in payloads
        if isinstance(payload, dict) and _is_plain_id(payload.get("device_id"), DEVICE_ID_LENGTH)
    }
    if not device_ids:
        return {}
    devices = (
        Device.objects.select_for_update(of=("self",))
        .select_related("elder__community", "community")
        .filter(device_id__in=device_ids)
        .order_by("pk")
    )
    return {device.device_id: device for device in devices}


def _device_for(payload: dict, devices: dict[str, Device]) -> Device:
    device_id = payload.get("device_id")
    if not isinstance(device_id, str) or not device_id:
        raise Rejected(RejectReason.MISSING_FIELDS)
    device = devices.get(device_id)  # an id no device can have (too long, NUL, …) was never looked up
    if device is None:
        raise Rejected(RejectReason.UNKNOWN_DEVICE, device_id)
    return device


def _verify(device: Device, raw_body: bytes, signature: str) -> None:
    expected = sign(raw_body, device.secret)
    if not isinstance(signature, str) or not hmac.compare_digest(expected, signature.strip().lower()):
        raise Rejected(RejectReason.BAD_SIGNATURE, device.device_id)


def _fields(payload: dict, device: Device, now: dt.datetime) -> dict:
    """The event's validated values, or ``Rejected``."""
    reject_as = lambda reason: Rejected(reason, device.device_id)  # noqa: E731
    if any(payload.get(name) in (None, "") for name in REQUIRED_FIELDS):
        raise reject_as(RejectReason.MISSING_FIELDS)
    event_id, kind, ts_text = payload["event_id"], payload["type"], payload["ts"]
    if isinstance(event_id, bool) or not isinstance(event_id, str | int) or not isinstance(ts_text, str):
        raise reject_as(RejectReason.MISSING_FIELDS)
    if not _is_plain_id(str(event_id), EVENT_ID_LENGTH):
        raise reject_as(RejectReason.MISSING_FIELDS)
    if kind not in EventType.values:
        raise reject_as(RejectReason.UNKNOWN_TYPE)
    ts = _timestamp(ts_text, now, reject_as)
    fields = {
        "event_id": str(event_id),
        "type": kind,
        "ts": ts,
        "late": now - ts > dt.timedelta(minutes=settings.SHOUWANG_ALARM_LATE_MINUTES),
        "battery": None,
        "lat": None,
        "lon": None,
        "values": _measurement(payload, kind, reject_as) if kind in MEASUREMENT_FIELDS else None,
    }
    if "battery" in payload and payload["battery"] is not None:
        battery = payload["battery"]
        if not isinstance(battery, int | float) or isinstance(battery, bool) or not 0 <= battery <= 100:
            raise reject_as(RejectReason.MISSING_FIELDS)
        fields["battery"] = round(battery)
    if payload.get("location") is not None:
        fields["lat"], fields["lon"] = _location(payload["location"], reject_as)
    return fields


def _measurement(payload: dict, kind: str, reject_as) -> dict[str, float]:
    """A measurement event's numbers: each named one present and finite, and plausible to every
    registered check (a systolic pressure of 900 is a broken device, refused as ``implausible``)."""
    values = {}
    for name in MEASUREMENT_FIELDS[kind]:
        number = payload.get(name)
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise reject_as(RejectReason.MISSING_FIELDS)
        values[name] = float(number)
    if not all(check(kind, values) for check in _measurement_checks):
        raise reject_as(RejectReason.IMPLAUSIBLE)
    return values


def _is_plain_id(value, max_length: int) -> bool:
    """An identifier both databases keep as it is: a string of printable characters (no NUL, no control
    character, no lone surrogate) within the column's length."""
    return isinstance(value, str) and 0 < len(value) <= max_length and value.isprintable()


def _timestamp(text: str, now: dt.datetime, reject_as) -> dt.datetime:
    try:
        ts = dt.datetime.fromisoformat(text)
    except ValueError:
        raise reject_as(RejectReason.BAD_TIMESTAMP) from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise reject_as(RejectReason.BAD_TIMESTAMP)
    if ts > now + FUTURE_TOLERANCE:
        raise reject_as(RejectReason.FUTURE_TIMESTAMP)
    if ts < now - MAX_EVENT_AGE:
        raise reject_as(RejectReason.STALE_TIMESTAMP)
    return ts.astimezone(dt.UTC)


def _location(location: Any, reject_as) -> tuple[float, float]:
    try:
        lat, lon = float(location["lat"]), float(location["lon"])
    except (TypeError, KeyError, ValueError):
        raise reject_as(RejectReason.MISSING_FIELDS) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise reject_as(RejectReason.MISSING_FIELDS)
    return lat, lon


def _new_events(
    events: list[tuple[int, DeviceEvent]], results: list[IngestResult | None]
) -> list[tuple[int, DeviceEvent]]:
    """The events not stored yet, each once; the others' results are set to duplicates. One query for the
    pairs already stored (by the unique index), and a set for repeats inside the batch."""
    if not events:
        return []
    stored = set(
        DeviceEvent.objects.filter(
            device_id__in={event.device_id for _n, event in events},
            event_id__in={event.event_id for _n, event in events},
        ).values_list("device_id", "event_id")
    )
    return _first_of_each(events, stored, results)


def _new_heartbeats(
    beats: list[tuple[int, DeviceEvent]], results: list[IngestResult | None]
) -> list[tuple[int, DeviceEvent]]:
    """The heartbeats to count, each once; a copy of the device's latest heartbeat (redelivered by the
    broker, or posted twice) and a repeat inside the batch are duplicates. No query: the devices were
    loaded, locked, with their latest heartbeat's id. A redelivered copy of an older heartbeat is counted
    again; only the fleet-wide ratio of received to expected heartbeats reads the count, and the live
    state takes the latest values whatever the order."""
    latest = {(beat.device_id, beat.device.last_heartbeat_event) for _n, beat in beats}
    return _first_of_each(beats, latest, results)


def _first_of_each(
    events: list[tuple[int, DeviceEvent]], seen: set[tuple[int, str]], results: list[IngestResult | None]
) -> list[tuple[int, DeviceEvent]]:
    """The events whose ``(device, event_id)`` is not in ``seen`` yet, each once; the others' results
    are set to duplicates."""
    fresh = []
    for n, event in events:
        key = (event.device_id, event.event_id)
        if key in seen:
            results[n] = IngestResult(accepted=True, duplicate=True)
            continue
        seen.add(key)
        fresh.append((n, event))
    return fresh


def _update_live_state(events: list[DeviceEvent], beats: list[DeviceEvent]) -> None:
    """The batch's devices: online, last seen, and the battery and position of their latest events that
    carry them; their heartbeats counted, the latest remembered; see ``_write_live_state``."""
    devices: dict[int, Device] = {}
    for beat in beats:
        device = devices.setdefault(beat.device_id, beat.device)
        device.heartbeats += 1
        if device.last_heartbeat_at is None or beat.ts >= device.last_heartbeat_at:
            device.last_heartbeat_at, device.last_heartbeat_event = beat.ts, beat.event_id
    for event in (*events, *beats):
        device = devices.setdefault(event.device_id, event.device)
        device.online = True
        device.last_seen_at = max(device.last_seen_at or event.received_at, event.received_at)
        if event.battery is not None:
            device.battery = event.battery
        if event.lat is not None:
            device.last_lat, device.last_lon = event.lat, event.lon
    chunk = list(devices.values())
    for start in range(0, len(chunk), LIVE_STATE_CHUNK):
        _write_live_state(chunk[start : start + LIVE_STATE_CHUNK])


def _write_live_state(devices: list[Device]) -> None:
    """One UPDATE for many devices, a ``CASE id WHEN … THEN …`` per column. Written out here because
    ``bulk_update`` builds the same statement through an expression per device and column, which cost
    more than everything else in a batch (3 ms per device); the devices are locked, so writing back their
    loaded values for the columns an event did not change changes nothing."""
    field = {name: Device._meta.get_field(name) for name in LIVE_STATE_FIELDS}
    quote = connection.ops.quote_name
    pk = quote(Device._meta.pk.column)
    assignments, params = [], []
    for name in LIVE_STATE_FIELDS:
        column = quote(field[name].column)
        cases = " ".join(["WHEN %s THEN %s"] * len(devices))
        assignments.append(f"{column} = CASE {pk} {cases} ELSE {column} END")
        for device in devices:
            params += [device.pk, field[name].get_db_prep_value(getattr(device, name), connection)]
    placeholders = ", ".join(["%s"] * len(devices))
    params += [device.pk for device in devices]
    table = quote(Device._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {', '.join(assignments)} WHERE {pk} IN ({placeholders})", params)


__all__ = ["COUNTERS", "IngestResult", "Via", "ingest", "ingest_batch", "sign"]
