"""Registry exports: the filtered list as an xlsx, masked unless the user may reveal and asks for it.

The columns are the import template's, so an unmasked export can be corrected in Excel and imported
again. Every export is audited with its filters and row count; an unmasked one says so.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwang.core import audit
from shouwang.core.errors import DomainError, Forbidden
from shouwang.core.masking import mask_id_number, mask_phone
from shouwang.core.spreadsheets import SheetWriter

from .fields import CATEGORY_NAMES, LIVING_NAMES
from .importing import TEMPLATE_HEADER
from .jobs import fail_job
from .models import Elder, JobKind, JobState, SpreadsheetJob
from .permissions import may_export_registry, may_reveal
from .selectors import search_elders

logger = logging.getLogger(__name__)
EXPORT_HEADER = (*TEMPLATE_HEADER, "状态", "状态日期", "年龄")
FILTER_KEYS = ("q", "name", "community", "status", "category", "living_arrangement", "age_min", "age_max")
PROGRESS_EVERY = 2000
UNEXPECTED_FAILURE = gettext_noop(
    "The export stopped because of an unexpected error; it has been logged. Please start it again."
)


def start_export(*, actor, filters: dict, unmasked: bool = False, enqueue: bool = True) -> SpreadsheetJob:
    """Record an export of what ``search_elders(actor, **filters)`` finds and hand it to the worker."""
    if not may_export_registry(actor):
        raise Forbidden(_("Your role may not export the registry."))
    if unmasked and not may_reveal(actor):
        raise Forbidden(_("Your role may not export full ID numbers or phone numbers."))
    filters = {key: filters[key] for key in FILTER_KEYS if filters.get(key) not in (None, "")}
    search_elders(actor, **filters)  # a bad filter is refused now, not in the worker
    with transaction.atomic():
        job = SpreadsheetJob.objects.create(
            kind=JobKind.EXPORT,
            created_by=actor,
            filters=filters,
            unmasked=unmasked,
            file_name=f"elders-{timezone.localtime():%Y%m%d-%H%M}.xlsx",
        )
        if enqueue:
            from .tasks import run_export_job

            transaction.on_commit(lambda: run_export_job.enqueue(job.pk))
    return job


def run_export(*, job_id: int) -> SpreadsheetJob:
    """Write the export file (the worker calls this). A failure ends the job as failed, with a message,
    and leaves no half-written file."""
    job = SpreadsheetJob.objects.select_related("created_by").get(pk=job_id, kind=JobKind.EXPORT)
    job.state, job.started_at = JobState.RUNNING, timezone.now()
    job.save(update_fields=["state", "started_at", "updated_at"])
    folder = Path(settings.MEDIA_ROOT) / "exports"
    path = folder / f"job-{job.pk}-{uuid.uuid4().hex[:8]}.xlsx"
    with translation.override(settings.LANGUAGE_CODE):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            rows = _write(job, path)
        except Exception as error:
            path.unlink(missing_ok=True)
            if isinstance(error, DomainError):
                fail_job(job, error.message)
                return job
            logger.exception("export job %s failed", job.pk)
            fail_job(job, _(UNEXPECTED_FAILURE))
            raise
    with transaction.atomic():
        job.state, job.finished_at = JobState.DONE, timezone.now()
        job.processed_rows, job.result_path = rows, str(path)
        job.save()
        audit.record(
            actor=job.created_by,
            action="elders.export",
            obj=job,
            after={"rows": rows, "filters": job.filters, "unmasked": job.unmasked},
            region_code=_region_of(job.created_by),
        )
    return job


def _write(job: SpreadsheetJob, path: Path) -> int:
    """Write the rows the job's filters find to ``path``; returns how many."""
    elders = search_elders(job.created_by, **job.filters).prefetch_related("categories", "contacts")
    job.total_rows = elders.count()
    job.save(update_fields=["total_rows", "updated_at"])
    today = timezone.localdate()
    with SheetWriter(path, list(EXPORT_HEADER)) as sheet:
        for elder in elders.iterator(chunk_size=PROGRESS_EVERY):
            sheet.append(_row(elder, unmasked=job.unmasked, today=today))
            if sheet.rows % PROGRESS_EVERY == 0:  # updated_at too: the sweep of abandoned jobs reads it
                progress = {"processed_rows": sheet.rows, "updated_at": timezone.now()}
                SpreadsheetJob.objects.filter(pk=job.pk).update(**progress)
    return sheet.rows


def _region_of(actor) -> str:
    prefixes = actor.scope.region_prefixes if actor is not None else ()
    return prefixes[0] if len(prefixes) == 1 else ""


def _row(elder: Elder, *, unmasked: bool, today) -> list:
    contact = next(iter(elder.contacts.all()), None)
    show_id = elder.id_number if unmasked else mask_id_number(elder.id_number)

    def phone(value: str) -> str:
        return value if unmasked else mask_phone(value)

    return [
        elder.name,
        show_id,
        elder.get_sex_display(),
        elder.birth_date.isoformat(),
        elder.ethnicity,
        phone(elder.phone),
        elder.hukou_region_code,
        elder.community_id,
        elder.community.name,
        elder.address,
        elder.lon if elder.lon is not None else "",
        elder.lat if elder.lat is not None else "",
        LIVING_NAMES.get(elder.living_arrangement, ""),
        "、".join(CATEGORY_NAMES[category.code] for category in elder.categories.all()),
        f"{elder.disability_grade}级" if elder.disability_grade else "",
        "、".join(elder.chronic_conditions or []),
        "是" if elder.family_doctor_contract else "否",
        contact.name if contact else "",
        contact.relation if contact else "",
        phone(contact.phone) if contact else "",
        ("是" if contact.is_keyholder else "否") if contact else "",
        elder.get_status_display(),
        elder.status_date.isoformat() if elder.status_date else "",
        elder.age_on(today),
    ]
