"""Incidents: how alarm events and watch findings become incidents, and the operator's workflow.

received → acknowledged → calling the elder → calling contacts / keyholder → responder sent → on site →
closed (with an outcome). An incident is opened by a device's alarm, by the passive watch, or by a call to
the hotline (``open_reported_incident``: kind ``voice``, no device, urgent, on the same answer clock).
Every step is an ``IncidentStep`` with its time and actor and an audit record;
a step the state does not allow is a 409 ``illegal_transition``. Every change is announced through
``signals.incident_changed`` after commit (the live console and the SSE stream listen).

Escalation (``escalate_overdue``): an urgent incident still ``received`` after
``SHOUWANG_ALARM_ACK_SECONDS`` goes to level 1, after twice that to level 2; each level once.

- Level 1, the shift supervisor: the district's civil-affairs officials (officials whose assigned region
  lies inside the elder's district) get an SMS (when they have a phone) and a console alert, and every
  operator covering the community gets a console alert, so the whole shift sees the overdue call.
- Level 2, the next level: the officials of the city and province above the district, and the platform
  admins, get the same.

It runs from the periodic job (every 15 s, the scheduler's tick) and from the MQTT bridge loop every
few seconds, so an overdue alarm is escalated within seconds even when the scheduler is slow. A
conditional UPDATE on ``escalation_level`` makes the two callers (and several bridges) escalate a level
exactly once.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.accounts.models import User
from shouwang.core import audit
from shouwang.core.actors import as_user, require_actor
from shouwang.core.errors import Conflict, NotFound, ValidationFailed
from shouwang.core.models import AuditLog, MessageChannel
from shouwang.core.outbox import queue_message
from shouwang.core.roles import Role
from shouwang.core.text import within_limit
from shouwang.elders.models import EmergencyContact

from .models import (
    OPEN_STATES,
    ContactAttempt,
    ContactResult,
    Device,
    DeviceEvent,
    EventType,
    Incident,
    IncidentKind,
    IncidentState,
    IncidentStep,
    Outcome,
    Priority,
    ResponderKind,
    StepKind,
)
from .permissions import close_blockers, may_handle_incidents
from .signals import announce

S = IncidentState

# Which events open an incident, and at which priority.
ALARM_EVENTS = {
    EventType.FALL: (IncidentKind.FALL, Priority.URGENT),
    EventType.SOS: (IncidentKind.SOS, Priority.URGENT),
    EventType.GAS: (IncidentKind.GAS, Priority.URGENT),
    EventType.SMOKE: (IncidentKind.SMOKE, Priority.URGENT),
    EventType.WATER: (IncidentKind.WATER, Priority.HIGH),
    EventType.LOW_BATTERY: (IncidentKind.LOW_BATTERY, Priority.MAINTENANCE),
}
# An event joins an open incident of its device in the same group: an SOS after a fall is the same
# emergency, but a gas alarm must never disappear into a low-battery ticket.
EMERGENCY = (Priority.URGENT, Priority.HIGH)
PRIORITY_ORDER = [Priority.URGENT, Priority.HIGH, Priority.WELFARE, Priority.MAINTENANCE]


def ack_seconds() -> int:
    return settings.SHOUWANG_ALARM_ACK_SECONDS


def burst_window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SHOUWANG_ALARM_BURST_SECONDS)


# --- opening ------------------------------------------------------------------------------------------


def record_alarm_events(events: list[DeviceEvent]) -> list[tuple[Incident, str]]:
    """Open or join incidents for the alarm events among ``events`` and set each one's ``incident``;
    return the changes to announce, ``(incident, "created" | "joined")``, each at most once per incident,
    in the order they happened.

    ``events`` are new, accepted and unsaved, in arrival order, their devices loaded with the elder (and
    its community) and the community. An alarm joins the device's open incident of the same group whose
    last event lies within the burst window, else opens one; several alarms of one device in one batch
    join exactly as if they had come one by one. Called by ingestion inside its transaction, before the
    events are inserted (so their insert carries the incident); the batch costs a handful of queries:
    the open incidents of its devices (locked), then the new incidents, the joined ones, the steps and
    the audit records, each written in bulk. Heartbeats and other state events open nothing."""
    alarms = [event for event in events if event.type in ALARM_EVENTS]
    if not alarms:
        return []
    latest = _open_incidents_of(alarms)
    opened: list[tuple[Incident, dict]] = []  # with what the audit record says was opened
    joined: dict[int, Incident] = {}
    steps: list[IncidentStep] = []
    changes: dict[tuple[int, str], tuple[Incident, str]] = {}
    for event in alarms:
        kind, priority = ALARM_EVENTS[event.type]
        key = (event.device_id, _group(priority))
        incident = latest.get(key)
        if incident is None or incident.last_event_at < event.received_at - burst_window():
            incident = latest[key] = _new_incident(event, kind, priority)
            opened.append((incident, _opened_record(incident, event)))
            note = _("event %(event)s") % {"event": event.event_id}
            if event.late:
                note = _late_note(note, event)
            steps.append(
                IncidentStep(incident=incident, step=StepKind.RECEIVED, at=event.received_at, note=note)
            )
            change = "created"
        else:
            _join(incident, event, priority)
            if incident.pk is not None:
                joined[incident.pk] = incident
            note = f"{event.type} {event.event_id}"
            if event.late:
                note = _late_note(note, event)
            steps.append(
                IncidentStep(incident=incident, step=StepKind.JOINED, at=event.received_at, note=note[:300])
            )
            change = "joined"
        event.incident = incident
        changes.setdefault((id(incident), change), (incident, change))
    _save(opened, list(joined.values()), steps)
    return list(changes.values())


def _opened_record(incident: Incident, event: DeviceEvent) -> dict:
    """What the audit record of an incident opened by ``event`` says was opened."""
    record = {"kind": incident.kind, "priority": incident.priority, "device": event.device.device_id}
    if incident.reported_late:
        record.update(reported_late=True, device_time=event.ts.isoformat())
    return record


def _late_note(note: str, event: DeviceEvent) -> str:
    """The step's note for an alarm that came late: the device's own time, in the platform's zone."""
    device_time = timezone.localtime(event.ts).strftime("%Y-%m-%d %H:%M:%S")
    return _("%(note)s, reported late (迟报), device time %(time)s") % {"note": note, "time": device_time}


