"""Periodic jobs of supervision."""

import datetime as dt

from django_tasks import task

from shouwang.core.scheduler import every

from .services import escalate_overdue


@every(dt.timedelta(hours=1), name="inspections.escalate_overdue")
@task()
def escalate_overdue_findings() -> None:
    """Findings still unanswered the day after their deadline are escalated (idempotent)."""
    escalate_overdue()
