"""Housekeeping jobs of the platform itself."""

import datetime as dt

from django.core.management import call_command
from django_tasks import task

from . import outbox
from .scheduler import every


@every(dt.timedelta(hours=6), name="core.clear_expired_sessions")
@task()
def clear_expired_sessions() -> None:
    """Delete expired console sessions so a stolen old cookie is worthless and the table stays small."""
    call_command("clearsessions")


@every(dt.timedelta(days=1), name="core.prune_task_results")
@task()
def prune_task_results() -> None:
    """Forget finished background-task results older than the default retention."""
    call_command("prune_db_task_results", verbosity=0)


@every(dt.timedelta(seconds=30), name="core.retry_outbox")
@task()
def retry_outbox() -> None:
    """Deliver queued messages whose first attempt failed or never ran (a process died before its
    transaction's on-commit hook); see core.outbox."""
    outbox.retry_due()
