"""Periodic jobs of regular visits: due tasks made and assigned, overdue ones escalated (both
idempotent; ``generation`` says how)."""

import datetime as dt
import logging

from django_tasks import task

from shouwang.core.scheduler import every

logger = logging.getLogger(__name__)


@every(dt.timedelta(hours=6), name="visits.generate")
@task()
def generate_visit_tasks() -> None:
    """Make the visits falling due within the lead days and assign them."""
    from .generation import generate_visits

    counts = generate_visits()
    logger.info("visit tasks: %(created)s created, %(cancelled)s cancelled", counts)


@every(dt.timedelta(hours=1), name="visits.escalate_overdue")
@task()
def escalate_overdue_visits() -> None:
    """Tell the community's supervisor about visits more than the allowed days late."""
    from .generation import escalate_overdue

    escalate_overdue()
