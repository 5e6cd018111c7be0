"""Periodic jobs of the alarms: escalation of unanswered urgent alarms, the passive watch, the check that
device messages arrive, and the retention of device events."""

import datetime as dt

from django_tasks import task

from shouwang.core.scheduler import every

from .delivery import check_delivery
from .incidents import escalate_overdue
from .retention import purge_expired_events
from .watch import run_watch


# Every scheduler tick (15 s). The MQTT bridge also escalates every few seconds (see incidents.py), so
# the delay after the 60 s target is seconds, not a tick; both claim each level with one UPDATE.
@every(dt.timedelta(seconds=15), name="alarms.escalate_overdue")
@task()
def escalate_overdue_alarms() -> None:
    """Alert the supervisors about urgent incidents nobody acknowledged in time."""
    escalate_overdue()


@every(dt.timedelta(minutes=5), name="alarms.watch")
@task()
def watch_elders() -> None:
    """Open welfare checks for silence and maintenance incidents for offline or flat devices."""
    run_watch()


@every(dt.timedelta(hours=1), name="alarms.purge_expired_events")
@task()
def purge_expired_device_events() -> None:
    """Delete device events past their retention; alarms and incidents' events are kept (ADR 0017)."""
    purge_expired_events()


@every(dt.timedelta(minutes=5), name="alarms.check_delivery")
@task()
def check_device_delivery() -> None:
    """Compare the heartbeats that arrived with what the devices promise; raise a platform alarm when
    many go missing at once (a broker dropping messages)."""
    check_delivery()
