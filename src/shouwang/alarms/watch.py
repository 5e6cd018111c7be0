"""The passive 24-hour watch (24小时安全自动值守): what silence means, checked by a periodic job.

For every active elder with bound, active devices (thresholds from ``WatchSettings``, defaults when the
elder has none; DOMAIN.md §5):

- no motion for ``no_motion_hours`` (24) from the elder's motion or bed sensors → welfare check;
- no door opening for ``no_door_hours`` (48) from the door contacts → welfare check;
- no ``checkin`` event today by ``checkin_by`` when ``daily_checkin`` is on → welfare check; a check-in
  made in the portal or at the desk (``checkins.record_checkin``) counts too, and elders who expect one
  are watched for it even without any device;
- a device silent for more than twice its heartbeat interval → marked offline, maintenance incident;
- a device reporting a battery below 20 % → maintenance incident.

Silence is counted from the latest of: the last such event, the binding of the device, and the last
incident of the same kind for that elder (or device). So after an alert the next one needs another full
period of silence, and a closed incident is not reopened on the next run. An elder never has two open
incidents of the same kind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.elders.models import Elder, Status

from .checkins import last_checkins
from .incidents import open_incident
from .models import (
    OPEN_STATES,
    Device,
    DeviceEvent,
    DeviceState,
    DeviceType,
    EventType,
    Incident,
    IncidentKind,
    Priority,
    WatchSettings,
)

LOW_BATTERY_PERCENT = 20
# A low-battery reminder is repeated at most this often for one device.
LOW_BATTERY_REPEAT = dt.timedelta(hours=24)

# Which devices and event types feed each silence rule.
SILENCE_RULES = (
    (IncidentKind.NO_MOTION, (DeviceType.MOTION, DeviceType.BED), EventType.MOTION, "no_motion_hours"),
    (IncidentKind.NO_DOOR, (DeviceType.DOOR,), EventType.DOOR_OPEN, "no_door_hours"),
)
DEFAULTS = WatchSettings()


def run_watch(now: dt.datetime | None = None) -> list[Incident]:
    """One pass of the watch; returns the incidents it opened."""
    now = now or timezone.now()
    devices = list(
        Device.objects.filter(state=DeviceState.ACTIVE, elder__isnull=False, elder__status=Status.ACTIVE)
        .select_related("elder", "elder__watch_settings")
        .order_by("pk")
    )
    # Elders who are expected to check in daily but have no active device: only the check-in rule applies,
    # fed by the portal's and the desk's check-ins (``checkins``).
    deviceless = list(
        Elder.objects.filter(
            status=Status.ACTIVE, watch_settings__enabled=True, watch_settings__daily_checkin=True
        )
        .exclude(pk__in=Device.objects.filter(state=DeviceState.ACTIVE).values("elder_id"))
        .select_related("watch_settings")
        .order_by("pk")
    )
    if not devices and not deviceless:
        return []
    facts = _Facts(devices, now, deviceless)
    opened = []
    for elder_id, elder_devices in facts.by_elder.items():
        elder = elder_devices[0].elder
        settings = _settings_of(elder)
        if settings.enabled:
            opened += _silence(facts, elder_id, elder_devices, settings, now)
            opened += _checkin(facts, elder, elder_devices, settings, now)
        opened += _maintenance(facts, elder_devices, now)
    for elder in deviceless:
        opened += _checkin(facts, elder, [], _settings_of(elder), now)
    return [incident for incident in opened if incident is not None]


def _settings_of(elder) -> WatchSettings:
    try:
        return elder.watch_settings
    except WatchSettings.DoesNotExist:
        return DEFAULTS


class _Facts:
    """What the rules need, read in a handful of queries for all devices at once."""

    def __init__(self, devices: list[Device], now: dt.datetime, deviceless: list[Elder]):
        self.by_elder: dict[int, list[Device]] = defaultdict(list)
        for device in devices:
            self.by_elder[device.elder_id].append(device)
        device_ids = [device.pk for device in devices]
        elder_ids = [*self.by_elder, *(elder.pk for elder in deviceless)]
        self.last_checkin = last_checkins(elder_ids)
        self.last_event = {
            (row["device_id"], row["type"]): row["last"]
            for row in DeviceEvent.objects.filter(
                device_id__in=device_ids, type__in=[EventType.MOTION, EventType.DOOR_OPEN, EventType.CHECKIN]
            )
            .values("device_id", "type")
            .annotate(last=Max("ts"))
        }
        incidents = Incident.objects.filter(elder_id__in=elder_ids)
        self.open_kinds = set(incidents.filter(state__in=OPEN_STATES).values_list("elder_id", "kind"))
        self.last_incident = {
            (row["elder_id"], row["kind"]): row["last"]
            for row in incidents.values("elder_id", "kind").annotate(last=Max("opened_at"))
        }
        self.last_device_incident = {
            (row["device_id"], row["kind"]): row["last"]
            for row in Incident.objects.filter(
                device_id__in=device_ids, kind__in=[IncidentKind.OFFLINE, IncidentKind.LOW_BATTERY]
            )
            .values("device_id", "kind")
            .annotate(last=Max("opened_at"))
        }

    def is_open(self, elder_id: int, kind: str) -> bool:
        return (elder_id, kind) in self.open_kinds

    def opened(self, elder_id: int, kind: str) -> None:
        self.open_kinds.add((elder_id, kind))


def _latest(*moments) -> dt.datetime | None:
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


def _silence(facts: _Facts, elder_id: int, devices: list[Device], settings, now) -> list[Incident]:
    opened = []
    for kind, device_types, event_type, hours_field in SILENCE_RULES:
        sensors = [device for device in devices if device.type in device_types]
        if not sensors or facts.is_open(elder_id, kind):
            continue
        since = _latest(
            *(facts.last_event.get((device.pk, event_type)) for device in sensors),
            *(device.bound_at for device in sensors),
            facts.last_incident.get((elder_id, kind)),
        )
        hours = getattr(settings, hours_field)
        if since is not None and now - since >= dt.timedelta(hours=hours):
            note = _("nothing for %(hours)s hours") % {"hours": hours}
            opened.append(_open(facts, sensors[0].elder, sensors[0], kind, Priority.WELFARE, now, note))
    return opened


def _checkin(facts: _Facts, elder, devices: list[Device], settings, now) -> list[Incident]:
    elder_id = elder.pk
    kind = IncidentKind.MISSED_CHECKIN
    if not settings.daily_checkin or facts.is_open(elder_id, kind):
        return []
    local_now = timezone.localtime(now)
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    if local_now.time() < settings.checkin_by:
        return []
    last_checkin = _latest(
        *(facts.last_event.get((device.pk, EventType.CHECKIN)) for device in devices),
        facts.last_checkin.get(elder_id),
    )
    last_alert = facts.last_incident.get((elder_id, kind))
    if (last_checkin and last_checkin >= day_start) or (last_alert and last_alert >= day_start):
        return []
    note = _("no check-in by %(time)s") % {"time": settings.checkin_by.strftime("%H:%M")}
    return [_open(facts, elder, devices[0] if devices else None, kind, Priority.WELFARE, now, note)]


def _maintenance(facts: _Facts, devices: list[Device], now) -> list[Incident]:
    opened = []
    for device in devices:
        silent_since = device.last_seen_at or device.bound_at
        limit = dt.timedelta(seconds=2 * device.heartbeat_interval_s)
        if silent_since is not None and now - silent_since > limit:
            if device.online:
                Device.objects.filter(pk=device.pk).update(online=False)
                device.online = False
            last = facts.last_device_incident.get((device.pk, IncidentKind.OFFLINE))
            if not facts.is_open(device.elder_id, IncidentKind.OFFLINE) and (
                last is None or last < silent_since
            ):
                note = _("%(device)s silent since %(since)s") % {
                    "device": device.device_id,
                    "since": timezone.localtime(silent_since).strftime("%Y-%m-%d %H:%M"),
                }
                opened.append(
                    _open(facts, device.elder, device, IncidentKind.OFFLINE, Priority.MAINTENANCE, now, note)
                )
        if device.battery is not None and device.battery < LOW_BATTERY_PERCENT:
            last = facts.last_device_incident.get((device.pk, IncidentKind.LOW_BATTERY))
            if not facts.is_open(device.elder_id, IncidentKind.LOW_BATTERY) and (
                last is None or now - last >= LOW_BATTERY_REPEAT
            ):
                note = _("%(device)s battery %(battery)s %%") % {
                    "device": device.device_id,
                    "battery": device.battery,
                }
                opened.append(
                    _open(
                        facts, device.elder, device, IncidentKind.LOW_BATTERY, Priority.MAINTENANCE, now, note
                    )
                )
    return opened


@transaction.atomic
def _open(
    facts: _Facts, elder, device: Device | None, kind: str, priority: str, now, note: str
) -> Incident | None:
    # Re-checked under the transaction: an alarm may have opened one since the facts were read.
    existing = Incident.objects.filter(elder_id=elder.pk, kind=kind, state__in=OPEN_STATES).first()
    facts.opened(elder.pk, kind)
    if existing is not None:
        return None
    return open_incident(elder=elder, device=device, kind=kind, priority=priority, at=now, note=note)