def _group(priority: str) -> tuple[str, ...]:
    """The priorities an event may join: an SOS after a fall is the same emergency, but a gas alarm must
    never disappear into a low-battery ticket."""
    return EMERGENCY if priority in EMERGENCY else (priority,)


def _open_incidents_of(alarms: list[DeviceEvent]) -> dict[tuple[int, tuple[str, ...]], Incident]:
    """Per (device, group): the device's open incident of that group with the latest event, if that event
    lies within the burst window of the batch's earliest alarm; locked until the batch commits, so two
    bridges joining the same device's alarms serialize (the devices are locked too, see ingestion)."""
    priorities = {priority for event in alarms for priority in _group(ALARM_EVENTS[event.type][1])}
    devices = {event.device_id: event.device for event in alarms}
    since = min(event.received_at for event in alarms) - burst_window()
    candidates = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("elder", "community")
        .filter(
            device_id__in=devices, state__in=OPEN_STATES, priority__in=priorities, last_event_at__gte=since
        )
        .order_by("pk")
    )
    latest: dict[tuple[int, tuple[str, ...]], Incident] = {}
    for incident in candidates:
        incident.device = devices[incident.device_id]  # the same row, already loaded
        key = (incident.device_id, _group(incident.priority))
        if key not in latest or incident.last_event_at > latest[key].last_event_at:
            latest[key] = incident
    return latest


def _new_incident(event: DeviceEvent, kind: str, priority: str) -> Incident:
    """An unsaved incident for the first alarm of a burst; its elder, device and community are the loaded
    objects, so the live payload needs no query."""
    device = event.device
    elder = device.elder
    community = elder.community if elder else device.community
    return Incident(
        elder=elder,
        device=device,
        community=community,
        kind=kind,
        priority=priority,
        opened_at=event.received_at,
        device_time=event.ts,
        reported_late=event.late,
        last_event_at=event.received_at,
        lat=event.lat if event.lat is not None else getattr(elder, "lat", None),
        lon=event.lon if event.lon is not None else getattr(elder, "lon", None),
    )


def _join(incident: Incident, event: DeviceEvent, priority: str) -> None:
    """Count a further alarm into the incident (in memory; ``_save`` writes it)."""
    incident.event_count += 1
    incident.last_event_at = max(incident.last_event_at, event.received_at)
    if PRIORITY_ORDER.index(priority) < PRIORITY_ORDER.index(incident.priority):
        incident.priority = priority  # a gas alarm after a water leak makes the incident urgent
    if event.lat is not None:
        incident.lat, incident.lon = event.lat, event.lon


