"""Demo alarm devices, a month of handled incidents and two alarms waiting for the operator.

Elders who live alone in the demo communities get an SOS pendant, many a door contact and a motion
sensor, some a smoke detector or a fall-detecting watch. Every device reports once through the real
ingestion path (signed, as a device would), so the console shows them online and the passive watch has
recent facts. The month of history goes through the operator's workflow services and is then moved
back in time, with realistic answer times (most within 60 s, a few slower), so the answer-time report
has something to say. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import json
import random

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.alarms import incidents as workflow
from shouwang.alarms import services
from shouwang.alarms.ingestion import ingest, sign
from shouwang.alarms.models import (
    ContactAttempt,
    Device,
    Incident,
    IncidentKind,
    IncidentStep,
    Outcome,
    Priority,
)
from shouwang.elders.models import Elder, LivingArrangement, Status

VENDORS = (("安康通", "AK-S3"), ("颐家", "YJ-P2"), ("小度守护", "XD-W1"))
# (device type, share of the elders living alone who have one)
KIT = (("sos_pendant", 1.0), ("door", 0.6), ("motion", 0.6), ("smoke", 0.3), ("watch", 0.15))
HISTORY_KINDS = (
    (IncidentKind.SOS, Priority.URGENT, 45),
    (IncidentKind.FALL, Priority.URGENT, 15),
    (IncidentKind.SMOKE, Priority.URGENT, 8),
    (IncidentKind.WATER, Priority.HIGH, 5),
    (IncidentKind.LOW_BATTERY, Priority.MAINTENANCE, 12),
)
OUTCOMES = (
    (Outcome.FALSE_ALARM, 45),
    (Outcome.RESOLVED_BY_PHONE, 30),
    (Outcome.RESOLVED_ON_SITE, 17),
    (Outcome.HOSPITAL, 7),
    (Outcome.OTHER, 1),
)
MAX_ELDERS = 120
HISTORY_INCIDENTS = 80


def _report(device: Device, secret: str, event_type: str, rng: random.Random, **extra) -> None:
    """One signed event through the ingestion path, as the device itself would send it."""
    body = {
        "device_id": device.device_id,
        "event_id": f"demo-{event_type}-{rng.randrange(10**12):012d}",
        "type": event_type,
        "ts": timezone.now().isoformat(),
        **extra,
    }
    raw = json.dumps(body).encode()
    ingest(raw, signature=sign(raw, secret), via="http")


def _install(rng: random.Random, elders: list[Elder], operator: User) -> list[tuple[Device, str]]:
    installed = []
    for elder in elders:
        for kind, share in KIT:
            if rng.random() >= share:
                continue
            vendor, model = rng.choice(VENDORS)
            device, secret = services.register_device(
                actor=operator,
                serial=f"{model}-{rng.randrange(10**10):010d}",
                type=kind,
                vendor=vendor,
                model=model,
                elder_id=elder.pk,
            )
            installed.append((device, secret))
    return installed


def _first_reports(rng: random.Random, installed: list[tuple[Device, str]]) -> None:
    for device, secret in installed:
        battery = rng.randrange(35, 100)
        _report(device, secret, "heartbeat", rng, battery=battery)
        if device.type in ("motion", "door"):
            _report(device, secret, "motion" if device.type == "motion" else "door_open", rng)


# Notes an operator writes when closing; a false alarm and "other" need one (alarms.permissions).
NOTES = {
    Outcome.FALSE_ALARM: ("老人误按，电话确认安好", "设备误报，已提醒家属检查佩戴", "宠物触发，老人确认无事"),
    Outcome.OTHER: ("老人已由家属接走，社工次日回访",),
}


def _history(rng: random.Random, elders: list[Elder], operator: User) -> None:
    """Closed incidents over the last 30 days. Each goes through the operator's workflow services, so it
    obeys the same rules as a real one (an urgent alarm closes only after a call or a responder, a false
    alarm has a note); then its times are moved back to when it happened, for the answer-time report."""
    kinds = [(kind, priority) for kind, priority, share in HISTORY_KINDS for _ in range(share)]
    outcomes = [outcome for outcome, share in OUTCOMES for _ in range(share)]
    now = timezone.now()
    for _ in range(HISTORY_INCIDENTS):
        elder = rng.choice(elders)
        kind, priority = rng.choice(kinds)
        outcome = rng.choice(outcomes)
        opened = now - dt.timedelta(days=rng.uniform(1, 30))
        # Most answered within a minute; a few slower, one in fifty past three minutes.
        roll = rng.random()
        answer = (
            rng.uniform(8, 55)
            if roll < 0.93
            else rng.uniform(60, 170)
            if roll < 0.98
            else rng.uniform(190, 400)
        )
        acknowledged = opened + dt.timedelta(seconds=answer)
        closed = acknowledged + dt.timedelta(minutes=rng.uniform(3, 90))
        incident = workflow.open_incident(elder=elder, device=None, kind=kind, priority=priority)
        workflow.acknowledge(actor=operator, incident=incident)
        workflow.record_contact_attempt(
            actor=operator,
            incident=incident,
            result="answered" if outcome != Outcome.HOSPITAL else rng.choice(("no_answer", "answered")),
        )
        if outcome in (Outcome.RESOLVED_ON_SITE, Outcome.HOSPITAL):
            workflow.send_responder(actor=operator, incident=incident, kind=rng.choice(RESPONDERS))
            workflow.mark_on_site(actor=operator, incident=incident)
        notes = rng.choice(NOTES[outcome]) if outcome in NOTES else ""
        workflow.close(actor=operator, incident=incident, outcome=outcome, notes=notes)
        _backdate(incident.pk, opened=opened, acknowledged=acknowledged, closed=closed)


RESPONDERS = ("community_worker", "volunteer", "120")


def _backdate(incident_id: int, *, opened: dt.datetime, acknowledged: dt.datetime, closed: dt.datetime):
    """Move a demo incident handled just now back to when it happened: its steps and calls spread between
    the answer and the close, in the order they were made."""
    Incident.objects.filter(pk=incident_id).update(
        opened_at=opened, last_event_at=opened, acknowledged_at=acknowledged, closed_at=closed
    )
    steps = list(IncidentStep.objects.filter(incident_id=incident_id).order_by("pk"))
    between = steps[2:-1]
    span = (closed - acknowledged) / (len(between) + 1)
    steps[0].at, steps[1].at, steps[-1].at = opened, acknowledged, closed
    for index, step in enumerate(between, start=1):
        step.at = acknowledged + span * index
    IncidentStep.objects.bulk_update(steps, ["at"])
    calls = list(ContactAttempt.objects.filter(incident_id=incident_id).order_by("pk"))
    for index, call in enumerate(calls, start=1):
        call.at = acknowledged + span * index
    ContactAttempt.objects.bulk_update(calls, ["at"])


def load_alarms(*, community_codes: list[str], seed: int) -> int:
    """Devices for elders living alone in ``community_codes``, history, and two live alarms; returns the
    number of devices."""
    rng = random.Random(f"{seed}-alarms")
    operator = User.objects.get(username="operator")
    elders = list(
        Elder.objects.filter(
            community_id__in=community_codes,
            status=Status.ACTIVE,
            living_arrangement=LivingArrangement.ALONE,
            lat__isnull=False,
        ).order_by("pk")[:MAX_ELDERS]
    )
    if not elders:
        return 0
    installed = _install(rng, elders, operator)
    _first_reports(rng, installed)
    _history(rng, elders, operator)
    pendants = [(device, secret) for device, secret in installed if device.type == "sos_pendant"]
    smoke = [(device, secret) for device, secret in installed if device.type == "smoke"]
    for device, secret in pendants[:1]:
        _report(device, secret, "sos", rng, battery=rng.randrange(40, 90))
    for device, secret in smoke[:1]:
        _report(device, secret, "smoke", rng)
    for device, secret in pendants[1:2]:
        _report(device, secret, "low_battery", rng, battery=12)
    return len(installed)
