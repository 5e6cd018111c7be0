"""Noticing a broker that drops messages: heartbeats arriving at a fraction of what the devices promise,
across many devices at once, raise a platform alarm on the console and in /healthz (issue 23)."""

import datetime as dt
import logging

import pytest
from django.db.models import F
from django.utils import timezone

from shouwang.alarms.delivery import check_delivery
from shouwang.alarms.ingestion import ingest_batch
from shouwang.alarms.models import Device
from shouwang.alarms.selectors import delivery_alert
from tests.alarms.factories import DeviceFactory, signed

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0)
WINDOW = dt.timedelta(minutes=5)


@pytest.fixture
def fleet(tree, settings):
    """40 live devices with a heartbeat a minute: 200 heartbeats promised per five-minute window."""
    settings.SHOUWANG_DELIVERY_MIN_EXPECTED = 100
    settings.SHOUWANG_DELIVERY_ALERT_PERCENT = 60
    devices = [DeviceFactory(elder=False, heartbeat_interval_s=60, last_seen_at=START) for _n in range(40)]
    check_delivery(now=START)  # the baseline
    return devices


def beats(n_per_device: int, devices, window: int = 1) -> None:
    """``n_per_device`` more heartbeats from each of ``devices`` during the ``window``-th window."""
    Device.objects.filter(pk__in=[d.pk for d in devices]).update(
        heartbeats=F("heartbeats") + n_per_device, last_seen_at=START + window * WINDOW
    )


def test_heartbeats_as_promised_raise_nothing(fleet):
    beats(5, fleet)
    check = check_delivery(now=START + WINDOW)
    assert (check.devices, round(check.expected), check.received) == (40, 200, 200)
    assert not check.alerting and delivery_alert() is None


def test_a_fraction_across_the_fleet_raises_the_alarm_until_they_arrive_again(
    fleet, client, operator, caplog
):
    beats(2, fleet)  # 80 of 200
    with caplog.at_level(logging.CRITICAL):
        raised = check_delivery(now=START + WINDOW)
    assert raised.alerting and "DEVICE MESSAGES LOST" in caplog.text
    alert = delivery_alert()
    assert (alert["since"], alert["percent"], alert["devices"]) == (START + WINDOW, 40, 40)

    health = client.get("/healthz").json()
    assert health["status"] == "degraded" and health["device_delivery"]["percent"] == 40
    client.force_login(operator)
    assert "data-delivery-alert" in client.get("/alarms/console/").content.decode()

    beats(2, fleet, window=2)  # still short: the alarm stays, since its first check
    check_delivery(now=START + 2 * WINDOW)
    assert delivery_alert()["since"] == START + WINDOW

    beats(5, fleet, window=3)
    assert not check_delivery(now=START + 3 * WINDOW).alerting
    assert delivery_alert() is None and client.get("/healthz").json()["status"] == "ok"
    assert "data-delivery-alert" not in client.get("/alarms/console/").content.decode()


def test_too_few_expected_neither_raises_nor_clears(fleet, settings):
    beats(1, fleet)
    assert check_delivery(now=START + WINDOW).alerting
    settings.SHOUWANG_DELIVERY_MIN_EXPECTED = 10_000  # a quiet night: too little to judge
    assert check_delivery(now=START + 2 * WINDOW).alerting
    assert delivery_alert() is not None


def test_devices_long_silent_are_not_expected_to_send(fleet):
    """A device not seen for more than twice its interval before the window is the watch's (offline),
    not a sign of messages lost on the way."""
    Device.objects.filter(pk__in=[d.pk for d in fleet[:20]]).update(
        last_seen_at=START - dt.timedelta(minutes=3)
    )
    beats(5, fleet[20:])
    check = check_delivery(now=START + WINDOW)
    assert (check.devices, round(check.expected), check.received, check.alerting) == (20, 100, 100, False)


def test_the_ingestion_counts_the_heartbeats_the_check_reads(fleet):
    ingest_batch([signed(device, type="heartbeat") for device in fleet], via="mqtt")
    check = check_delivery(now=START + WINDOW)
    assert check.received == 40 and check.alerting  # one heartbeat each where five were promised
