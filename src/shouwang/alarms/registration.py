"""Registering a vendor's delivery of devices at once (issue 23: a city's 100,000 devices are not
registered one request at a time).

All or nothing: every row is checked as ``services.register_device`` checks one device, a serial number
twice in the batch or already registered is refused, and one refused row saves nothing, with every
refused row named by its number. The devices and their audit records are written in bulk. Each device's
secret is returned this once, as for one device (see ``services``): the caller hands the list to the
vendor, who loads each secret into its device.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import is_system
from shouwang.core.bulk import existing_values
from shouwang.core.errors import ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.core.spreadsheets import Sheet
from shouwang.core.text import is_digits, too_long
from shouwang.elders.models import Elder, Status
from shouwang.elders.selectors import elders_for

from .models import Device, DeviceType
from .permissions import may_register_unbound_device
from .services import AUDITED_FIELDS, device_errors, new_device_id, require_device_manager

MAX_DEVICES = 10_000  # per batch: a delivery; more go in several batches
LOOKUP_CHUNK = 900  # values per IN (…): under SQLite's historic limit of bound parameters
TEXT_LIMIT = 60  # vendor and model columns


@dataclass(frozen=True)
class DeviceRow:
    serial: str
    type: str
    vendor: str
    model: str = ""
    elder_id: int | None = None


def register_devices(*, actor, rows: Sequence[DeviceRow]) -> list[tuple[Device, str]]:
    """Register ``rows`` (see the module docstring); returns each device with its secret, in order."""
    require_device_manager(actor)
    if not rows:
        raise ValidationFailed(_("There are no devices to register."), errors={"devices": _("Required.")})
    if len(rows) > MAX_DEVICES:
        message = _("At most %(limit)s devices at once; this batch has %(count)s.") % {
            "limit": MAX_DEVICES,
            "count": len(rows),
        }
        raise ValidationFailed(message, errors={"devices": message})
    rows = [_trimmed(row) for row in rows]
    elders = _active_elders(actor, {row.elder_id for row in rows if row.elder_id is not None})
    if errors := _row_errors(actor, rows, elders):
        message = _("%(refused)s of %(count)s devices cannot be registered; nothing was saved.") % {
            "refused": len(errors),
            "count": len(rows),
        }
        raise ValidationFailed(message, errors=errors)
    return _create(actor, rows, elders)


def _trimmed(row: DeviceRow) -> DeviceRow:
    return DeviceRow(
        serial=(row.serial or "").strip(),
        type=(row.type or "").strip(),
        vendor=(row.vendor or "").strip(),
        model=(row.model or "").strip(),
        elder_id=row.elder_id,
    )


def _row_errors(actor, rows: list[DeviceRow], elders: dict[int, Elder]) -> dict[str, str]:
    """Every refused row's reasons, keyed "row N" (1 = the first device)."""
    registered = _registered_serials([row.serial for row in rows if row.serial])
    unbound_allowed = may_register_unbound_device(actor)
    errors, seen = {}, set()
    for number, row in enumerate(rows, start=1):
        reasons = list(device_errors(serial=row.serial, type=row.type, vendor=row.vendor).values())
        reasons += [
            message
            for text, label in ((row.vendor, _("The vendor")), (row.model, _("The model")))
            if (message := too_long(text, TEXT_LIMIT, label=label))
        ]
        if row.serial in seen:
            reasons.append(
                _("The serial number %(serial)s appears twice in the batch.") % {"serial": row.serial}
            )
        elif row.serial in registered:
            reasons.append(_("A device with this serial number is already registered."))
        seen.add(row.serial)
        if row.elder_id is None and not unbound_allowed:
            reasons.append(_("Choose the elder the device is for."))
        elif row.elder_id is not None and row.elder_id not in elders:
            reasons.append(
                _("No elder %(id)s in your area who is alive and resident.") % {"id": row.elder_id}
            )
        if reasons:
            errors[_("row %(number)s") % {"number": number}] = " ".join(reasons)
    return errors


def _active_elders(actor, elder_ids: set[int]) -> dict[int, Elder]:
    """The elders named, of those in the actor's scope and active (alive, resident)."""
    ids = sorted(elder_ids)
    found: dict[int, Elder] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        scoped = Elder.objects.all() if is_system(actor) else elders_for(actor)
        found.update({elder.pk: elder for elder in scoped.filter(pk__in=chunk, status=Status.ACTIVE)})
    return found