def _save(opened: list[tuple[Incident, dict]], joined: list[Incident], steps: list[IncidentStep]) -> None:
    """Write a batch's incidents, their steps and the audit records of the opened ones, each in one go."""
    if opened:
        Incident.objects.bulk_create([incident for incident, _opened in opened])
    if joined:
        Incident.objects.bulk_update(joined, ["event_count", "last_event_at", "priority", "lat", "lon"])
    IncidentStep.objects.bulk_create(steps)
    if opened:
        # str(incident), with each label translated once per batch instead of twice per incident
        labels = functools.cache(lambda kind: str(IncidentKind(kind).label))
        received = str(S.RECEIVED.label)
        AuditLog.objects.bulk_create(
            [
                audit.entry(
                    actor=None,
                    action="alarms.incident_opened",
                    obj=incident,
                    object_repr=f"#{incident.pk} {labels(incident.kind)} ({received})",
                    after=after,
                    region_code=incident.community_id or "",
                )
                for incident, after in opened
            ]
        )


def open_incident(
    *,
    elder,
    device: Device | None,
    kind: str,
    priority: str,
    at: dt.datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    note: str = "",
    actor=None,
) -> Incident:
    """Open an incident (state received) for an elder and/or a device; used by ingestion, the watch and
    the hotline (``open_reported_incident``). Its community is the elder's, else the device's last one, so
    it lands in the right scope. ``actor`` is who opened it (None: the platform, for the record only)."""
    at = at or timezone.now()
    community_id = elder.community_id if elder else (device.community_id if device else None)
    incident = Incident.objects.create(
        elder=elder,
        device=device,
        community_id=community_id,
        kind=kind,
        priority=priority,
        opened_at=at,
        last_event_at=at,
        lat=lat if lat is not None else getattr(elder, "lat", None),
        lon=lon if lon is not None else getattr(elder, "lon", None),
    )
    if device is not None and community_id and device.community_id == community_id:
        incident.community = device.community  # already loaded: the live payload needs no query
    _step(incident, StepKind.RECEIVED, actor=as_user(actor), at=at, note=note)
    audit.record(
        actor=actor,
        action="alarms.incident_opened",
        obj=incident,
        after={"kind": kind, "priority": priority, "device": device.device_id if device else None},
        region_code=community_id or "",
    )
    announce(incident, "created")
    return incident


@transaction.atomic
def open_reported_incident(*, actor, elder, note: str = "", at: dt.datetime | None = None) -> Incident:
    """An emergency reported by voice (an elder or a neighbour calls the hotline; no device involved):
    an urgent incident for ``elder`` in state received, on the same answer-time clock and escalation as a
    device's SOS (``escalate_overdue`` reads the priority and the opening time, not the device). The
    actor must handle incidents and reach the elder; ``at`` is when the call began (the clock starts
    there, not when the operator finished typing)."""
    from shouwang.elders.selectors import elders_for

    require_actor(actor)
    if not may_handle_incidents(actor) or not elders_for(actor).filter(pk=elder.pk).exists():
        raise NotFound(_("This elder does not exist or is outside your area."))
    note = within_limit(note, 300, field="note", label=_("The note"))
    return open_incident(
        elder=elder,
        device=None,
        kind=IncidentKind.VOICE,
        priority=Priority.URGENT,
        at=min(at or timezone.now(), timezone.now()),
        note=note or _("reported by phone"),
        actor=actor,
    )


# --- the workflow -------------------------------------------------------------------------------------


def _locked(actor, incident) -> Incident:
    """The incident, locked for this transaction, if the actor may handle it; else NotFound."""
    from .selectors import incidents_for

    incident_id = incident.pk if isinstance(incident, Incident) else incident
    if not may_handle_incidents(actor):
        raise NotFound(_("This incident does not exist or is outside your area."))
    try:
        return incidents_for(actor).select_for_update(of=("self",)).get(pk=incident_id)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This incident does not exist or is outside your area.")) from None


def _require(incident: Incident, states, step_name: str) -> None:
    if incident.state not in states:
        raise Conflict(
            _("An incident that is %(state)s cannot be moved to “%(step)s”.")
            % {"state": incident.get_state_display(), "step": step_name},
            code="illegal_transition",
        )


def _step(
    incident: Incident, step: str, *, actor, at: dt.datetime | None = None, note: str = ""
) -> IncidentStep:
    return IncidentStep.objects.create(
        incident=incident, step=step, at=at or timezone.now(), actor=actor, note=note[:300]
    )


