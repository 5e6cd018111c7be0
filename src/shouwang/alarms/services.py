"""Writes of devices: register, bind, unbind, retire; and the unbinding when an elder dies or moves out.

The per-device secret is generated here and returned once, by ``register_device``. It is stored in clear
because the HMAC of every event must be recomputed with it (a hash cannot verify an HMAC). The trade-off:
whoever reads the ``alarms_device`` table can forge events for those devices, so the table is as
sensitive as a password store (database access is restricted, backups encrypted), the secret never
leaves the server again (no list, detail, API, admin or log shows it), and a suspected leak is answered
by retiring the devices and registering them again with new secrets. Encrypting the column with a key
held outside the database would narrow the exposure to "database and key"; left for when a key store
exists.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import is_system, require_actor
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from shouwang.core.text import is_digits, within_limit
from shouwang.elders.models import Elder, LifeEvent, Status
from shouwang.elders.selectors import get_elder_for

from .models import Device, DeviceState, DeviceType
from .permissions import may_manage_devices, may_register_unbound_device
from .selectors import get_device_for

AUDITED_FIELDS = ("device_id", "serial", "type", "vendor", "model", "elder", "state")


def require_device_manager(actor) -> None:
    """Alarm roles manage devices, and the platform itself (``SYSTEM``: the demo loader); a missing actor
    is refused."""
    require_actor(actor)
    if not is_system(actor) and not may_manage_devices(actor):
        raise Forbidden(_("Only platform admins, officials, operators and community workers manage devices."))


def new_device_id() -> str:
    return "dv_" + secrets.token_hex(8)


def device_errors(*, serial: str, type: str, vendor: str) -> dict[str, str]:
    """What is wrong with a device's details (its fields' messages), for one device or a whole batch."""
    errors = {}
    if not serial:
        errors["serial"] = _("Required.")
    if type not in DeviceType.values:
        errors["type"] = _("Unknown device type.")
    if not vendor:
        errors["vendor"] = _("Required.")
    return errors


def register_device(
    *, actor, serial: str, type: str, vendor: str, elder_id: int | None = None, model: str = ""
) -> tuple[Device, str]:
    """Register a device (bound to ``elder_id`` when given); returns the device and its secret, which is
    shown this once. Only a platform admin may register a device without an elder."""
    require_device_manager(actor)
    serial, vendor = (serial or "").strip(), (vendor or "").strip()
    if errors := device_errors(serial=serial, type=type, vendor=vendor):
        raise ValidationFailed(_("Please correct the device's details."), errors=errors)
    elder = _elder(actor, elder_id) if elder_id else None
    if elder is None and not is_system(actor) and not may_register_unbound_device(actor):
        raise ValidationFailed(_("Choose the elder the device is for."), errors={"elder_id": _("Required.")})
    if elder is not None:
        _require_active(elder)
    if Device.objects.filter(serial=serial).exists():
        raise Conflict(_("A device with this serial number is already registered."), code="duplicate_serial")
    secret = secrets.token_hex(32)
    with transaction.atomic():
        device = Device.objects.create(
            device_id=new_device_id(),
            serial=serial,
            type=type,
            vendor=within_limit(vendor, 60, field="vendor", label=_("The vendor")),
            model=within_limit(model, 60, field="model", label=_("The model")),
            secret=secret,
            elder=elder,
            bound_at=timezone.now() if elder else None,
            community_id=elder.community_id if elder else None,
        )
        audit.record(
            actor=actor,
            action="alarms.device_registered",
            obj=device,
            after=audit.snapshot(device, AUDITED_FIELDS),
            region_code=device.community_id or "",
        )
    return device, secret


def _elder(actor, elder_id: int):
    """The elder in the actor's scope; the platform itself (``SYSTEM``) sees all."""
    if is_system(actor):
        return Elder.objects.get(pk=elder_id)
    return get_elder_for(actor, elder_id)


def _require_active(elder) -> None:
    if elder.status != Status.ACTIVE:
        raise Conflict(_("Devices can only be bound to active elders."), code="elder_not_active")


@transaction.atomic
def bind_device(*, actor, device_id: str, elder_id: int) -> Device:
    """Bind an active, unbound device to an elder in the actor's scope."""
    require_device_manager(actor)
    device = _locked(actor, device_id)
    if device.state == DeviceState.RETIRED:
        raise Conflict(_("A retired device cannot be bound."), code="device_retired")
    elder = _elder(actor, elder_id)
    _require_active(elder)
    if device.elder_id == elder.pk:
        return device
    if device.elder_id is not None:
        raise Conflict(_("Unbind the device from its current elder first."), code="device_bound")
    device.elder, device.bound_at, device.community_id = elder, timezone.now(), elder.community_id
    device.save(update_fields=["elder", "bound_at", "community", "updated_at"])
    audit.record(
        actor=actor,
        action="alarms.device_bound",
        obj=device,
        after={"elder": elder.pk},
        region_code=device.community_id or "",
    )
    return device


@transaction.atomic
def unbind_device(*, actor, device_id: str, reason: str = "") -> Device:
    """Unbind a device from its elder; it keeps its community, so it stays in the same scope."""
    require_device_manager(actor)
    device = _locked(actor, device_id)
    if device.elder_id is None:
        raise Conflict(_("This device is not bound to anyone."), code="device_not_bound")
    return _unbind(actor, device, reason)


def _unbind(actor, device: Device, reason: str) -> Device:
    before = device.elder_id
    device.elder, device.bound_at = None, None
    device.save(update_fields=["elder", "bound_at", "updated_at"])
    audit.record(
        actor=actor,
        action="alarms.device_unbound",
        obj=device,
        before={"elder": before},
        after={"elder": None, "reason": reason},
        region_code=device.community_id or "",
    )
    return device


@transaction.atomic
def retire_device(*, actor, device_id: str) -> Device:
    """Take a device out of service for good: unbound, and its messages are rejected from now on."""
    require_device_manager(actor)
    device = _locked(actor, device_id)
    if device.state == DeviceState.RETIRED:
        raise Conflict(_("This device is already retired."), code="illegal_transition")
    if device.elder_id is not None:
        _unbind(actor, device, "retired")
    device.state, device.online = DeviceState.RETIRED, False
    device.save(update_fields=["state", "online", "updated_at"])
    audit.record(
        actor=actor,
        action="alarms.device_retired",
        obj=device,
        before={"state": DeviceState.ACTIVE},
        after={"state": DeviceState.RETIRED},
        region_code=device.community_id or "",
    )
    return device


def _locked(actor, device_id: str) -> Device:
    require_actor(actor)
    if is_system(actor):
        lookup = {"pk": int(device_id)} if is_digits(str(device_id)) else {"device_id": device_id}
        return Device.objects.select_for_update().get(**lookup)
    device = get_device_for(actor, device_id)
    return Device.objects.select_for_update().get(pk=device.pk)


def unbind_on_life_event(sender=None, *, elder, event, actor=None, **kwargs) -> None:
    """Receiver of ``elders.signals.life_event_recorded``: a deceased or moved-out elder's devices are
    unbound (inside the registry's transaction, so both happen or neither)."""
    if event not in (LifeEvent.DECEASED, LifeEvent.MOVED_OUT):
        return
    for device in Device.objects.select_for_update().filter(elder=elder):
        _unbind(actor, device, f"elder {event}")
