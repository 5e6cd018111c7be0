"""Periodic jobs of benefits: the year end of service vouchers (``yearend.close_previous_year``)."""

import datetime as dt
import logging

from django_tasks import task

from shouwang.core.scheduler import every

logger = logging.getLogger(__name__)


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
