"""Periodic jobs of benefits: the monthly anomaly checks (异常核查).

The scheduler counts intervals, not calendar months (docs/decisions/0003-scheduler.md), so the job runs
daily and does its work once a month: on its first run after a month has ended it checks that month
everywhere (``anomalies.monthly_checks``; a month already checked by the job is skipped)."""

import datetime as dt
import logging

from django_tasks import task

from shouwang.core.scheduler import every

logger = logging.getLogger(__name__)


@every(dt.timedelta(days=1), name="benefits.monthly_anomaly_checks")
@task()
def monthly_anomaly_checks() -> None:
    """Run the anomaly checks over last month, once."""
    from .anomalies import monthly_checks

    run = monthly_checks()
    if run is not None:
        logger.info("anomaly checks of %s: %s findings, %s new cases", run.month, run.found, run.new)
