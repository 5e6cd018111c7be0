"""Background jobs of the registry: spreadsheet imports and exports."""

from django_tasks import task

from .exports import run_export
from .imports import run_import


@task()
def run_import_job(job_id: int) -> None:
    run_import(job_id=job_id)


@task()
def run_export_job(job_id: int) -> None:
    run_export(job_id=job_id)
