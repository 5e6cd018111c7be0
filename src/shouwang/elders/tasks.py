"""Background jobs of the registry: spreadsheet imports and exports, and their housekeeping."""

import datetime as dt

from django_tasks import task

from shouwang.core.scheduler import every

from .exports import run_export
from .imports import run_import
from .jobs import fail_abandoned_jobs, remove_expired_files


@task()
def run_import_job(job_id: int) -> None:
    run_import(job_id=job_id)


@task()
def run_export_job(job_id: int) -> None:
    run_export(job_id=job_id)


@every(dt.timedelta(minutes=10), name="elders.fail_abandoned_jobs")
@task()
def fail_abandoned_jobs_job() -> None:
    """Close as failed the imports and exports whose worker died, so none shows "running" forever."""
    fail_abandoned_jobs()


@every(dt.timedelta(hours=1), name="elders.remove_expired_files")
@task()
def remove_expired_files_job() -> None:
    """Delete uploads, error reports and exports that are no longer needed."""
    remove_expired_files()
