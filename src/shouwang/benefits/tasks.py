"""Periodic jobs of benefits: the provider statements of the month just ended."""

import datetime as dt
import logging

from django_tasks import task

from shouwang.core.scheduler import every

logger = logging.getLogger(__name__)


@every(dt.timedelta(hours=6), name="benefits.issue_statements")
@task()
def issue_statements() -> None:
    """Issue last month's statements that are missing (the scheduler knows intervals, not dates: six-hourly
    and only the missing ones, so they appear in the first hours of the 1st and an answered statement is
    never touched; an order settled late is added by an official issuing again)."""
    from django.utils import timezone

    from .statements import issue_statements as issue

    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    issued = issue(actor=None, month=last_month, only_missing=True)
    logger.info("statements of %s: %s providers", last_month.strftime("%Y-%m"), len(issued))
