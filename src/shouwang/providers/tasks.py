"""Periodic jobs of the provider network."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from shouwang.core.scheduler import every

from .evaluation import score_month


@every(dt.timedelta(hours=6), name="providers.score_months")
@task()
def score_current_and_last_month() -> None:
    """Keep this month's running score and last month's final score up to date (idempotent)."""
    today = timezone.localdate()
    score_month(month=today)
    score_month(month=today.replace(day=1) - dt.timedelta(days=1))
