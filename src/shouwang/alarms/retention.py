"""How long device events are kept (ADR 0017).

Alarms are the record of what happened to an elder and of how the platform answered: every alarm event,
and every event that joined an incident, is kept. The rest (motion, door openings, check-ins; heartbeats
from before they were coalesced into the device) matter for a few days, to the watch and to whoever looks
at a device's recent history, and are deleted once older than ``SHOUWANG_DEVICE_EVENT_RETENTION_DAYS``.
Deleted in chunks, each in its own short transaction, so the job never holds a long lock on a busy table
and can stop anywhere.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .incidents import ALARM_EVENTS
from .models import DeviceEvent

DELETE_CHUNK = 5_000
KEPT_TYPES = tuple(ALARM_EVENTS)


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.SHOUWANG_DEVICE_EVENT_RETENTION_DAYS)


def expired_events(cutoff: dt.datetime):
    """Events past the cutoff that no rule keeps: not an alarm, not part of an incident."""
    return DeviceEvent.objects.filter(received_at__lt=cutoff, incident__isnull=True).exclude(
        type__in=KEPT_TYPES
    )


def purge_expired_events(now: dt.datetime | None = None) -> int:
    """Delete the expired events, a chunk per transaction; returns how many were deleted."""
    cutoff = retention_cutoff(now)
    deleted = 0
    while True:
        with transaction.atomic():
            chunk = list(
                expired_events(cutoff).order_by("received_at").values_list("pk", flat=True)[:DELETE_CHUNK]
            )
            if not chunk:
                return deleted
            deleted += DeviceEvent.objects.filter(pk__in=chunk).delete()[0]
