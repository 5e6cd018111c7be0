"""A small scheduler for periodic jobs: it only *enqueues* django-tasks at fixed intervals.

Why our own (docs/decisions/0003-scheduler.md): the embedded default runs it as a thread, production
runs one or more ``shouwang scheduler`` processes, and no extra broker is needed. Each run of a job is
claimed with a conditional UPDATE of its ``ScheduledRun`` row, so two schedulers never enqueue the same
run twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.db import close_old_connections
from django.utils import timezone
from django_tasks.base import Task

from .models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Task
    every: dt.timedelta


_jobs: dict[str, PeriodicJob] = {}


def every(interval: dt.timedelta, *, name: str | None = None):
    """Register a django-tasks task to be enqueued every ``interval``. Use it above ``@task()``."""

    def register(task):
        job_name = name or task.module_path
        _jobs[job_name] = PeriodicJob(job_name, task, interval)
        return task

    return register


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def _claim(job: PeriodicJob, now: dt.datetime) -> bool:
    """Take this run of ``job`` if it is due and nobody else took it."""
    row, _ = ScheduledRun.objects.get_or_create(name=job.name)
    if row.last_run_at is not None and now - row.last_run_at < job.every:
        return False
    claimed = ScheduledRun.objects.filter(pk=row.pk, last_run_at=row.last_run_at).update(last_run_at=now)
    return claimed == 1


def run_pending(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every due job once; returns the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in registered_jobs():
        if _claim(job, now):
            job.task.enqueue()
            enqueued.append(job.name)
    return enqueued


def run_forever(stop: threading.Event, *, tick_seconds: float = 15.0) -> None:
    """The scheduler loop; returns when ``stop`` is set."""
    _load_task_modules()
    while not stop.is_set():
        close_old_connections()
        try:
            for name in run_pending():
                logger.info("scheduled %s", name)
        except Exception:  # a bad tick must not end the loop; the next tick tries again
            logger.exception("scheduler tick failed")
        stop.wait(tick_seconds)


def _load_task_modules() -> None:
    """Import every app's ``tasks`` module so their ``@every`` registrations run."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