def _registered_serials(serials: list[str]) -> set[str]:
    registered: set[str] = set()
    for start in range(0, len(serials), LOOKUP_CHUNK):
        registered.update(existing_values(Device, "serial", serials[start : start + LOOKUP_CHUNK]))
    return registered


def _create(actor, rows: list[DeviceRow], elders: dict[int, Elder]) -> list[tuple[Device, str]]:
    now = timezone.now()
    made = []
    for row in rows:
        elder = elders.get(row.elder_id) if row.elder_id is not None else None
        secret = secrets.token_hex(32)
        device = Device(
            device_id=new_device_id(),
            serial=row.serial,
            type=row.type,
            vendor=row.vendor,
            model=row.model,
            secret=secret,
            elder=elder,
            bound_at=now if elder else None,
            community_id=elder.community_id if elder else None,
        )
        made.append((device, secret))
    with transaction.atomic():
        devices = Device.objects.bulk_create([device for device, _secret in made], batch_size=1_000)
        AuditLog.objects.bulk_create(
            [
                audit.entry(
                    actor=actor,
                    action="alarms.device_registered",
                    obj=device,
                    after=audit.snapshot(device, AUDITED_FIELDS),
                    region_code=device.community_id or "",
                )
                for device in devices
            ],
            batch_size=1_000,
        )
    return made


# --- from a vendor's delivery list (a spreadsheet) ---------------------------------------------------------

COLUMNS = {
    "serial": ("序列号", "IMEI", "序列号/IMEI", "设备序列号", "serial"),
    "type": ("类型", "设备类型", "type"),
    "vendor": ("厂商", "生产厂商", "品牌", "vendor"),
    "model": ("型号", "设备型号", "model"),
    "elder_id": ("老人编号", "绑定老人编号", "elder_id"),
}
REQUIRED_COLUMNS = ("serial", "type", "vendor")


def rows_from_sheet(sheet: Sheet) -> list[DeviceRow]:
    """The devices of a delivery list: a header row naming the columns (序列号, 类型, 厂商, and 型号,
    老人编号 when there are any), a device per row; a type by its code or its name (烟感, 一键呼叫挂件…)."""
    where = _column_positions(sheet.header)
    types = _type_names()
    rows, errors = [], {}
    for number, cells in enumerate(sheet.rows, start=1):
        given = {name: _text(cells, index) for name, index in where.items()}
        if not any(given.values()):
            continue  # a blank line in the list
        elder_text = given.get("elder_id", "")
        if elder_text and not is_digits(elder_text):
            errors[_("row %(number)s") % {"number": number}] = _("The elder's number must be a whole number.")
            continue
        type_text = given["type"]
        rows.append(
            DeviceRow(
                serial=given["serial"],
                type=types.get(type_text, type_text),
                vendor=given["vendor"],
                model=given.get("model", ""),
                elder_id=int(elder_text) if elder_text else None,
            )
        )
    if errors:
        raise ValidationFailed(_("Some rows of the list cannot be read; nothing was saved."), errors=errors)
    return rows


def _column_positions(header: list[str]) -> dict[str, int]:
    names = [str(cell or "").strip() for cell in header]
    where = {
        field: names.index(alias) for field, aliases in COLUMNS.items() for alias in aliases if alias in names
    }
    if missing := [field for field in REQUIRED_COLUMNS if field not in where]:
        message = _("The list needs the columns %(columns)s.") % {
            "columns": "、".join(COLUMNS[field][0] for field in missing)
        }
        raise ValidationFailed(message, errors={"file": message})
    return where


def _type_names() -> dict[str, str]:
    """Every name a list may give a type by: its code, its label, and the Chinese name in the label."""
    names = {}
    for code, label in DeviceType.choices:
        names[code] = code
        names[str(label)] = code
        if chinese := re.search(r"[（(]([^()（）]+)[)）]", str(label)):
            names[chinese.group(1)] = code
    return names


def _text(cells: list, index: int) -> str:
    if index >= len(cells) or cells[index] is None:
        return ""
    value = cells[index]
    if isinstance(value, float) and value.is_integer():  # a number typed into a spreadsheet cell
        value = int(value)
    return str(value).strip()
