"""``shouwang simulate-devices``: realistic signed traffic from the devices in the database, so the console
comes alive in the demo: mostly heartbeats, now and then motion, a door or a daily check-in, rarely an
alarm (SOS, fall, smoke, gas, water). Over MQTT (default, to MQTT_URL) or HTTP (``--http URL``)."""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shouwang.alarms.ingestion import sign
from shouwang.alarms.models import Device, DeviceState

# What each kind of device sends when something happens (alarms) and in ordinary life (activity).
ALARMS = {
    "sos_pendant": ["sos"],
    "call_box": ["sos"],
    "watch": ["fall", "sos"],
    "smoke": ["smoke"],
    "gas": ["gas"],
    "water": ["water"],
    "bed": ["fall"],
}
ACTIVITY = {
    "sos_pendant": ["checkin"],
    "call_box": ["checkin"],
    "watch": ["motion", "checkin"],
    "door": ["door_open"],
    "motion": ["motion"],
    "bed": ["motion"],
}
ACTIVITY_SHARE = 0.15
TOPIC = "shouwang/devices/{device_id}/events"


@dataclass
class SimulatedDevice:
    device_id: str
    secret: str
    type: str
    lat: float | None
    lon: float | None
    battery: int = field(default_factory=lambda: random.randint(40, 100))

    def next_event(self, alarm_share: float) -> dict:
        roll = random.random()
        if roll < alarm_share and self.type in ALARMS:
            kind = random.choice(ALARMS[self.type])
        elif roll < alarm_share + ACTIVITY_SHARE and self.type in ACTIVITY:
            kind = random.choice(ACTIVITY[self.type])
        else:
            kind = "heartbeat"
            self.battery = max(0, self.battery - random.choice((0, 0, 0, 1)))
            if self.battery < 20 and random.random() < 0.2:
                kind = "low_battery"
        event = {
            "device_id": self.device_id,
            "event_id": uuid.uuid4().hex,
            "type": kind,
            "ts": timezone.localtime().isoformat(timespec="seconds"),
            "battery": self.battery,
        }
        if self.type == "watch" and self.lat is not None and self.lon is not None:
            # A watch reports where it is: near home, within a few hundred metres.
            event["location"] = {
                "lat": round(self.lat + random.uniform(-0.003, 0.003), 6),
                "lon": round(self.lon + random.uniform(-0.003, 0.003), 6),
            }
        return event


class MqttSender:
    def __init__(self, url: str):
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        from shouwang.alarms.bridge import parse_mqtt_url

        address = parse_mqtt_url(url)
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"shouwang-sim-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        if address.username:
            self.client.username_pw_set(address.username, address.password)
        if address.tls:
            self.client.tls_set()
        self.client.connect(address.host, address.port, keepalive=30)
        self.client.loop_start()

    def send(self, device_id: str, body: bytes, signature: str) -> None:
        from shouwang.alarms.bridge import envelope

        info = self.client.publish(TOPIC.format(device_id=device_id), envelope(body, signature), qos=1)
        info.wait_for_publish(timeout=10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class HttpSender:
    def __init__(self, url: str):
        self.url = url if "/api/" in url else url.rstrip("/") + "/api/v1/devices/events"

    def send(self, device_id: str, body: bytes, signature: str) -> None:
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Signature": signature},
        )
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError as refused:  # counted by the platform; keep simulating
            refused.close()

    def close(self) -> None:
        pass


class Command(BaseCommand):
    help = __doc__.splitlines()[0].replace("``", "")

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=2.0, help="events per second, all devices together")
        parser.add_argument(
            "--duration", type=float, default=0, help="seconds to run (default: until Ctrl+C)"
        )
        parser.add_argument(
            "--alarm-share", type=float, default=0.01, help="share of events that are alarms (default 0.01)"
        )
        parser.add_argument(
            "--http", default="", metavar="URL", help="post to this platform URL instead of MQTT"
        )
        parser.add_argument("--mqtt-url", default="", help="broker URL (default: MQTT_URL)")
        parser.add_argument("--seed", type=int, default=None, help="random seed, for repeatable traffic")

    def handle(self, *args, rate, duration, alarm_share, http, mqtt_url, seed, **options):
        if rate <= 0 or not 0 <= alarm_share <= 1:
            raise CommandError("--rate must be positive and --alarm-share between 0 and 1.")
        random.seed(seed)
        devices = self._devices()
        if not devices:
            raise CommandError("No active devices in the database: register some first (or load the demo).")
        sender = HttpSender(http) if http else MqttSender(mqtt_url or settings.MQTT_URL)
        target = sender.url if http else (mqtt_url or settings.MQTT_URL)
        self.stdout.write(f"Simulating {len(devices)} devices → {target} at {rate:g} events/s. Ctrl+C stops.")
        counts: dict[str, int] = {}
        try:
            self._run(sender, devices, rate, duration, alarm_share, counts)
        except KeyboardInterrupt:
            pass
        finally:
            sender.close()
        summary = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Sent {sum(counts.values())} events: {summary or 'none'}."))

    def _devices(self) -> list[SimulatedDevice]:
        rows = Device.objects.filter(state=DeviceState.ACTIVE).select_related("elder")
        return [
            SimulatedDevice(
                device.device_id,
                device.secret,
                device.type,
                device.elder.lat if device.elder else None,
                device.elder.lon if device.elder else None,
            )
            for device in rows
        ]

    def _run(self, sender, devices, rate, duration, alarm_share, counts) -> None:
        interval = 1.0 / rate
        started = next_at = time.monotonic()
        while not duration or time.monotonic() - started < duration:
            device = random.choice(devices)
            event = device.next_event(alarm_share)
            body = json.dumps(event, ensure_ascii=False).encode()
            sender.send(device.device_id, body, sign(body, device.secret))
            counts[event["type"]] = counts.get(event["type"], 0) + 1
            if event["type"] not in ("heartbeat", "motion", "door_open", "checkin"):
                self.stdout.write(f"  {event['type']:<11} {device.device_id}")
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