def _move(actor, incident: Incident, *, state: str, step: str, action: str, note: str = "", fields=()):
    """Save the new state (and ``fields``), write the step and the audit record."""
    before = incident.state
    incident.state = state
    incident.save(update_fields=["state", *fields])
    _step(incident, step, actor=actor, note=note)
    audit.record(
        actor=actor,
        action=f"alarms.{action}",
        obj=incident,
        before={"state": before},
        after={"state": state, **{name: audit._plain(getattr(incident, name)) for name in fields}},
        region_code=incident.community_id or "",
    )


@transaction.atomic
def acknowledge(*, actor, incident) -> Incident:
    """An operator takes the incident: the answer time is measured up to here."""
    incident = _locked(actor, incident)
    _require(incident, [S.RECEIVED], _("acknowledged"))
    incident.acknowledged_at, incident.acknowledged_by = timezone.now(), actor
    _move(
        actor,
        incident,
        state=S.ACKNOWLEDGED,
        step=StepKind.ACKNOWLEDGED,
        action="incident_acknowledged",
        fields=("acknowledged_at", "acknowledged_by"),
    )
    announce(incident, "acknowledged")
    return incident


@transaction.atomic
def start_calling_elder(*, actor, incident) -> Incident:
    """The operator calls the elder's own phone (or talks through the call box)."""
    incident = _locked(actor, incident)
    _require(incident, [S.ACKNOWLEDGED, S.CALLING_CONTACTS], _("calling the elder"))
    _move(
        actor, incident, state=S.CALLING_ELDER, step=StepKind.CALLING_ELDER, action="incident_calling_elder"
    )
    announce(incident, "step")
    return incident


@transaction.atomic
def record_contact_attempt(*, actor, incident, result: str, contact: int | EmergencyContact | None = None):
    """One call and its result (called / answered / no answer), to a contact of the elder or, with no
    ``contact``, to the elder's own phone. The first call to a contact moves the incident to "calling
    contacts"; a call to the elder from "acknowledged" moves it to "calling the elder"."""
    incident = _locked(actor, incident)
    _require(
        incident,
        [S.ACKNOWLEDGED, S.CALLING_ELDER, S.CALLING_CONTACTS, S.RESPONDER_SENT, S.ON_SITE],
        _("contact attempt"),
    )
    if result not in ContactResult.values:
        raise ValidationFailed(
            _("Choose called, answered or no answer."), errors={"result": _("Invalid choice.")}
        )
    contact = _contact_of(incident, contact)
    attempt = ContactAttempt.objects.create(
        incident=incident, contact=contact, result=result, at=timezone.now(), actor=actor
    )
    who = contact.name if contact else _("the elder")
    note = f"{who}: {ContactResult(result).label}"
    if contact and incident.state in (S.ACKNOWLEDGED, S.CALLING_ELDER):
        _move(
            actor,
            incident,
            state=S.CALLING_CONTACTS,
            step=StepKind.CONTACT,
            action="incident_contact",
            note=note,
        )
    elif not contact and incident.state == S.ACKNOWLEDGED:
        _move(
            actor,
            incident,
            state=S.CALLING_ELDER,
            step=StepKind.CONTACT,
            action="incident_contact",
            note=note,
        )
    else:
        _step(incident, StepKind.CONTACT, actor=actor, note=note)
        audit.record(
            actor=actor,
            action="alarms.incident_contact",
            obj=incident,
            after={"contact": contact.pk if contact else None, "result": result},
            region_code=incident.community_id or "",
        )
    announce(incident, "contact")
    return attempt


def _contact_of(incident: Incident, contact) -> EmergencyContact | None:
    if contact in (None, "", 0):
        return None
    contact_id = contact.pk if isinstance(contact, EmergencyContact) else contact
    found = EmergencyContact.objects.filter(pk=contact_id, elder_id=incident.elder_id).first()
    if found is None or incident.elder_id is None:
        raise ValidationFailed(
            _("This contact does not belong to the elder of this incident."),
            errors={"contact": _("Not a contact of this elder.")},
        )
    return found


