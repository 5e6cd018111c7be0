"""Periodic jobs of the alarms: escalation of unanswered urgent alarms, and the passive watch."""

import datetime as dt

from django_tasks import task

from shouwang.core.scheduler import every

from .incidents import escalate_overdue
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
