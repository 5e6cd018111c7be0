import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shouwang.core.scheduler import _load_task_modules, registered_jobs, run_pending

pytestmark = pytest.mark.django_db


def test_due_jobs_are_enqueued_once_per_interval():
    _load_task_modules()
    names = {job.name for job in registered_jobs()}
    assert {"core.clear_expired_sessions", "core.prune_task_results"} <= names
    now = timezone.now()
    assert set(run_pending(now)) == names
    assert run_pending(now) == []  # a second scheduler at the same time gets nothing
    assert DBTaskResult.objects.count() == len(names)
    later = run_pending(now + dt.timedelta(hours=7))
    assert "core.clear_expired_sessions" in later and "core.prune_task_results" not in later


def test_session_cleanup_job_deletes_expired_sessions():
    from django.contrib.sessions.models import Session

    from shouwang.core.tasks import clear_expired_sessions

    Session.objects.create(
        session_key="old", session_data="", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    Session.objects.create(
        session_key="new", session_data="", expire_date=timezone.now() + dt.timedelta(days=1)
    )
    clear_expired_sessions.call()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
