"""An operator has the alarm console open; an SOS published over MQTT (real broker, real bridge) appears
without a reload, blinking; the operator opens it and acknowledges it."""

import datetime as dt
import socket
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion

from shouwang.alarms.bridge import envelope, parse_mqtt_url, run_bridge, wait_for
from shouwang.alarms.models import Incident
from shouwang.core import live
from tests import factories
from tests.alarms.factories import DeviceFactory, signed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADDRESS = parse_mqtt_url(settings.MQTT_URL)


def _broker_reachable() -> bool:
    try:
        with socket.create_connection((ADDRESS.host, ADDRESS.port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def bridge():
    """The bridge in a thread, with its own client id and share group so that no other bridge on the
    broker takes our message."""
    if not _broker_reachable():
        pytest.skip(f"MQTT broker at {settings.MQTT_URL} unreachable")
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(
        target=run_bridge,
        args=(stop,),
        kwargs={
            "client_id": f"e2e-bridge-{uuid.uuid4().hex[:8]}",
            "group": f"e2e{uuid.uuid4().hex[:8]}",
            "ready": ready,
            "escalate": False,
        },
        daemon=True,
    )
    thread.start()
    assert ready.wait(15), "the bridge did not subscribe"
    yield
    stop.set()
    thread.join(15)


def _publish(device, body: bytes, signature: str) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"e2e-device-{uuid.uuid4().hex[:8]}")
    client.connect(ADDRESS.host, ADDRESS.port)
    client.loop_start()
    client.publish(
        f"shouwang/devices/{device.device_id}/events", envelope(body, signature), qos=1
    ).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()


def _incident_of(device):
    def found():
        try:
            return Incident.objects.filter(device=device).first()
        except OperationalError:  # in-memory SQLite answers "table is locked" while the bridge writes
            return None

    return found


def test_sos_over_mqtt_appears_live_and_is_acknowledged(live_server, page, bridge, monkeypatch):
    # Short heartbeats, so the server notices quickly that the browser has gone when the test ends.
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 1.0)
    factories.load_tree()
    operator = factories.user("operator", regions=(factories.DISTRICT,), username="operator")
    elder = factories.ElderFactory(community_id=factories.COMMUNITY_A, name="王秀英")
    factories.contact(elder)
    device = DeviceFactory(elder=elder)

    page.goto(f"{live_server.url}/accounts/login/?next=/alarms/console/")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", factories.PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/alarms/console/")
    page.wait_for_selector("[data-live-console][data-live=open]")
    assert page.locator("tr[data-incident]").count() == 0
    page.evaluate("window.__sameDocument = true")

    _publish(device, *signed(device, type="sos"))

    row = page.locator("tr[data-incident]")
    row.wait_for(timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert "王秀英" in row.inner_text()
    assert row.locator(".alarm-blink").count() == 1
    assert page.locator("[data-urgent-banner]").is_visible()
    incident = _incident_of(device)()
    assert incident is not None and row.get_attribute("data-incident") == str(incident.pk)
    assert row.locator("[data-late]").count() == 0

    # A fall the device kept for two hours arrives: flagged reported late (迟报), with its device time.
    other = DeviceFactory(elder=factories.ElderFactory(community_id=factories.COMMUNITY_A, name="李桂兰"))
    fell_at = timezone.now() - dt.timedelta(hours=2)
    _publish(other, *signed(other, type="fall", ts=fell_at))
    late = page.locator("tr[data-incident]", has_text="李桂兰")
    late.wait_for(timeout=15_000)
    badge = late.locator("[data-late]")
    assert badge.count() == 1
    assert timezone.localtime(fell_at).strftime("%H:%M") in badge.inner_text()

    with page.expect_navigation():
        page.locator(f"tr[data-incident='{incident.pk}'] a").click()
    page.click("[data-action=acknowledge]")
    page.wait_for_selector("#incident-panel[data-state=acknowledged]")

    assert wait_for(lambda: (_incident_of(device)() or incident).state == "acknowledged", 10)
    incident.refresh_from_db()
    assert (incident.state, incident.acknowledged_by) == ("acknowledged", operator)
    assert page.locator("[data-action=acknowledge]").count() == 0
    page.close()
    # Let the server's stream threads notice the closed page (next heartbeat) and finish their request
    # while the test database still exists.
    wait_for(lambda: live.wakeup.open_streams == 0, 10)
    live.stop_watcher()  # on PostgreSQL: close the LISTEN connection before the database is dropped
    time.sleep(0.5)
