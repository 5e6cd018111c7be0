"""Reads of devices and incidents, always through the acting user's scope.

Scope is the incident's (or device's) community: platform admins see everything; officials and
operators their region subtrees; community workers their communities; every other role nothing. An
incident without a community (an alarm from a device never bound to anyone) is seen by admins only.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shouwang.core.errors import NotFound
from shouwang.core.masking import mask_phone
from shouwang.core.scope import scope_of
from shouwang.core.text import is_digits
from shouwang.elders.selectors import get_elder_for

from .models import DeliveryCheck, Device, DeviceEvent, Incident, IncidentState, IngestRejection, Priority
from .permissions import may_read_elder_alarms, may_read_rejections, may_see_alarms


def incidents_for(user) -> QuerySet[Incident]:
    """Incidents the user may see (see the module docstring), with what a list shows joined in."""
    if not may_see_alarms(user):
        return Incident.objects.none()
    incidents = Incident.objects.select_related("elder", "community", "device")
    return scope_of(user).filter(incidents, region="community__code")


def incidents_of_elder(user, elder_id: int) -> QuerySet[Incident]:
    """One elder's incidents, newest first, for those who may read them (``may_read_elder_alarms``: the
    alarm roles, and the elder's family in the portal); NotFound when the elder is not in the user's scope."""
    if not may_read_elder_alarms(user):
        return Incident.objects.none()
    elder = get_elder_for(user, elder_id)
    return Incident.objects.filter(elder=elder).order_by("-opened_at", "-id")


def get_incident_for(user, incident_id: int) -> Incident:
    try:
        return incidents_for(user).select_related("acknowledged_by", "closed_by").get(pk=incident_id)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This incident does not exist or is outside your area.")) from None


def search_incidents(
    user,
    *,
    state: str = "",
    priority: str = "",
    kind: str = "",
    elder: int | None = None,
    since: dt.datetime | None = None,
    open_only: bool = False,
) -> QuerySet[Incident]:
    """The list with its filters, newest first."""
    incidents = incidents_for(user)
    if state:
        incidents = incidents.filter(state=state)
    if open_only:
        incidents = incidents.exclude(state=IncidentState.CLOSED)
    if priority:
        incidents = incidents.filter(priority=priority)
    if kind:
        incidents = incidents.filter(kind=kind)
    if elder:
        incidents = incidents.filter(elder_id=elder)
    if since:
        incidents = incidents.filter(opened_at__gte=since)
    return incidents.order_by("-opened_at", "-id")


def open_queue(user) -> list[Incident]:
    """Open incidents in the order an operator takes them: urgent first, then oldest first."""
    rank = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.WELFARE: 2, Priority.MAINTENANCE: 3}
    incidents = list(incidents_for(user).exclude(state=IncidentState.CLOSED))
    return sorted(incidents, key=lambda incident: (rank.get(incident.priority, 9), incident.opened_at))


def incident_payload(incident: Incident) -> dict:
    """What the live stream and the API send about one incident (JSON-safe; the phone is masked)."""
    elder, device, community = incident.elder, incident.device, incident.community
    return {
        "id": incident.pk,
        "kind": incident.kind,
        "kind_label": str(incident.get_kind_display()),
        "priority": incident.priority,
        "state": incident.state,
        "state_label": str(incident.get_state_display()),
        "elder_id": elder.pk if elder else None,
        "elder_name": elder.name if elder else "",
        "elder_phone": mask_phone(elder.phone) if elder else "",
        "community": community.code if community else "",
        "community_name": community.name if community else "",
        "device_id": device.device_id if device else "",
        "device_type": device.type if device else "",
        "opened_at": _iso(incident.opened_at),
        "device_time": _iso(incident.device_time),
        "reported_late": incident.reported_late,
        "last_event_at": _iso(incident.last_event_at),
        "acknowledged_at": _iso(incident.acknowledged_at),
        "closed_at": _iso(incident.closed_at),
        "event_count": incident.event_count,
        "lat": incident.lat,
        "lon": incident.lon,
        "escalation_level": incident.escalation_level,
        "responder_kind": incident.responder_kind,
        "outcome": incident.outcome,
    }


def incident_detail(incident: Incident) -> dict:
    """The payload plus steps, contact attempts and the device's recent events (for the API detail)."""
    payload = incident_payload(incident)
    payload["notes"] = incident.notes
    payload["responder_note"] = incident.responder_note
    payload["steps"] = [
        {
            "step": step.step,
            "at": _iso(step.at),
            "actor": step.actor.username if step.actor else "",
            "note": step.note,
        }
        for step in incident.steps.select_related("actor")
    ]
    payload["contact_attempts"] = [
        {
            "contact_id": attempt.contact_id,
            "contact_name": attempt.contact.name if attempt.contact else "",
            "result": attempt.result,
            "at": _iso(attempt.at),
            "actor": attempt.actor.username if attempt.actor else "",
        }
        for attempt in incident.contact_attempts.select_related("contact", "actor")
    ]
    payload["events"] = (
        [
            {
                "event_id": event.event_id,
                "type": event.type,
                "ts": _iso(event.ts),
                "received_at": _iso(event.received_at),
                "late": event.late,
                "via": event.via,
            }
            for event in recent_events(incident.device)
        ]
        if incident.device
        else []
    )
    return payload


