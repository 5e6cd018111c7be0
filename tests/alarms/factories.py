"""Devices and incidents for the alarm tests (and the live-console tests)."""

from __future__ import annotations

import itertools
import json
import secrets

from django.db.models import Sum
from django.utils import timezone

from shouwang.alarms.ingestion import sign
from shouwang.alarms.models import Device, DeviceType, Incident, IncidentKind, IngestRejection, Priority
from tests.factories import ElderFactory

_sequence = itertools.count(1)


def DeviceFactory(*, elder=None, type: str = DeviceType.SOS_PENDANT, **fields) -> Device:  # noqa: N802
    """An active device bound to ``elder`` (a new elder in community A when not given); ``elder=False``
    makes an unbound one."""
    if elder is None:
        elder = ElderFactory()
    n = next(_sequence)
    now = timezone.now()
    values = {
        "device_id": f"dv_test{n:06d}",
        "serial": f"SN{n:010d}",
        "type": type,
        "vendor": "测试厂商",
        "model": "T1",
        "secret": secrets.token_hex(16),
        "elder": elder or None,
        "bound_at": now if elder else None,
        "community_id": elder.community_id if elder else None,
        "online": True,
        "last_seen_at": now,
    }
    values.update(fields)
    return Device.objects.create(**values)


def IncidentFactory(*, device=None, elder=None, kind=IncidentKind.SOS, priority=Priority.URGENT, **fields):  # noqa: N802
    """An open incident (state received) for ``device``'s elder."""
    if device is None and elder is None:
        device = DeviceFactory()
    elder = elder or (device.elder if device else None)
    now = fields.pop("opened_at", None) or timezone.now()
    return Incident.objects.create(
        elder=elder,
        device=device,
        community_id=elder.community_id if elder else (device.community_id if device else None),
        kind=kind,
        priority=priority,
        opened_at=now,
        last_event_at=now,
        lat=getattr(elder, "lat", None),
        lon=getattr(elder, "lon", None),
        **fields,
    )


def refused(**filters) -> int:
    """How many messages were refused (the hourly counts added up), of those matching ``filters``."""
    total = IngestRejection.objects.filter(**filters).aggregate(total=Sum("count"))["total"]
    return total or 0


def event_body(device: Device, *, type: str = "sos", event_id: str | None = None, ts=None, **extra) -> bytes:
    """The JSON bytes a device would send."""
    payload = {
        "device_id": device.device_id,
        "event_id": event_id or f"ev{next(_sequence)}",
        "type": type,
        "ts": (ts or timezone.now()).isoformat(),
    }
    payload.update(extra)
    return json.dumps(payload).encode()


def signed(device: Device, **kwargs) -> tuple[bytes, str]:
    """``(body, signature)`` of an event from ``device``."""
    body = event_body(device, **kwargs)
    return body, sign(body, device.secret)