@transaction.atomic
def send_responder(*, actor, incident, kind: str, note: str = "") -> Incident:
    """Someone is on the way: a community worker, a volunteer, a provider, or 120 / 119 was called."""
    incident = _locked(actor, incident)
    _require(
        incident, [S.ACKNOWLEDGED, S.CALLING_ELDER, S.CALLING_CONTACTS, S.RESPONDER_SENT], _("responder sent")
    )
    if kind not in ResponderKind.values:
        raise ValidationFailed(_("Choose who is sent."), errors={"kind": _("Invalid choice.")})
    note = within_limit(note, 200, field="note", label=_("The note"))
    incident.responder_kind, incident.responder_note = kind, note
    _move(
        actor,
        incident,
        state=S.RESPONDER_SENT,
        step=StepKind.RESPONDER_SENT,
        action="incident_responder_sent",
        note=f"{ResponderKind(kind).label} {incident.responder_note}".strip(),
        fields=("responder_kind", "responder_note"),
    )
    announce(incident, "step")
    return incident


@transaction.atomic
def mark_on_site(*, actor, incident, note: str = "") -> Incident:
    """The responder has arrived."""
    note = within_limit(note, 300, field="note", label=_("The note"))
    incident = _locked(actor, incident)
    _require(incident, [S.RESPONDER_SENT], _("on site"))
    _move(actor, incident, state=S.ON_SITE, step=StepKind.ON_SITE, action="incident_on_site", note=note)
    announce(incident, "step")
    return incident


@transaction.atomic
def close(*, actor, incident, outcome: str, notes: str = "") -> Incident:
    """Close with an outcome code, which nobody chooses for the operator. An urgent incident closes only
    after a call to the elder or a contact is recorded, or a responder sent; a false alarm and "other"
    need notes (``permissions.close_blockers``). A refusal names everything missing and saves nothing."""
    incident = _locked(actor, incident)
    _require(
        incident,
        [S.ACKNOWLEDGED, S.CALLING_ELDER, S.CALLING_CONTACTS, S.RESPONDER_SENT, S.ON_SITE],
        _("closed"),
    )
    outcome, notes = (outcome or "").strip(), (notes or "").strip()
    missing = close_blockers(incident, outcome=outcome, notes=notes)
    if missing:
        raise ValidationFailed(
            _("The incident cannot be closed yet: %(missing)s") % {"missing": " ".join(missing.values())},
            errors=missing,
        )
    incident.outcome, incident.notes = outcome, notes
    incident.closed_at, incident.closed_by = timezone.now(), actor
    _move(
        actor,
        incident,
        state=S.CLOSED,
        step=StepKind.CLOSED,
        action="incident_closed",
        note=Outcome(outcome).label,
        fields=("outcome", "notes", "closed_at", "closed_by"),
    )
    announce(incident, "closed")
    return incident


# --- escalation ---------------------------------------------------------------------------------------


def escalate_overdue(now: dt.datetime | None = None) -> list[tuple[int, int]]:
    """Escalate every urgent incident still unacknowledged past the target; returns (incident id, level)
    for each level raised. Safe to run from several processes at once (see the module docstring)."""
    now = now or timezone.now()
    ack = dt.timedelta(seconds=ack_seconds())
    overdue = Incident.objects.filter(
        priority=Priority.URGENT, state=S.RECEIVED, escalation_level__lt=2, opened_at__lte=now - ack
    ).select_related("elder", "community")
    raised = []
    for incident in overdue:
        due = 2 if incident.opened_at <= now - 2 * ack else 1
        for level in range(incident.escalation_level + 1, due + 1):
            if _escalate(incident, level, now):
                raised.append((incident.pk, level))
    return raised


@transaction.atomic
def _escalate(incident: Incident, level: int, now: dt.datetime) -> bool:
    claimed = Incident.objects.filter(pk=incident.pk, state=S.RECEIVED, escalation_level=level - 1).update(
        escalation_level=level, escalated_at=now
    )
    if not claimed:
        return False  # acknowledged meanwhile, or another process raised this level
    incident.escalation_level, incident.escalated_at = level, now
    waited = int((now - incident.opened_at).total_seconds())
    text = _(
        "Alarm #%(id)s (%(kind)s, %(elder)s) not answered for %(seconds)s s: escalation level %(level)s."
    ) % {
        "id": incident.pk,
        "kind": incident.get_kind_display(),
        "elder": incident.elder.name if incident.elder else "-",
        "seconds": waited,
        "level": level,
    }
    recipients = supervisors(incident, level)
    for user in recipients:
        queue_message(
            to=user.username,
            body=text,
            purpose="alarm_escalation",
            channel=MessageChannel.CONSOLE,
            related=incident,
        )
        if user.phone and user.role != Role.OPERATOR:
            queue_message(to=user.phone, body=text, purpose="alarm_escalation", related=incident)
    _step(
        incident,
        StepKind.ESCALATED,
        actor=None,
        at=now,
        note=_("level %(level)s, %(n)s notified") % {"level": level, "n": len(recipients)},
    )
    audit.record(
        actor=None,
        action="alarms.incident_escalated",
        obj=incident,
        after={"level": level, "notified": [user.username for user in recipients]},
        region_code=incident.community_id or "",
    )
    announce(incident, "escalated")
    return True