def recent_events(device: Device | None, limit: int = 20) -> list[DeviceEvent]:
    if device is None:
        return []
    return list(DeviceEvent.objects.filter(device=device).order_by("-received_at", "-id")[:limit])


def devices_for(user) -> QuerySet[Device]:
    """Devices in the user's scope, by their community (the bound elder's, or the last one's)."""
    if not may_see_alarms(user):
        return Device.objects.none()
    devices = Device.objects.select_related("elder", "community")
    return scope_of(user).filter(devices, region="community__code")


def get_device_for(user, device_id: str) -> Device:
    """By the public ``device_id`` (``dv_…``) or the numeric primary key."""
    devices = devices_for(user)
    lookup = {"pk": int(device_id)} if is_digits(str(device_id)) else {"device_id": device_id}
    try:
        return devices.get(**lookup)
    except Device.DoesNotExist:
        raise NotFound(_("This device does not exist or is outside your area.")) from None


def rejection_counts(user, since: dt.datetime | None = None) -> dict[str, int]:
    """Rejected messages by reason (admins only: a rejection may not name a known device), from the
    hourly counts: ``since`` counts the hours that were still going on at that time."""
    from django.db.models import Sum

    if not may_read_rejections(user):
        return {}
    rejections = IngestRejection.objects.all()
    if since:
        rejections = rejections.filter(received_at__gte=since)
    return dict(rejections.values_list("reason").annotate(n=Sum("count")).values_list("reason", "n"))


def storage_alerts() -> list[dict]:
    """The MQTT bridges that have failed to store alarms for longer than their alert threshold
    (``bridge.StorageAlert``): ``bridge``, ``since`` (a datetime), ``error`` and ``waiting`` (messages held).
    Empty when all store, or when the cache cannot be read (the bridges' CRITICAL log lines remain)."""
    from django.core.cache import cache

    from .bridge import ALERTS_KEY

    try:
        alerts = cache.get(ALERTS_KEY) or {}
    except Exception:  # noqa: BLE001 - a page or a health check must not fail on the cache
        return []
    return [
        {**entry, "bridge": bridge, "since": dt.datetime.fromisoformat(entry["since"])}
        for bridge, entry in sorted(alerts.items())
    ]


def delivery_alert() -> dict | None:
    """The platform alarm of ``delivery.check_delivery`` while heartbeats go missing: since when, and
    the latest check's figures; None when the latest check is fine (or there is none)."""
    latest = DeliveryCheck.objects.order_by("-at", "-id").first()
    if latest is None or not latest.alerting:
        return None
    last_fine = DeliveryCheck.objects.filter(alerting=False).order_by("-at", "-id").first()
    streak = DeliveryCheck.objects.filter(alerting=True)
    if last_fine is not None:
        streak = streak.filter(at__gt=last_fine.at)
    first = streak.order_by("at", "id").first() or latest
    return {
        "since": first.at,
        "checked_at": latest.at,
        "devices": latest.devices,
        "expected": round(latest.expected),
        "received": latest.received,
        "percent": round(100 * latest.ratio) if latest.ratio is not None else None,
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
