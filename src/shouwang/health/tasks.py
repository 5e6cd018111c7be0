"""Periodic jobs of health records: the pull from the regional health platform (idempotent: a second
pull of an unchanged platform changes nothing)."""

import datetime as dt

from django.conf import settings
from django_tasks import task

from shouwang.core.scheduler import every


@every(dt.timedelta(minutes=settings.SHOUWANG_HEALTH_PLATFORM_MINUTES), name="health.pull_platform")
@task()
def pull_platform() -> None:
    """Family-doctor contracts and conditions of the linked elders (nothing without a configured URL)."""
    from .pull import pull_from_platform

    pull_from_platform()
