"""The device console pages: list, register (secret shown once), detail, bind / unbind / retire."""

import pytest

from shouwang.alarms.models import Device
from tests import factories
from tests.alarms.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def test_register_page_shows_the_secret_once(client, worker_a, elder_a):
    client.force_login(worker_a)
    assert client.get(f"/alarms/devices/new/?elder={elder_a.pk}").status_code == 200
    response = client.post(
        "/alarms/devices/new/",
        {"serial": "IMEI1", "type": "sos_pendant", "vendor": "v", "model": "", "elder_id": str(elder_a.pk)},
    )
    assert response.status_code == 200
    device = Device.objects.get(serial="IMEI1")
    assert device.secret in response.content.decode()
    assert (
        "no-store" in response.headers.get("Cache-Control", "")
        or "max-age=0" in response.headers["Cache-Control"]
    )
    for url in ("/alarms/devices/", f"/alarms/devices/{device.device_id}/"):
        page = client.get(url)
        assert page.status_code == 200 and device.secret not in page.content.decode()


def test_register_page_reports_errors(client, worker_a, english):
    client.force_login(worker_a)
    response = client.post(
        "/alarms/devices/new/", {"serial": "", "type": "sos_pendant", "vendor": "", "elder_id": "x"}
    )
    assert response.status_code == 200 and Device.objects.count() == 0


def test_list_shows_online_state_and_battery(client, operator, elder_a, english):
    DeviceFactory(elder=elder_a, battery=12, online=False)
    client.force_login(operator)
    page = client.get("/alarms/devices/?online=0").content.decode()
    assert "12 %" in page and "offline" in page and elder_a.name in page


def test_unbind_bind_retire_buttons(client, operator, elder_a, elder_b):
    device = DeviceFactory(elder=elder_a)
    client.force_login(operator)
    base = f"/alarms/devices/{device.device_id}"
    assert client.post(f"{base}/unbind/").status_code == 302
    client.post(f"{base}/bind/", {"elder_id": str(elder_b.pk)})
    device.refresh_from_db()
    assert device.elder == elder_b
    client.post(f"{base}/retire/")
    device.refresh_from_db()
    assert device.state == "retired" and device.elder is None
    assert client.post(f"{base}/explode/").status_code == 403


def test_pages_are_for_alarm_roles_in_scope(client, worker_b, elder_a, tree):
    device = DeviceFactory(elder=elder_a)
    client.force_login(worker_b)
    assert client.get(f"/alarms/devices/{device.device_id}/").status_code == 404
    client.force_login(factories.user("assessor", regions=(factories.DISTRICT,)))
    assert client.get("/alarms/devices/").status_code == 403
