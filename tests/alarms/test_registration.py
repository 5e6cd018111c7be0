"""Registering a delivery of devices at once: all or nothing, every refused row named, scope kept, each
secret returned once and good for signing events (issue 23's bulk path)."""

import json
import re

import pytest

from shouwang.alarms.ingestion import ingest
from shouwang.alarms.models import Device
from shouwang.alarms.registration import DeviceRow, register_devices
from shouwang.core.errors import ValidationFailed
from shouwang.core.models import AuditLog
from tests.alarms.factories import DeviceFactory, signed

pytestmark = pytest.mark.django_db


def post(client, devices):
    return client.post(
        "/api/v1/devices/bulk", data=json.dumps({"devices": devices}), content_type="application/json"
    )


def pendant(serial: str, elder=None, **fields) -> dict:
    return {
        "serial": serial,
        "type": "sos_pendant",
        "vendor": "康护",
        "elder_id": elder.pk if elder else None,
        **fields,
    }


def test_a_delivery_is_registered_with_one_secret_each_and_audited(client, operator, elder_a):
    client.force_login(operator)
    response = post(client, [pendant(f"KH-{n:04d}", elder_a) for n in range(25)])
    assert response.status_code == 201
    answer = response.json()
    assert answer["registered"] == 25 and len({d["secret"] for d in answer["devices"]}) == 25
    assert [d["serial"] for d in answer["devices"]] == [f"KH-{n:04d}" for n in range(25)]
    stored = Device.objects.filter(serial__startswith="KH-")
    assert stored.count() == 25 and set(stored.values_list("community_id", flat=True)) == {
        elder_a.community_id
    }
    assert AuditLog.objects.filter(action="alarms.device_registered").count() == 25
    first = answer["devices"][0]
    device = Device.objects.get(device_id=first["device_id"])
    assert device.secret == first["secret"]
    body, signature = signed(device, type="sos")
    assert ingest(body, signature=signature, via="http").incident.elder == elder_a  # the secret signs


def test_one_bad_row_saves_nothing_and_every_refused_row_is_named(client, operator, elder_a, elder_b):
    DeviceFactory(serial="TAKEN-1")
    client.force_login(operator)
    rows = [
        pendant("OK-1", elder_a),
        pendant("TAKEN-1", elder_a),  # row 2: already registered
        pendant("OK-1", elder_b),  # row 3: twice in the batch
        pendant("OK-4", elder_a, type="toaster", vendor=""),  # row 4: two reasons
    ]
    response = post(client, rows)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert sorted(int(re.search(r"\d+", row).group()) for row in errors) == [2, 3, 4]
    assert Device.objects.filter(serial__startswith="OK-").count() == 0


def test_a_worker_binds_only_elders_of_their_community_and_only_the_admin_registers_stock(
    worker_b, elder_a, elder_b, admin_user
):
    with pytest.raises(ValidationFailed) as refused:
        register_devices(actor=worker_b, rows=[DeviceRow("W-1", "sos_pendant", "康护", elder_id=elder_a.pk)])
    assert len(refused.value.errors) == 1  # elder A is outside worker B's community: as if missing
    with pytest.raises(ValidationFailed):
        register_devices(actor=worker_b, rows=[DeviceRow("W-2", "sos_pendant", "康护")])  # no elder
    [(device, _secret)] = register_devices(
        actor=worker_b, rows=[DeviceRow("W-3", "sos_pendant", "康护", elder_id=elder_b.pk)]
    )
    assert device.elder == elder_b
    stock = register_devices(actor=admin_user, rows=[DeviceRow(f"S-{n}", "smoke", "海曼") for n in range(3)])
    assert [device.elder for device, _secret in stock] == [None, None, None]


def test_an_empty_or_oversized_batch_is_refused(operator, monkeypatch):
    from shouwang.alarms import registration

    with pytest.raises(ValidationFailed):
        register_devices(actor=operator, rows=[])
    monkeypatch.setattr(registration, "MAX_DEVICES", 2)
    with pytest.raises(ValidationFailed) as refused:
        register_devices(actor=operator, rows=[DeviceRow(f"X-{n}", "smoke", "海曼") for n in range(3)])
    assert "2" in refused.value.message and Device.objects.count() == 0


def test_a_text_over_its_column_is_refused_by_name(operator, elder_a):
    with pytest.raises(ValidationFailed) as refused:
        register_devices(
            actor=operator, rows=[DeviceRow("L-1", "smoke", "海曼", model="型" * 61, elder_id=elder_a.pk)]
        )
    assert "60" in next(iter(refused.value.errors.values())) and Device.objects.count() == 0


def _upload(text: str, name: str = "delivery.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_the_console_takes_a_delivery_list_and_answers_the_secrets_once(client, operator, elder_a, tmp_path):
    from shouwang.core.spreadsheets import open_sheet

    client.force_login(operator)
    assert client.get("/alarms/devices/bulk/").status_code == 200
    listing = (
        "序列号,类型,厂商,型号,老人编号\n"
        f"HM-1,烟感,海曼,HS-1,{elder_a.pk}\nHM-2,sos_pendant,康护,,{elder_a.pk}\n,,,,\n"
    )
    response = client.post("/alarms/devices/bulk/", {"file": _upload(listing)})
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    assert response["Content-Disposition"] == 'attachment; filename="device-secrets.xlsx"'
    saved = tmp_path / "secrets.xlsx"
    saved.write_bytes(response.content)
    with open_sheet(saved) as sheet:
        rows = list(sheet.rows)
    assert [(row[1], row[2]) for row in rows] == [("HM-1", "smoke"), ("HM-2", "sos_pendant")]
    assert {row[4] for row in rows} == set(
        Device.objects.filter(serial__startswith="HM-").values_list("secret", flat=True)
    )


def test_the_console_lists_every_refused_row_and_saves_nothing(client, operator, elder_a):
    client.force_login(operator)
    listing = (
        "序列号,类型,厂商,老人编号\n"
        f"BAD-1,烤面包机,海曼,{elder_a.pk}\nBAD-2,烟感,,{elder_a.pk}\nBAD-3,烟感,海曼,{elder_a.pk}\n"
    )
    response = client.post("/alarms/devices/bulk/", {"file": _upload(listing)})
    page = response.content.decode()
    assert response.status_code == 422 and "data-bulk-error" in page
    assert page.count("<li>") >= 2 and Device.objects.count() == 0
    missing = client.post("/alarms/devices/bulk/", {"file": _upload("编号,名称\n1,2\n")})
    assert missing.status_code == 422 and "序列号" in missing.content.decode()
