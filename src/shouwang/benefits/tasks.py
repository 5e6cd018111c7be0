"""Periodic jobs of benefits: the monthly anomaly checks (异常核查), the provider statements (对账单) of
the month just ended, and the year end of service vouchers (``yearend.close_previous_year``).

The scheduler counts intervals, not calendar months (docs/decisions/0003-scheduler.md), so each job runs
often and does its work once a month: the anomaly checks on their first daily run after a month has ended
(``anomalies.monthly_checks``; a month already checked by the job is skipped), the statements six-hourly,
issuing only those still missing, the year end twice a day through January."""

import datetime as dt
import logging

from django_tasks import task

from shouwang.core.actors import SYSTEM
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


@every(dt.timedelta(hours=6), name="benefits.issue_statements")
@task()
def issue_statements() -> None:
    """Issue last month's statements that are missing (the scheduler knows intervals, not dates: six-hourly
    and only the missing ones, so they appear in the first hours of the 1st and an answered statement is
    never touched; an order settled late is added by an official issuing again)."""
    from .runs import last_month
    from .statements import issue_statements as issue

    month = last_month()
    issued = issue(actor=SYSTEM, month=month, only_missing=True)
    logger.info("statements of %s: %s providers", month.strftime("%Y-%m"), len(issued))


@every(dt.timedelta(hours=12), name="benefits.close_voucher_year")
@task()
def close_voucher_year() -> None:
    """In January, last year's vouchers expire or carry over by their policy (idempotent: a closed
    account is never closed again, so running it every twelve hours through January is harmless)."""
    from .yearend import close_previous_year

    for report in close_previous_year():
        logger.info(
            "voucher year %s in %s: %s accounts closed, %s fen expired, %s fen carried over",
            report.year,
            report.region,
            report.closed,
            report.expired_fen,
            report.carried_fen,
        )
