"""Periodic job of the hotline: the day's active-care list (主动关怀)."""

import datetime as dt

from django_tasks import task

from shouwang.core.actors import SYSTEM
from shouwang.core.scheduler import every

from .services import generate_care_calls


# Hourly, so the list of a new day (Shanghai midnight) is there within the hour and an elder registered
# as living alone during the day joins it; each run adds only elders not yet on the day's list.
@every(dt.timedelta(hours=1), name="hotline.care_calls")
@task()
def make_care_calls() -> None:
    """Put today's active-care calls on the desk's list, one per elder who lives alone."""
    generate_care_calls(actor=SYSTEM)
