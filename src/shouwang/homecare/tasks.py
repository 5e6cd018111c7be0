"""Periodic job of home care: closing last month of the beds in service (delivery, shortfalls and the bed
subsidy on the ledger)."""

import datetime as dt

from django_tasks import task

from shouwang.core.scheduler import every

from .services import close_last_month


# Daily: the first run of a month closes the month before; later runs find nothing left to close, and a bed
# started late (its service dated back) is closed the next day.
@every(dt.timedelta(hours=24), name="homecare.close_last_month")
@task()
def close_bed_months() -> None:
    """Close last month for every home care bed that was in service in it."""
    close_last_month()
