"""Device register (secret once), bind, unbind, retire, unbind on death or moving out, scope."""

import datetime as dt
import json

import pytest

from shouwang.alarms import services
from shouwang.alarms.ingestion import ingest, sign
from shouwang.alarms.models import Device, DeviceState
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.elders.services import record_life_event
from tests import factories
from tests.alarms.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def register(client, **body):
    return client.post("/api/v1/devices", data=json.dumps(body), content_type="application/json")


def test_register_shows_the_secret_once_and_it_signs_events(client, worker_a, elder_a):
    client.force_login(worker_a)
    response = register(client, serial="IMEI860000000001", type="watch", vendor="华为", elder_id=elder_a.pk)
    assert response.status_code == 201
    device_id, secret = response.json()["device_id"], response.json()["secret"]
    assert device_id.startswith("dv_") and len(secret) == 64
    for url in (f"/api/v1/devices/{device_id}", "/api/v1/devices"):
        answer = client.get(url)
        assert answer.status_code == 200 and secret not in answer.content.decode()
    assert not AuditLog.objects.filter(after__icontains=secret).exists()
    body = json.dumps(
        {"device_id": device_id, "event_id": "1", "type": "sos", "ts": "2026-11-30T08:00:00+08:00"}
    )
    from django.utils import timezone

    body = body.replace("2026-11-30T08:00:00+08:00", timezone.now().isoformat()).encode()
    assert ingest(body, signature=sign(body, secret), via="http").incident.elder == elder_a
    device = Device.objects.get(device_id=device_id)
    assert device.community_id == factories.COMMUNITY_A and device.bound_at is not None


def test_register_validation(client, worker_a, elder_a, elder_b):
    client.force_login(worker_a)
    assert register(client, serial="", type="rocket", vendor="", elder_id=elder_a.pk).status_code == 422
    assert register(client, serial="S1", type="smoke", vendor="海康").status_code == 422  # no elder
    assert register(client, serial="S1", type="smoke", vendor="海康", elder_id=elder_b.pk).status_code == 404
    assert register(client, serial="S1", type="smoke", vendor="海康", elder_id=elder_a.pk).status_code == 201
    duplicate = register(client, serial="S1", type="smoke", vendor="海康", elder_id=elder_a.pk)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate_serial"


def test_only_alarm_roles_register(tree, elder_a):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,))
    with pytest.raises(Forbidden):
        services.register_device(actor=assessor, serial="S2", type="gas", vendor="v", elder_id=elder_a.pk)


def test_bind_unbind_retire(client, operator, elder_a, elder_b):
    device = DeviceFactory(elder=elder_a)
    client.force_login(operator)
    url = f"/api/v1/devices/{device.device_id}"
    assert (
        client.post(f"{url}/bind", data={"elder_id": elder_b.pk}, content_type="application/json").status_code
        == 409
    )
    unbound = client.post(f"{url}/unbind")
    assert unbound.status_code == 200 and unbound.json()["elder_id"] is None
    assert client.post(f"{url}/unbind").status_code == 409
    bound = client.post(f"{url}/bind", data={"elder_id": elder_b.pk}, content_type="application/json")
    assert bound.status_code == 200 and bound.json()["community"] == factories.COMMUNITY_B
    retired = client.post(f"{url}/retire")
    assert (
        retired.status_code == 200
        and retired.json()["state"] == "retired"
        and retired.json()["elder_id"] is None
    )
    assert client.post(f"{url}/retire").status_code == 409
    assert (
        client.post(f"{url}/bind", data={"elder_id": elder_a.pk}, content_type="application/json").status_code
        == 409
    )
    actions = set(AuditLog.objects.filter(object_id=str(device.pk)).values_list("action", flat=True))
    assert {"alarms.device_bound", "alarms.device_unbound", "alarms.device_retired"} <= actions


@pytest.mark.parametrize("event", ["deceased", "moved_out"])
def test_devices_are_unbound_when_the_elder_dies_or_moves_out(official, elder_a, event):
    device = DeviceFactory(elder=elder_a)
    record_life_event(actor=official, elder_id=elder_a.pk, event=event, date=dt.date(2026, 11, 1))
    device.refresh_from_db()
    assert device.elder is None and device.state == DeviceState.ACTIVE
    assert device.community_id == factories.COMMUNITY_A
    assert AuditLog.objects.filter(action="alarms.device_unbound", object_id=str(device.pk)).exists()
    with pytest.raises(Conflict):
        services.bind_device(
            actor=official,
            device_id=DeviceFactory(elder=False, community_id=factories.COMMUNITY_A).device_id,
            elder_id=elder_a.pk,
        )


def test_device_scope(client, worker_a, worker_b, elder_a, tree):
    device = DeviceFactory(elder=elder_a)
    client.force_login(worker_b)
    assert client.get(f"/api/v1/devices/{device.device_id}").status_code == 404
    assert client.get("/api/v1/devices").json()["count"] == 0
    assert client.post(f"/api/v1/devices/{device.device_id}/retire").status_code == 404
    client.force_login(worker_a)
    assert client.get("/api/v1/devices").json()["items"][0]["device_id"] == device.device_id
    with pytest.raises(NotFound):
        services.retire_device(actor=worker_b, device_id=device.device_id)
    assessor = factories.user("assessor", regions=(factories.DISTRICT,))
    with pytest.raises(Forbidden):
        services.unbind_device(actor=assessor, device_id=device.device_id)


def test_admin_may_register_stock_without_an_elder(admin_user):
    device, _secret = services.register_device(actor=admin_user, serial="STOCK1", type="door", vendor="v")
    assert device.elder is None and device.community_id is None
    with pytest.raises(ValidationFailed):
        services.register_device(actor=admin_user, serial="STOCK2", type="door", vendor="")


def test_an_over_long_vendor_is_refused_not_cut(admin_user):
    with pytest.raises(ValidationFailed) as refused:
        services.register_device(actor=admin_user, serial="STOCK3", type="door", vendor="v" * 61)
    assert "vendor" in refused.value.errors
