"""Alarm benchmark: MQTT publish → incident on the SSE stream, with the bridge killed mid-stream.

    uv run python bench/alarms.py --database sqlite            # 200 alarms/s for 60 s
    uv run python bench/alarms.py --database postgres
    uv run python bench/alarms.py --database sqlite --seconds 5  # a quick smoke

Against a real broker: by default its own Mosquitto from bench/mosquitto.conf on 127.0.0.1:18830 (no
persistence, ``max_queued_messages 0``, so what a killed bridge misses waits for it — the stock
1,000-message queue cap would drop alarms, see docs/operations.md); ``--broker env`` uses MQTT_URL
instead. Sets up a throwaway
database like ``import_elders.py`` (a temporary SQLite file, or a fresh PostgreSQL database dropped at the
end), loads the demo district's regions and accounts, and registers one elder and one SOS device per
alarm to be sent, so that every alarm opens its own incident: the expected number is known. Then:

1. starts the bridge as a subprocess (``shouwang mqtt-bridge``, so it can be SIGKILLed) and the web
   server (uvicorn) as another, and opens an SSE client on ``/api/v1/incidents/stream`` (bearer token);
2. subscribes a plain MQTT client to the same topic: the raw broker round trip, the floor;
3. publishes ``--rate`` alarm events per second (QoS 1) for ``--seconds``, each from a different device,
   and re-publishes every ``--duplicate-every``-th message a second time (a device retrying);
4. SIGKILLs the bridge at ``--kill-at`` of the run and restarts it ``--down-seconds`` later with the same
   client id (its persistent session holds what was published meanwhile);
5. waits for every incident to appear on the stream, then counts: events stored exactly once (stored =
   distinct event ids published), incidents = alarms published, each seen once on the stream, no
   rejections.

With ``--poison-every N`` a poison message follows every N-th alarm on the same topic: in turn the
reported deeply nested body (``'[' * 100000 + ']' * 100000``, over the size limit) and an envelope whose
body is nested deeper than the JSON parser goes. Each must be rejected and acknowledged while every alarm
is stored; compare the alarms' latency with a run without poison (issue 14, finding 1).

Latency per event: publish → the incident's ``created`` message read by the SSE client; and publish →
the plain subscriber (the floor). Percentiles for the stream before the kill (the 200/s stream as it
runs), for the steady state (before the kill, or more than 5 s after the restart) and for every event.
Prints the figures and writes bench/results/alarms-<database>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from import_elders import run_and_record, setup_django

BENCH = Path(__file__).resolve().parent
SHOUWANG = Path(sys.executable).parent / "shouwang"
ALARM_TYPES = ("sos", "fall", "smoke", "gas")
CATCH_UP_SECONDS = 5.0
POISONS = (
    b"[" * 100_000 + b"]" * 100_000,  # as reported in issue 14: over the size limit
    json.dumps({"body": "[" * 8000 + "]" * 8000, "sig": "00"}).encode(),  # deeper than the parser goes
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rate", type=int, default=200, help="alarm events per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kill-at", type=float, default=0.5, help="share of the run when the bridge dies")
    parser.add_argument("--down-seconds", type=float, default=2.0)
    parser.add_argument("--duplicate-every", type=int, default=50)
    parser.add_argument(
        "--poison-every", type=int, default=0, help="a poison message after every N-th alarm (0: none)"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--broker",
        choices=("own", "env"),
        default="own",
        help="own: Mosquitto from bench/mosquitto.conf on 127.0.0.1:18830; env: the broker at MQTT_URL",
    )
    parser.add_argument(
        "--drain-timeout", type=float, default=30.0, help="give up after this long without progress"
    )
    args = parser.parse_args()
    # The full run is alarms-<database>.json; other rates get their own file instead of replacing it.
    suffix = "" if args.rate == 200 else f"-{args.rate}per-s"
    if not 0 < args.kill_at < 1:
        suffix += "-nokill"
    if args.poison_every:
        suffix += f"-poison-every-{args.poison_every}"
    broker = start_broker() if args.broker == "own" else None
    try:
        run_and_record(args, f"alarms-{args.database}{suffix}", benchmark)
    finally:
        if broker:
            broker.terminate()
            broker.wait(10)


def start_broker() -> subprocess.Popen:
    """Mosquitto from bench/mosquitto.conf: its own port, no persistence, max_queued_messages 0."""
    process = subprocess.Popen(
        ["/usr/sbin/mosquitto", "-c", str(BENCH / "mosquitto.conf")], start_new_session=True
    )
    os.environ["MQTT_URL"] = "mqtt://127.0.0.1:18830"  # before setup_django: the settings read it
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", 18830), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mosquitto did not start") from None
            time.sleep(0.1)


# --- set-up ----------------------------------------------------------------------------------------------
def provision(count: int) -> tuple[list[tuple[str, str]], str]:
    """``count`` elders with one SOS pendant each, spread over the demo communities; and an admin token."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from shouwang.accounts.services import create_api_token, create_user
    from shouwang.alarms.models import Device
    from shouwang.core.actors import SYSTEM
    from shouwang.core.idnumbers import make_resident_id
    from shouwang.demo.loader import _load_regions
    from shouwang.elders.models import Elder

    call_command("migrate", verbosity=0)
    # The demo district's regions: the elders and devices are spread over its communities.
    communities = [region.code for region in _load_regions()]
    now = timezone.now()
    born = [dt.date(1940, 1, 1) + dt.timedelta(days=n % 9000) for n in range(count)]
    elders = Elder.objects.bulk_create(
        [
            Elder(
                name=f"测试{n}",
                name_initials="cs",
                # Unique for up to 9 million: 9000 birth dates × 999 sequence numbers.
                id_number=make_resident_id("220202", born[n], n // 9000 + 1),
                sex="M",
                birth_date=born[n],
                community_id=communities[n % len(communities)],
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    devices = Device.objects.bulk_create(
        [
            Device(
                device_id=f"dv_bench{n:06d}",
                serial=f"BENCH{n:08d}",
                type="sos_pendant",
                vendor="bench",
                secret=secrets.token_hex(16),
                elder=elder,
                bound_at=now,
                community_id=elder.community_id,
            )
            for n, elder in enumerate(elders)
        ],
        batch_size=2000,
    )
    admin = create_user(
        actor=SYSTEM, username="bench", password=secrets.token_urlsafe(16), role="admin", full_name="bench"
    )
    _, token = create_api_token(actor=SYSTEM, user=admin, name="bench")
    return [(device.device_id, device.secret) for device in devices], token


def child_env() -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="shouwang.settings",
        # No escalation traffic during the run: only the alarms themselves reach the stream.
        ALARM_ACK_SECONDS="86400",
        LOG_LEVEL="WARNING",
    )
    return env


class Bridge:
    """``shouwang mqtt-bridge`` as a subprocess with a fixed client id, killable with SIGKILL."""

    def __init__(self):
        self.client_id = f"bench-bridge-{uuid.uuid4().hex[:8]}"
        self.group = f"bench{uuid.uuid4().hex[:8]}"
        self.process = None

    def start(self) -> None:
        command = [str(SHOUWANG), "mqtt-bridge", "--client-id", self.client_id, "--group", self.group]
        self.process = subprocess.Popen(
            command, env=child_env(), stdout=subprocess.DEVNULL, start_new_session=True
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


class WebServer:
    def __init__(self, port: int):
        self.port = port
        command = [
            sys.executable, "-m", "uvicorn", "shouwang.asgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off", "--log-level", "warning",
            "--timeout-graceful-shutdown", "1",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, env=child_env(), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the web server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(15)


# --- the measuring clients -------------------------------------------------------------------------------
class SseClient(threading.Thread):
    """Reads the incident stream; records when each device's incident was first announced."""

    def __init__(self, port: int, token: str, after: int):
        super().__init__(daemon=True)
        self.port, self.token, self.after = port, token, after
        self.created: dict[str, float] = {}
        self.created_count: dict[str, int] = {}
        self.messages = 0
        self.connected = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            connection.request(
                "GET",
                f"/api/v1/incidents/stream?after={self.after}",
                headers={"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"},
            )
            response = connection.getresponse()
            if response.status != 200:
                raise RuntimeError(f"stream answered {response.status}")
            self.connected.set()
            while True:
                line = response.readline()
                if not line:
                    break
                if line.startswith(b"data: "):
                    self._message(json.loads(line[6:]))
        except Exception as problem:  # reported in the results
            self.error = repr(problem)
            self.connected.set()

    def _message(self, incident: dict) -> None:
        received = time.monotonic()
        self.messages += 1
        if incident.get("change") != "created":
            return
        device = incident["device_id"]
        self.created.setdefault(device, received)
        self.created_count[device] = self.created_count.get(device, 0) + 1


class FloorSubscriber:
    """A plain (non-shared) subscriber on the devices' topic: when the broker hands each message on."""

    def __init__(self, address):
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.received: dict[str, float] = {}
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"bench-floor-{uuid.uuid4().hex[:8]}"
        )
        self.client.on_message = self._message
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.on_connect = lambda client, *a: client.subscribe("shouwang/devices/+/events", qos=1)
        self.client.connect(address.host, address.port)
        self.client.loop_start()
        if not self.subscribed.wait(10):
            raise RuntimeError("the floor subscriber did not subscribe")

    def _message(self, client, userdata, message) -> None:
        received = time.monotonic()
        device = message.topic.split("/")[2]
        self.received.setdefault(device, received)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def publisher(address):
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"bench-devices-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5
    )
    client.max_inflight_messages_set(1000)
    client.connect(address.host, address.port)
    client.loop_start()
    return client


def wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def drain(stream: SseClient, total: int, stall_seconds: float) -> bool:
    """Wait until every incident is on the stream, as long as the backlog keeps moving."""
    seen, last_progress = -1, time.monotonic()
    while len(stream.created) < total:
        if len(stream.created) != seen:
            seen, last_progress = len(stream.created), time.monotonic()
            print(f"    {seen:,} of {total:,} incidents on the stream", flush=True)
        elif time.monotonic() - last_progress > stall_seconds:
            return False
        time.sleep(2.0)
    return True


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))] * 1000, 1)

    return {
        "n": len(ordered),
        "p50_ms": at(0.50),
        "p90_ms": at(0.90),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


# --- the run ---------------------------------------------------------------------------------------------
def benchmark(args) -> dict:
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Sum

    from shouwang.alarms.bridge import envelope, parse_mqtt_url
    from shouwang.alarms.ingestion import sign
    from shouwang.alarms.models import DeviceEvent, Incident, IngestRejection
    from shouwang.core.live import latest_id

    total = int(args.rate * args.seconds)
    address = parse_mqtt_url(settings.MQTT_URL)
    print(
        f"alarm benchmark: {args.rate}/s for {args.seconds:g} s = {total:,} alarms, {connection.vendor}, "
        f"broker {settings.MQTT_URL}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    devices, token = provision(total)
    connection.close()  # the children write; keep no SQLite read snapshot open here
    bridge, web = Bridge(), WebServer(args.port)
    floor = FloorSubscriber(address)
    stream = SseClient(args.port, token, latest_id())
    stream.start()
    stream.connected.wait(30)
    bridge.start()
    client = publisher(address)
    probe_until_subscribed(client, bridge, devices[0])

    published: dict[str, float] = {}
    duplicates = poisons = 0
    kill_at = int(total * args.kill_at) if 0 < args.kill_at < 1 else None
    killed_at = restarted_at = None
    interval = 1.0 / args.rate
    started = next_at = time.monotonic()
    for n, (device_id, secret) in enumerate(devices):
        if n == kill_at:
            bridge.kill()
            killed_at = time.monotonic()
            print(f"  bridge SIGKILLed after {n:,} alarms; restarting in {args.down_seconds:g} s")
        if killed_at and restarted_at is None and time.monotonic() - killed_at >= args.down_seconds:
            bridge.start()
            restarted_at = time.monotonic()
        body = json.dumps(
            {
                "device_id": device_id,
                "event_id": f"bench-{n}",
                "type": ALARM_TYPES[n % len(ALARM_TYPES)],
                "ts": time_now_iso(),
                "battery": 80,
            }
        ).encode()
        message = envelope(body, sign(body, secret))
        topic = f"shouwang/devices/{device_id}/events"
        published[device_id] = time.monotonic()
        client.publish(topic, message, qos=1)
        if args.duplicate_every and n % args.duplicate_every == 0:
            client.publish(topic, message, qos=1)  # a device that did not hear the ack sends it again
            duplicates += 1
        if args.poison_every and n % args.poison_every == 0:
            client.publish(topic, POISONS[poisons % len(POISONS)], qos=1)
            poisons += 1
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    publish_seconds = time.monotonic() - started
    if killed_at and restarted_at is None:
        bridge.start()
        restarted_at = time.monotonic()
    print(
        f"  published {total:,} alarms (+{duplicates} repeats, {poisons} poisons) "
        f"in {publish_seconds:.1f} s; draining…"
    )

    drained = drain(stream, total, args.drain_timeout)
    drain_seconds = time.monotonic() - started - publish_seconds
    time.sleep(1.0)  # anything arriving late (a duplicate announcement) is counted too
    client.disconnect()
    client.loop_stop()
    floor.stop()
    bridge.stop()
    web.stop()

    connection.close()
    stored = DeviceEvent.objects.filter(event_id__startswith="bench-").count()
    distinct_stored = (
        DeviceEvent.objects.filter(event_id__startswith="bench-").values("event_id").distinct().count()
    )
    incidents = Incident.objects.filter(device__device_id__startswith="dv_bench").count()
    # Other clients of the same broker (tests, a simulator) reach our bridge too: their unknown devices
    # are rejected and counted apart.
    refused = IngestRejection.objects.filter(via="mqtt")
    rejections = refused.filter(device_id__startswith="dv_bench").aggregate(n=Sum("count"))["n"] or 0
    poisons_rejected = (
        refused.filter(device_id="", reason__in=("too_large", "bad_json")).aggregate(n=Sum("count"))["n"] or 0
    )
    other_rejections = (
        refused.exclude(device_id__startswith="dv_bench").aggregate(n=Sum("count"))["n"] or 0
    ) - (poisons_rejected)

    def latencies(received: dict[str, float], phase: str) -> list[float]:
        """``phase``: "all", "before_kill", or "steady" (before the kill or after the catch-up)."""
        values = []
        for device_id, sent in published.items():
            if device_id not in received:
                continue
            if phase == "before_kill" and killed_at and sent >= killed_at:
                continue
            if (
                phase == "steady"
                and killed_at
                and killed_at <= sent <= (restarted_at or sent) + CATCH_UP_SECONDS
            ):
                continue
            values.append(received[device_id] - sent)
        return values

    seen_twice = sum(1 for n in stream.created_count.values() if n > 1)
    results = {
        "benchmark": "alarms",
        "database": args.database,
        "broker": settings.MQTT_URL,
        "rate_per_s": args.rate,
        "seconds": args.seconds,
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "published_alarms": total,
        "published_repeats": duplicates,
        "published_poisons": poisons,
        "poisons_rejected": poisons_rejected,
        "publish_seconds": round(publish_seconds, 2),
        "bridge_killed_after_alarms": kill_at,
        "bridge_down_seconds": round(restarted_at - killed_at, 2) if killed_at and restarted_at else None,
        "stored_events": stored,
        "stored_distinct_event_ids": distinct_stored,
        "incidents": incidents,
        "incidents_expected": total,
        "rejections": rejections,
        "rejections_of_other_traffic": other_rejections,
        "stream_incidents_seen": len(stream.created),
        "stream_incidents_announced_twice": seen_twice,
        "stream_messages": stream.messages,
        "stream_error": stream.error,
        "drained": drained,
        "drain_seconds_after_publishing": round(drain_seconds, 1),
        "ingest_rate_per_s": round(stored / (publish_seconds + drain_seconds), 1),
        "lost": total - stored,
        "duplicated": stored - distinct_stored + max(0, incidents - total),
        "latency_publish_to_stream_before_kill": percentiles(latencies(stream.created, "before_kill")),
        "latency_publish_to_stream_steady": percentiles(latencies(stream.created, "steady")),
        "latency_publish_to_stream_all": percentiles(latencies(stream.created, "all")),
        "latency_broker_floor_before_kill": percentiles(latencies(floor.received, "before_kill")),
        "latency_broker_floor_steady": percentiles(latencies(floor.received, "steady")),
        "latency_broker_floor_all": percentiles(latencies(floor.received, "all")),
    }
    ok = (
        stored == distinct_stored == total
        and incidents == total
        and len(stream.created) == total
        and seen_twice == 0
        and rejections == 0
        and poisons_rejected >= poisons
    )
    results["zero_lost_zero_duplicated"] = ok
    print_results(results)
    return results


def probe_until_subscribed(client, bridge: Bridge, device: tuple[str, str]) -> None:
    """Motion events from the first device until the bridge stores one: then its subscription (and the
    broker-side session the restart resumes) exists. Probe events are not counted."""
    from django.db import connection

    from shouwang.alarms.bridge import envelope
    from shouwang.alarms.ingestion import sign
    from shouwang.alarms.models import DeviceEvent

    device_id, secret = device
    for n in range(200):
        body = json.dumps(
            {"device_id": device_id, "event_id": f"probe-{n}", "type": "motion", "ts": time_now_iso()}
        ).encode()
        client.publish(f"shouwang/devices/{device_id}/events", envelope(body, sign(body, secret)), qos=1)
        time.sleep(0.25)
        stored = DeviceEvent.objects.filter(event_id__startswith="probe-").exists()
        connection.close()
        if stored:
            return
        if bridge.process.poll() is not None:
            raise RuntimeError("the bridge exited")
    raise RuntimeError("the bridge stored nothing within 50 s")


def time_now_iso() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat()


def print_results(results: dict) -> None:
    def line(label: str, figures: dict) -> str:
        if not figures.get("n"):
            return f"  {label:<34} —"
        return (
            f"  {label:<34} p50 {figures['p50_ms']:>7} ms   p99 {figures['p99_ms']:>7} ms   "
            f"max {figures['max_ms']:>7} ms   (n={figures['n']:,})"
        )

    for phase, label in (
        ("before_kill", "before the kill"),
        ("steady", "steady state"),
        ("all", "every event"),
    ):
        print(line(f"publish → SSE, {label}", results[f"latency_publish_to_stream_{phase}"]))
        print(line(f"broker floor, {label}", results[f"latency_broker_floor_{phase}"]))
    r = results
    print(
        f"  stored {r['stored_events']:,} events ({r['stored_distinct_event_ids']:,} distinct) of "
        f"{r['published_alarms']:,} published (+{r['published_repeats']} repeats); incidents "
        f"{r['incidents']:,} of {r['incidents_expected']:,}; on the stream {r['stream_incidents_seen']:,} "
        f"({r['stream_incidents_announced_twice']} twice); rejections {r['rejections']}; poisons "
        f"{r['published_poisons']} published, {r['poisons_rejected']} rejected"
    )
    verdict = "yes" if results["zero_lost_zero_duplicated"] else "NO"
    print(f"  zero lost, zero duplicated: {verdict}")


if __name__ == "__main__":
    main()
