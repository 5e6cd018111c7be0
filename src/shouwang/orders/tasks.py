"""Periodic jobs of the orders app: care-plan orders for the coming days, and the providers' answer
deadlines (the matching's ``dispatch.expire_overdue`` moves overdue orders to the next candidate)."""

import datetime as dt
import logging

from django_tasks import task

from shouwang.core.scheduler import every

logger = logging.getLogger(__name__)


@every(dt.timedelta(hours=6), name="orders.generate_plan_orders")
@task()
def generate_plan_orders() -> None:
    """Create the coming days' orders from approved care plans (idempotent: safe to run as often as
    wanted; six-hourly so a plan approved in the morning has its orders the same day)."""
    from .generation import generate_orders

    totals = generate_orders()
    logger.info("care-plan orders: %(created)s created, %(cancelled)s cancelled", totals)


@every(dt.timedelta(minutes=1), name="orders.expire_overdue")
@task()
def expire_overdue_dispatches() -> None:
    """Orders a provider did not answer in time move on to the next candidate."""
    from .dispatch import expire_overdue

    expire_overdue()


@every(dt.timedelta(minutes=15), name="orders.sweep_missing_checkouts")
@task()
def sweep_missing_checkouts() -> None:
    """Visits still checked in well after their window get a ``missing_checkout`` exception (EVV)."""
    from .evv import sweep_missing_checkouts as sweep

    sweep()
