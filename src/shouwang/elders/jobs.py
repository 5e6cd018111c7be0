"""Housekeeping of the registry's import and export jobs.

A job ends visibly: a failure marks it failed with a message, and a job whose worker died (no progress
for ``SHOUWANG_STALE_JOB_MINUTES``) is closed as failed by the periodic sweep instead of showing
"running" forever. Files hold personal data, so none is kept longer than it is needed: an uploaded
source until its job has finished, an error report or an export ``SHOUWANG_JOB_FILES_DAYS`` after it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import JobState, SpreadsheetJob

logger = logging.getLogger(__name__)
ABANDONED = gettext_noop(
    "The job stopped without finishing: the background worker ended while it ran. Start it again; rows an "
    "import already saved stay saved, and importing the same file again completes the rest."
)
FINISHED = (JobState.DONE, JobState.FAILED)
JOB_FOLDERS = ("imports", "exports")
# An upload is saved a moment before its job is recorded, and a legacy-results upload is read while the
# page waits: a file no job claims is left alone this long.
UPLOAD_GRACE = dt.timedelta(hours=1)
RESULT_NAME = re.compile(r"^job-(\d+)-")


def fail_job(job: SpreadsheetJob, message: str) -> None:
    job.state, job.message, job.finished_at = JobState.FAILED, message, timezone.now()
    job.save(update_fields=["state", "message", "finished_at", "updated_at"])


def fail_abandoned_jobs(now: dt.datetime | None = None) -> list[int]:
    """Mark failed every running job with no progress for the stale time; returns their ids."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.SHOUWANG_STALE_JOB_MINUTES)
    stale = SpreadsheetJob.objects.filter(state=JobState.RUNNING, updated_at__lt=cutoff)
    failed = []
    for job_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            job = stale.select_for_update(skip_locked=True).filter(pk=job_id).first()
            if job is None:  # it moved on meanwhile, or another sweep holds it
                continue
            with translation.override(settings.LANGUAGE_CODE):
                fail_job(job, _(ABANDONED))
            logger.warning("%s job %s had no progress since %s; marked failed", job.kind, job.pk, cutoff)
            failed.append(job.pk)
    return failed


def remove_expired_files(now: dt.datetime | None = None) -> list[Path]:
    """Delete the files under MEDIA_ROOT/imports and /exports that are no longer needed; returns them."""
    now = now or timezone.now()
    kept_until = now - dt.timedelta(days=settings.SHOUWANG_JOB_FILES_DAYS)
    jobs = {job.pk: job for job in SpreadsheetJob.objects.only("pk", "state", "finished_at", "source_path")}
    sources_in_use = {Path(job.source_path) for job in jobs.values() if job.state not in FINISHED}
    removed, results_gone = [], []
    for path in _job_files():
        if match := RESULT_NAME.match(path.name):
            job = jobs.get(int(match[1]))
            keep = job is not None and (job.state not in FINISHED or job.finished_at >= kept_until)
            if not keep and job is not None:
                results_gone.append(job.pk)
        else:
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
            keep = path in sources_in_use or now - modified < UPLOAD_GRACE
        if not keep:
            path.unlink(missing_ok=True)
            removed.append(path)
    SpreadsheetJob.objects.filter(pk__in=results_gone).update(result_path="")
    return removed


def _job_files() -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return [path for folder in JOB_FOLDERS for path in (media / folder).glob("*") if path.is_file()]
