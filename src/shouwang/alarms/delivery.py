"""Noticing a broker that drops messages (issue 23).

The platform cannot read the broker's settings, but it can see their effect. Every device promises a
heartbeat per ``heartbeat_interval_s``; the ingestion counts the heartbeats each device delivered (ADR
0017). Every few minutes ``check_delivery`` compares what arrived since the last check with what the
devices that were alive promised over that time. A mis-configured broker (a queue cap reached), an
overloaded bridge or a lossy network show as heartbeats arriving at a fraction of that across many
devices at once; then the check raises a platform alarm on the alarm console and in ``/healthz`` — a
lost heartbeat today is a lost SOS tomorrow.

One device going quiet is not this: the watch marks it offline and opens a maintenance incident. A
device counts as expected to send only if it was seen within twice its interval before the window began
(the watch's own rule for "online"), and a judgement needs at least ``SHOUWANG_DELIVERY_MIN_EXPECTED``
expected heartbeats, so a small or quiet fleet is never judged on a handful.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from .models import DeliveryCheck, Device, DeviceState

logger = logging.getLogger(__name__)

KEEP_CHECKS = dt.timedelta(days=30)


def check_delivery(now: dt.datetime | None = None) -> DeliveryCheck:
    """Record one check against the one before it; raises or clears the alarm. The first check is the
    baseline and judges nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        previous = DeliveryCheck.objects.select_for_update().order_by("-at", "-id").first()
        total = Device.objects.aggregate(total=Sum("heartbeats"))["total"] or 0
        check = DeliveryCheck(at=now, total_heartbeats=total)
        if previous is not None and now > previous.at:
            check.devices, check.expected = _promised(previous.at, now)
            check.received = max(0, total - previous.total_heartbeats)
            check.alerting = _alerting(check, previous)
        check.save()
    _log_change(check, previous)
    DeliveryCheck.objects.filter(at__lt=now - KEEP_CHECKS).delete()
    return check


def _promised(start: dt.datetime, end: dt.datetime) -> tuple[int, float]:
    """The devices that were alive when the window began, and the heartbeats their intervals promise
    over it. Read in chunks: a city has 100,000 devices, two small columns each."""
    window = (end - start).total_seconds()
    devices, expected = 0, 0.0
    rows = (
        Device.objects.filter(state=DeviceState.ACTIVE, last_seen_at__isnull=False)
        .values_list("last_seen_at", "heartbeat_interval_s")
        .iterator(chunk_size=10_000)
    )
    for last_seen, interval in rows:
        if interval and last_seen >= start - dt.timedelta(seconds=2 * interval):
            devices += 1
            expected += window / interval
    return devices, expected


def _alerting(check: DeliveryCheck, previous: DeliveryCheck) -> bool:
    if check.expected < settings.SHOUWANG_DELIVERY_MIN_EXPECTED:
        return previous.alerting  # too little to judge: neither raise nor clear
    return check.received * 100 < check.expected * settings.SHOUWANG_DELIVERY_ALERT_PERCENT


def _log_change(check: DeliveryCheck, previous: DeliveryCheck | None) -> None:
    was = previous is not None and previous.alerting
    if check.alerting and not was:
        logger.critical(
            "DEVICE MESSAGES LOST: %s of %.0f expected heartbeats arrived from %s devices since %s; the "
            "broker or the bridge may be dropping messages (alarms too)",
            check.received,
            check.expected,
            check.devices,
            previous.at.isoformat() if previous else "?",
        )
    elif was and not check.alerting:
        logger.warning(
            "device heartbeats arrive as expected again (%s of %.0f)", check.received, check.expected
        )
