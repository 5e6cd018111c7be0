"""Import and export jobs end visibly, and their files are not kept longer than needed."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from shouwang.core.errors import ValidationFailed
from shouwang.core.scheduler import _load_task_modules, registered_jobs
from shouwang.elders import exports
from shouwang.elders.exports import run_export, start_export
from shouwang.elders.jobs import fail_abandoned_jobs, remove_expired_files
from shouwang.elders.models import JobKind, JobState, SpreadsheetJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_in(media) -> set[str]:
    return {str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()}


def test_an_export_that_breaks_ends_failed_with_a_message_and_no_file(
    client, monkeypatch, worker_a, elder_a, media
):
    def broken_row(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "_row", broken_row)
    job = start_export(actor=worker_a, filters={}, enqueue=False)
    with pytest.raises(RuntimeError):  # the worker records the task as failed too
        run_export(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.finished_at is not None
    assert job.message.startswith("导出因意外错误而中止") and job.result_path == ""
    assert files_in(media) == set()
    client.force_login(worker_a)
    panel = client.get(f"/elders/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert job.message in panel and "hx-trigger" not in panel  # shown, and the page stops polling


def test_an_export_refused_while_running_ends_failed_with_the_reason(monkeypatch, worker_a, elder_a):
    job = start_export(actor=worker_a, filters={}, enqueue=False)

    def refused(*args, **kwargs):
        raise ValidationFailed("这个筛选条件已不可用。")

    monkeypatch.setattr(exports, "search_elders", refused)
    run_export(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.message) == (JobState.FAILED, "这个筛选条件已不可用。")


def test_a_running_job_without_progress_is_marked_failed_by_the_sweep(settings, worker_a):
    settings.SHOUWANG_STALE_JOB_MINUTES = 30
    now = timezone.now()
    jobs = {
        name: SpreadsheetJob.objects.create(kind=JobKind.EXPORT, created_by=worker_a, state=state)
        for name, state in [("stale", "running"), ("busy", "running"), ("queued", "queued")]
    }
    SpreadsheetJob.objects.filter(pk__in=[jobs["stale"].pk, jobs["queued"].pk]).update(
        updated_at=now - dt.timedelta(minutes=31)
    )
    SpreadsheetJob.objects.filter(pk=jobs["busy"].pk).update(updated_at=now - dt.timedelta(minutes=29))
    assert fail_abandoned_jobs(now) == [jobs["stale"].pk]
    states = dict(SpreadsheetJob.objects.values_list("pk", "state"))
    assert [states[jobs[name].pk] for name in ("stale", "busy", "queued")] == ["failed", "running", "queued"]
    stale = SpreadsheetJob.objects.get(pk=jobs["stale"].pk)
    assert "后台任务进程" in stale.message and stale.finished_at is not None
    assert fail_abandoned_jobs(now) == []


def test_an_export_in_progress_keeps_its_job_fresh(monkeypatch, worker_a, elder_a, elder_b, official):
    """The sweep reads updated_at, so the export's progress writes must move it."""
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    job = start_export(actor=official, filters={}, enqueue=False)
    SpreadsheetJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    seen = []

    def row_seeing_the_job(*args, **kwargs):
        seen.append(SpreadsheetJob.objects.values_list("updated_at", flat=True).get(pk=job.pk))
        return original(*args, **kwargs)

    original = exports._row
    monkeypatch.setattr(exports, "_row", row_seeing_the_job)
    run_export(job_id=job.pk)
    assert len(seen) == 2 and timezone.now() - seen[1] < dt.timedelta(minutes=1)


def _file(media, name: str, *, age: dt.timedelta) -> str:
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    stamp = (timezone.now() - age).timestamp()
    os.utime(path, (stamp, stamp))
    return str(path)


def test_housekeeping_removes_rejected_finished_and_expired_files_only(settings, worker_a, media):
    settings.SHOUWANG_JOB_FILES_DAYS = 7
    now, hours = timezone.now(), dt.timedelta(hours=2)

    def job(state, *, finished_days_ago=None, **paths):
        finished = now - dt.timedelta(days=finished_days_ago) if finished_days_ago is not None else None
        return SpreadsheetJob.objects.create(
            kind=JobKind.IMPORT, created_by=worker_a, state=state, finished_at=finished, **paths
        )

    failed = job("failed", finished_days_ago=0, source_path=_file(media, "imports/failed.csv", age=hours))
    queued = job("queued", source_path=_file(media, "imports/queued.csv", age=hours))
    recent = job("done", finished_days_ago=1)
    recent.result_path = _file(media, f"imports/job-{recent.pk}-errors-a.xlsx", age=hours)
    old = job("done", finished_days_ago=8)
    old.result_path = _file(media, f"exports/job-{old.pk}-b.xlsx", age=dt.timedelta(days=8))
    for saved in (recent, old):
        saved.save()
    _file(media, "imports/refused-upload.csv", age=hours)
    _file(media, "imports/just-uploaded.csv", age=dt.timedelta(minutes=5))
    _file(media, "exports/job-999999-of-a-deleted-job.xlsx", age=hours)

    removed = remove_expired_files(now)

    assert files_in(media) == {
        "imports/queued.csv",
        "imports/just-uploaded.csv",
        f"imports/job-{recent.pk}-errors-a.xlsx",
    }
    assert len(removed) == 4 and failed.source_path not in files_in(media)
    old.refresh_from_db()
    queued.refresh_from_db()
    assert old.result_path == "" and queued.source_path.endswith("queued.csv")


def test_housekeeping_runs_on_the_scheduler():
    _load_task_modules()
    jobs = {job.name: job.every for job in registered_jobs()}
    assert jobs["elders.fail_abandoned_jobs"] <= dt.timedelta(minutes=10)
    assert jobs["elders.remove_expired_files"] <= dt.timedelta(hours=1)