def supervisors(incident: Incident, level: int) -> list[User]:
    """Who is alerted at each escalation level (see the module docstring)."""
    community = incident.community_id or ""
    users = User.objects.filter(is_active=True)
    if level == 1:
        if not community:
            return list(users.filter(Q(role=Role.ADMIN) | Q(is_superuser=True)))
        district = community[:6]
        officials = users.filter(role=Role.OFFICIAL, regions__code__startswith=district)
        operators = [
            user
            for user in users.filter(role=Role.OPERATOR).prefetch_related("regions")
            if any(community.startswith(_prefix(region.code)) for region in user.regions.all())
        ]
        return _unique([*officials, *operators])
    above = [community[:4].ljust(12, "0"), community[:2].ljust(12, "0")] if community else []
    officials = users.filter(role=Role.OFFICIAL, regions__code__in=above)
    admins = users.filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
    return _unique([*officials, *admins])


def _prefix(code: str) -> str:
    from shouwang.regions.models import prefix_of

    return prefix_of(code)


def _unique(users) -> list[User]:
    seen, result = set(), []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            result.append(user)
    return result


# --- answer-time report -------------------------------------------------------------------------------

TARGETS = ((60, 0.975), (180, 0.99))  # DOMAIN.md §5: 97.5 % within 60 s, 99 % within 180 s


def answer_time_report(user, month: str) -> list[dict]:
    """Per team (the incident's district) for the alarm calls (urgent and high) opened in ``month``
    ("YYYY-MM", Asia/Shanghai): count, answered, p50 / p95 answer seconds, the share answered within 60 s
    and 180 s against the targets, and the false-alarm rate among the closed ones. An alarm never
    acknowledged counts as not answered within any target."""
    from shouwang.regions.models import Region

    from .selectors import incidents_for

    start, end = _month_bounds(month)
    rows = (
        incidents_for(user)
        .filter(priority__in=EMERGENCY, opened_at__gte=start, opened_at__lt=end)
        .values_list("community_id", "opened_at", "acknowledged_at", "state", "outcome")
    )
    teams: dict[str, list] = defaultdict(list)
    for community, opened, acknowledged, state, outcome in rows:
        teams[(community or "")[:6].ljust(12, "0") if community else ""].append(
            (opened, acknowledged, state, outcome)
        )
    names = dict(Region.objects.filter(code__in=[code for code in teams if code]).values_list("code", "name"))
    return [
        _team_row(code, names.get(code, _("no community")), entries)
        for code, entries in sorted(teams.items())
    ]


def _team_row(code: str, name: str, entries: list) -> dict:
    waits = sorted((ack - opened).total_seconds() for opened, ack, _s, _o in entries if ack is not None)
    count = len(entries)
    closed = [outcome for _o, _a, state, outcome in entries if state == S.CLOSED]
    row = {
        "team_code": code,
        "team": name,
        "count": count,
        "answered": len(waits),
        "p50_seconds": _percentile(waits, 50),
        "p95_seconds": _percentile(waits, 95),
        "false_alarm_rate": round(closed.count(Outcome.FALSE_ALARM) / len(closed), 4) if closed else None,
    }
    for seconds, target in TARGETS:
        share = sum(1 for wait in waits if wait <= seconds) / count if count else None
        row[f"within_{seconds}s"] = round(share, 4) if share is not None else None
        row[f"target_{seconds}s"] = target
        row[f"meets_{seconds}s"] = share is not None and share >= target
    return row


def _percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of sorted ``values``."""
    if not values:
        return None
    rank = max(1, math.ceil(p / 100 * len(values)))
    return round(values[rank - 1], 1)


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        year, number = (int(part) for part in month.split("-"))
        first = dt.datetime(year, number, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))
    except (ValueError, TypeError):
        raise ValidationFailed(
            _("Give the month as YYYY-MM."), errors={"month": _("Invalid month.")}
        ) from None
    following = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=first.tzinfo)
    return first, following
