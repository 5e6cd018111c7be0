"""Registry imports: a spreadsheet of any size becomes created, updated, unchanged and rejected rows.

The file is read a row at a time and handled in batches. Each batch is one transaction that also moves the
job's counters, so the progress bar shows only what is really saved; if a run stops half-way, importing
the same file again finishes it, because a row that matches the stored record changes nothing. Bad rows go
to an xlsx error report with their row number and every reason, as they are found.

Reading and checking rows costs more CPU than saving them. For a large file (PARALLEL_FROM rows and
more) they are therefore read in a forked child process, which checks them while this one compares and
saves the previous batch. The two share the checking: whenever this process is about to wait for rows,
the child hands over the rest of the batch it is checking unchecked, and this process checks those
itself, so both cores stay busy whichever side is slower (on SQLite the checking, on PostgreSQL often the
saving). The child does no database work. Repeats of an ID number within the file are found here, in
file order, for rows checked on either side; the counters and the report stay here too, so the outcome
is the same as reading in-process.

New elders go in through ``core.bulk`` (one audit record per batch; a first import of a whole
registry builds the secondary indexes once at the end); a row that changes a known person updates it
through the ORM with an audit record of its own, before and after.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import json
import logging
import multiprocessing
import os
import pickle
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwang.core import audit
from shouwang.core.actors import SYSTEM, is_system, require_actor
from shouwang.core.bulk import (
    bulk_session,
    db_timestamp,
    deferred_indexes,
    existing_values,
    insert_rows,
    reserve_ids,
)
from shouwang.core.errors import DomainError, Forbidden, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.core.scope import scope_of
from shouwang.core.spreadsheets import SPREADSHEET_SUFFIXES, Sheet, SheetWriter, open_sheet, open_workbook
from shouwang.regions.models import Level, Region

from .importing import (
    VALUE_FIELDS,
    Columns,
    Communities,
    Contact,
    MissingColumns,
    Record,
    RowReader,
    RowRejected,
    footer_text,
    is_header,
    map_columns,
)
from .jobs import fail_job
from .models import Elder, ElderCategory, EmergencyContact, JobKind, JobState, SpreadsheetJob
from .permissions import may_write_registry
from .services import copy_list_order, replace_categories

logger = logging.getLogger(__name__)
UNEXPECTED_FAILURE = gettext_noop(
    "The import stopped because of an unexpected error; it has been logged. Rows saved before it stay "
    "saved, and importing the same file again completes the rest."
)
OUTSIDE_AREA = gettext_noop(
    "This person is registered in a community outside your area; ask that community to hand the record over."
)
BATCH_ROWS = 2000
# From this many rows (as the file declares) rows are checked in a child process; below it the fork
# costs more than it saves, and tests and small uploads keep the simple path.
PARALLEL_FROM = 20_000
# Large files go in larger batches. Rows land on random pages of every index (name, ID number, phone…),
# so a batch rewrites about one index page per row and index until batches are large enough to share
# them: on SQLite, batches of 2,000 wrote over 20 KB of WAL per row a million rows in.
LARGE_BATCH_ROWS = 20_000
# The child checks a batch this many rows at a time, and between them looks whether this process waits.
CHECK_CHUNK_ROWS = 500
# Cyclic garbage (rare here: rows and records are acyclic) is collected this often, in both processes.
COLLECT_EVERY_BATCHES = 10
LOOKUP_CHUNK = 900  # under SQLite's limit of bound parameters per statement
ELDER_COLUMNS = (
    "id", "created_at", "updated_at", "name", "name_initials", "id_number", "sex", "birth_date",
    "ethnicity", "phone", "second_phone", "hukou_region_code", "community_id", "address", "lat", "lon",
    "living_arrangement", "disability_grade", "chronic_conditions", "family_doctor_contract", "status",
    "consent_data_sharing", "ability_standard", "is_disabled",
)  # fmt: skip
STORED_FIELDS = ("id", "id_number", "name", "community_id", "is_disabled", *VALUE_FIELDS)
# Warnings and skipped footer rows are kept on the job up to this many each (the count goes on).
NOTES_KEPT = 500
SAYS_DISABLED = gettext_noop(
    "Marked 失能, but the platform records 失能 from an approved ability assessment, which this elder does "
    "not have; an assessment is due."
)
CONTACT_COLUMNS = ("elder_id", "priority", "name", "relation", "phone", "is_keyholder")


@dataclass
class Change:
    """What a row changes about a known person."""

    elder_id: int
    record: Record
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    categories: list[str] | None = None
    contacts: list[tuple[int | None, Contact]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.after or self.categories is not None or self.contacts)


def save_upload(upload) -> Path:
    """Keep an uploaded spreadsheet under MEDIA_ROOT/imports with a name nobody can guess."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise ValidationFailed(
            _("Please upload an Excel workbook (.xlsx or .xls) or a CSV file; %(name)s is neither.")
            % {"name": upload.name},
            errors={"file": _("Not a spreadsheet.")},
        )
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    return path


@contextmanager
def kept_upload(upload) -> Iterator[Path]:
    """The upload saved by :func:`save_upload` for the time of the ``with`` block, then removed."""
    path = save_upload(upload)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def import_upload(*, actor, upload, dry_run: bool = False) -> SpreadsheetJob:
    """Keep an uploaded spreadsheet and start its import; an upload refused on the way leaves no file."""
    _require_importer(actor)
    source = save_upload(upload)
    try:
        return start_import(actor=actor, source=source, file_name=upload.name, dry_run=dry_run)
    except BaseException:
        source.unlink(missing_ok=True)
        raise


def _require_importer(actor) -> None:
    """Registry writers import, and the platform itself (``SYSTEM``: the import command run on the server
    without --user); a missing actor is refused."""
    require_actor(actor)
    if not is_system(actor) and not may_write_registry(actor):
        raise Forbidden(_("Your role may not import elders."))


def start_import(
    *, actor, source: Path, file_name: str, dry_run: bool = False, enqueue: bool = True
) -> SpreadsheetJob:
    """Record an import job for ``source`` and, unless ``enqueue`` is False, hand it to the worker."""
    _require_importer(actor)
    with transaction.atomic():
        job = SpreadsheetJob.objects.create(
            kind=JobKind.IMPORT,
            created_by=None if is_system(actor) else actor,
            file_name=file_name[:200],
            source_path=str(source),
            dry_run=dry_run,
        )
        audit.record(
            actor=actor, action="elders.import.start", obj=job, after={"file": file_name, "dry_run": dry_run}
        )
        if enqueue:
            from .tasks import run_import_job

            transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def run_import(*, job_id: int, progress: Callable[[SpreadsheetJob], None] | None = None) -> SpreadsheetJob:
    """Do the work of an import job (the worker calls this; so does ``shouwang import-elders``)."""
    job = SpreadsheetJob.objects.select_related("created_by").get(pk=job_id, kind=JobKind.IMPORT)
    job.state, job.started_at = JobState.RUNNING, timezone.now()
    job.save(update_fields=["state", "started_at", "updated_at"])
    with translation.override(settings.LANGUAGE_CODE):
        try:
            _Import(job).run(progress)
        except DomainError as error:
            fail_job(job, error.message)
        except Exception:
            logger.exception("import job %s failed", job.pk)
            fail_job(job, _(UNEXPECTED_FAILURE))
            raise
    return job


class _Import:
    def __init__(self, job: SpreadsheetJob):
        self.job = job
        self.actor = job.created_by
        # no creator: the job was started by the platform itself (start_import refuses a missing actor)
        self.scope = scope_of(self.actor if self.actor is not None else SYSTEM)
        self.regions_touched: set[str] = set()
        self.report: SheetWriter | None = None

    def run(self, progress) -> None:
        source, name = self.job.source_path, Path(self.job.file_name).stem
        with open_workbook(source, name=name) as workbook, bulk_session():
            communities = self._communities()
            planned = self._plan(workbook, communities)
            self.job.total_rows = sum(sheet.estimated_rows or 0 for _i, sheet, _c in planned) or None
            self.job.save(update_fields=["total_rows", "ignored_columns", "sheets", "updated_at"])
            today = timezone.localdate()
            # A first import of a whole registry builds the secondary indexes once at the end
            # (see core.bulk.deferred_indexes).
            loading = 0 if self.job.dry_run else self.job.total_rows
            seen: dict[int, tuple[str, int]] = {}
            try:
                with deferred_indexes((Elder, ElderCategory, EmergencyContact), rows=loading), _gc_paused():
                    for index, sheet, columns in planned:
                        if len(workbook.sheet_names) > 1:
                            # Opening the next sheet to find its header ended this one's rows: open it again.
                            sheet = workbook.sheet(index, is_header=is_header)
                        self._read_sheet(index, sheet, RowReader(columns, communities, today), seen, progress)
            finally:
                if self.report:
                    self.report.close()
        self._finish()

    def _plan(self, workbook, communities: Communities) -> list[tuple[int, Sheet, Columns]]:
        """The sheets to read, each with its header and columns; the job lists every sheet, and why one
        is not read. A roster's title rows above the header are passed over (and listed). Raises
        :class:`MissingColumns` when no sheet can be read."""
        planned, reasons = [], []
        self.job.sheets, ignored_columns = [], []
        for index, name in enumerate(workbook.sheet_names):
            try:
                sheet = workbook.sheet(index, is_header=is_header)
                columns = map_columns(sheet.header, sheet_name=name)
                if columns.community_name and not communities.named(columns.community_name):
                    raise MissingColumns(
                        _(
                            "The sheet has no column for the community, and its name %(name)s is not that of "
                            "a community in your area."
                        )
                        % {"name": name}
                    )
            except DomainError as error:
                self.job.sheets.append({"name": name, "ignored": error.message})
                reasons.append(f"{name}：{error.message}" if len(workbook.sheet_names) > 1 else error.message)
                continue
            self.job.sheets.append(
                {
                    "name": name,
                    "header_row": sheet.header_row,
                    "above": sheet.above,
                    "community": columns.community_name,
                    "rows": 0,
                }
            )
            ignored_columns += [column for column in columns.ignored if column not in ignored_columns]
            planned.append((index, sheet, columns))
        if not planned:
            raise MissingColumns("；".join(reasons))
        self.job.ignored_columns = ignored_columns
        return planned

    def _communities(self) -> Communities:
        communities = Region.objects.filter(level=Level.COMMUNITY)
        in_scope = dict(self.scope.filter(communities, region="code").values_list("code", "name"))
        return Communities(in_scope, set(communities.values_list("code", flat=True)))

    def _read_sheet(self, index: int, sheet: Sheet, reader: RowReader, seen, progress) -> None:
        self.sheet = sheet
        self.header = sheet.header
        batches = _checked_batches(self.job.source_path, index, sheet, reader, seen)
        # closing(): if saving fails, the reading child is stopped now, not when garbage is collected.
        with closing(batches):
            for count, batch in enumerate(batches, start=1):
                self._process(batch)
                if progress:
                    progress(self.job)
                if count % COLLECT_EVERY_BATCHES == 0:
                    gc.collect(1)

    # --- one batch ------------------------------------------------------------------------------------
    def _process(self, batch: CheckedBatch) -> None:
        accepted = []
        for number, cells, outcome in batch:
            if type(outcome) is list:
                self._reject_cells(number, cells, outcome)
            elif type(outcome) is str:
                self._skip(number, outcome)
            else:
                accepted.append(outcome)
        stored = _stored_elders([packed[P_ID] for packed in accepted])
        if not stored:  # a first import of a registry: everything is new
            self._note_warnings(accepted, stored)
            self._save(batch, accepted, [], unchanged=0)
            return
        creates, candidates, kept = [], [], []
        for packed in accepted:
            known = stored.get(packed[P_ID])
            if known is None:
                creates.append(packed)
            elif not self.scope.covers_region(known["community_id"]):
                self._reject(packed[P_ROW], batch, [_(OUTSIDE_AREA)])
                continue
            else:
                candidates.append(_change(_unpack(packed), known))
            kept.append(packed)
        self._note_warnings(kept, stored)
        _attach_stored_children(candidates)
        changes = [change for change in candidates if change]
        self._save(batch, creates, changes, unchanged=len(candidates) - len(changes))

    def _reject(self, number: int, batch: CheckedBatch, reasons: list[str]) -> None:
        cells = next(cells for row, cells, _outcome in batch if row == number)
        self._reject_cells(number, cells, reasons)

    def _skip(self, number: int, text: str) -> None:
        """A footer row (合计, 制表人…): not an elder, listed so that nothing is dropped unsaid."""
        self.job.skipped_count += 1
        if len(self.job.skipped_rows) < NOTES_KEPT:
            self.job.skipped_rows.append({"sheet": self.sheet.name, "row": number, "text": text})

    def _note_warnings(self, accepted: list[Packed], stored: dict[str, dict]) -> None:
        """The warnings of rows about to be saved; 失能 is checked against the stored elder here."""
        for packed in accepted:
            warnings = list(packed[P_WARNINGS])
            if packed[P_SAYS_DISABLED] and not stored.get(packed[P_ID], {}).get("is_disabled"):
                warnings.append(_(SAYS_DISABLED))
            if not warnings:
                continue
            self.job.warning_count += 1
            if len(self.job.warnings) < NOTES_KEPT:
                where = {"sheet": self.sheet.name, "row": packed[P_ROW], "name": packed[P_NAME]}
                self.job.warnings.append({**where, "warnings": warnings})

    def _reject_cells(self, number: int, cells: list | str, reasons: list[str]) -> None:
        # One sheet of the report for each sheet of the workbook that has rejected rows: their columns differ.
        sheet_name = self.sheet.name if len(self.job.sheets) > 1 else _("Rejected rows")
        report_header = [_("Row"), _("Reasons"), *self.header]
        if self.report is None:
            path = (
                Path(settings.MEDIA_ROOT)
                / "imports"
                / f"job-{self.job.pk}-errors-{uuid.uuid4().hex[:8]}.xlsx"
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            self.report = SheetWriter(path, report_header, sheet_name=sheet_name)
            self.report_sheet = sheet_name
            self.job.result_path = str(path)
        elif self.report_sheet != sheet_name:
            self.report.add_sheet(report_header, sheet_name=sheet_name)
            self.report_sheet = sheet_name
        # Cells as text whichever process checked the row (see _as_text), so a report reads the same on
        # every path; retyped or re-imported, text is what the import reads best anyway.
        self.report.append([number, "；".join(reasons), *map(_written, _expand(cells))])
        self.job.rejected_count += 1

    def _save(self, batch, creates: list[Packed], changes: list[Change], unchanged: int) -> None:
        job = self.job
        job.processed_rows += len(batch)
        job.created_count += len(creates)
        job.updated_count += len(changes)
        job.unchanged_count += unchanged
        counters = {
            "processed_rows": job.processed_rows,
            "created_count": job.created_count,
            "updated_count": job.updated_count,
            "unchanged_count": job.unchanged_count,
            "rejected_count": job.rejected_count,
            "warning_count": job.warning_count,
            "skipped_count": job.skipped_count,
            "warnings": job.warnings,
            "skipped_rows": job.skipped_rows,
            "sheets": job.sheets,
            "result_path": job.result_path,
            "updated_at": timezone.now(),
        }
        if job.dry_run:
            SpreadsheetJob.objects.filter(pk=job.pk).update(**counters)
            return
        with transaction.atomic():
            _create_elders(creates, actor=self.actor, job=job)
            _apply_changes(changes, actor=self.actor, job=job)
            SpreadsheetJob.objects.filter(pk=job.pk).update(**counters)
        self.regions_touched.update(packed[P_COMMUNITY] for packed in creates)
        self.regions_touched.update(change.record.community_code for change in changes)

    def _finish(self) -> None:
        job = self.job
        job.state, job.finished_at = JobState.DONE, timezone.now()
        with transaction.atomic():
            job.save()
            audit.record(
                actor=self.actor,
                action="elders.import",
                obj=job,
                after={
                    "file": job.file_name,
                    "dry_run": job.dry_run,
                    "created": job.created_count,
                    "updated": job.updated_count,
                    "unchanged": job.unchanged_count,
                    "rejected": job.rejected_count,
                },
                region_code=_common_prefix(self.regions_touched),
            )


def _batches(rows: Iterator[list], size: int = BATCH_ROWS, *, first: int = 2) -> Iterator[list]:
    """Non-empty rows in batches, numbered as the spreadsheet program shows them from ``first``."""
    batch = []
    for number, cells in enumerate(rows, start=first):
        # any(cells) settles almost every row at its first cell; only a row of falsy cells (0 counts as
        # a value) needs the exact test.
        if not any(cells) and not any(cell not in (None, "") for cell in cells):
            continue
        batch.append((number, cells))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# A checked row's record as a plain tuple (see _pack), which crosses the pipe from the reading child
# several times cheaper than a dict or a dataclass; the import process unpacks the few it compares.
Packed = tuple
(
    P_ROW, P_ID, P_NAME, P_INITIALS, P_SEX, P_BIRTH, P_COMMUNITY, P_VALUES, P_CATEGORIES, P_CONTACTS,
    P_WARNINGS, P_SAYS_DISABLED,
) = range(12)  # fmt: skip
# Each row's outcome: a packed record, the reasons it is rejected, or the text of a footer row skipped.
CheckedBatch = list[tuple[int, list | str, Packed | list[str] | str]]


def _check_rows(reader: RowReader, rows: list[tuple[int, list]]) -> CheckedBatch:
    checked = []
    for number, cells in rows:
        try:
            checked.append((number, cells, _pack(reader.read(number, cells))))
        except RowRejected as rejected:
            # Only a row that is not an elder can be a footer: the test costs accepted rows nothing.
            checked.append((number, cells, footer_text(cells) or rejected.reasons))
    return checked


def _first_of_each_id(batches: Iterator[CheckedBatch], sheet: str, seen: dict) -> Iterator[CheckedBatch]:
    """The batches, in file order, with a row that repeats the ID number of an earlier accepted row
    rejected, citing that row (a 15-digit number and its 18-digit form are the same person). ``seen``
    spans the sheets of a workbook: first 17 digits of an ID number → the sheet and row first seen in."""
    for batch in batches:
        for position, (number, cells, outcome) in enumerate(batch):
            if type(outcome) is not tuple:
                continue
            first = seen.setdefault(int(outcome[P_ID][:17]), (sheet, number))
            if first == (sheet, number):
                continue
            if first[0] == sheet:
                repeated = _("The same ID number is already in row %(row)d of this file.") % {"row": first[1]}
            else:
                repeated = _("The same ID number is already in row %(row)d of sheet %(sheet)s.") % {
                    "row": first[1],
                    "sheet": first[0],
                }
            batch[position] = (number, cells, [repeated])
        yield batch


def _checked_batches(path: str, index: int, sheet: Sheet, reader: RowReader, seen: dict) -> Iterator:
    """The sheet's rows checked, in batches; read in a child process when the file is large."""
    first = sheet.header_row + 1
    if (sheet.estimated_rows or 0) < PARALLEL_FROM or not _can_fork():
        size = BATCH_ROWS if (sheet.estimated_rows or 0) < PARALLEL_FROM else LARGE_BATCH_ROWS
        checked = (_check_rows(reader, batch) for batch in _batches(sheet.rows, size, first=first))
    else:
        checked = _checked_in_child(path, index, reader)
    return _first_of_each_id(checked, sheet.name, seen)


def _can_fork() -> bool:
    """Fork only from a single-threaded process (the task worker, the CLI): a fork taken while another
    thread holds a lock could hang the child (the all-in-one demo runs web, worker and scheduler as
    threads, so it checks rows in-process)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
    )


def _checked_in_child(path: str, index: int, reader: RowReader) -> Iterator[CheckedBatch]:
    """The file's rows read by a forked child a batch ahead of us, and checked by it or, for the part it
    hands over while we wait, by us (see the module's docstring).

    Fork (not spawn) because the child needs this process's state as it is: settings, the reader with its
    community table, the active language of the messages. The child never touches the database
    connections it inherits, and leaves through ``os._exit`` (as multiprocessing does), so it does not
    close them under us either. The pipe holds about one batch, which bounds the memory used.
    """
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    waiting = context.RawValue(ctypes.c_bool, False)  # shared memory: "the import process waits for rows"
    child = context.Process(
        target=_check_in_child,
        args=(path, index, reader, translation.get_language(), sending, waiting),
        daemon=True,
    )
    # Frozen objects are left alone by the child's garbage collector, so it does not copy every page of
    # the inherited heap just to count references (the advice of the gc module's documentation).
    gc.freeze()
    try:
        child.start()
    finally:
        gc.unfreeze()
    sending.close()
    try:
        while True:
            if not receiving.poll():
                waiting.value = True
            message = receiving.recv()
            waiting.value = False
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            checked, unchecked = message
            if unchecked:
                checked += _check_rows(reader, [(number, _expand(cells)) for number, cells in unchecked])
            yield checked
    finally:
        receiving.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _check_in_child(path: str, index: int, reader: RowReader, language: str, sending, waiting) -> None:
    gc.disable()  # see _gc_paused
    try:
        with translation.override(language), open_sheet(path, index, is_header=is_header) as sheet:
            batches = _batches(sheet.rows, LARGE_BATCH_ROWS, first=sheet.header_row + 1)
            for count, batch in enumerate(batches, start=1):
                checked = _check_until_asked(reader, batch, waiting)
                sending.send(
                    (
                        [
                            (number, _as_text(cells) if type(outcome) is tuple else _compact(cells), outcome)
                            for number, cells, outcome in checked
                        ],
                        [(number, _compact(cells)) for number, cells in batch[len(checked) :]],
                    )
                )
                if count % COLLECT_EVERY_BATCHES == 0:
                    gc.collect(1)
        sending.send(None)
    except BaseException as error:  # noqa: BLE001 - whatever stops the reading stops the import, over there
        sending.send(_portable(error))
    finally:
        sending.close()


def _check_until_asked(reader: RowReader, batch: list[tuple[int, list]], waiting) -> CheckedBatch:
    """The batch's first rows checked, a chunk at a time, until the import process waits for rows (the
    rest is then its to check) or the batch is done. The first chunk is always checked here."""
    checked = _check_rows(reader, batch[:CHECK_CHUNK_ROWS])
    while len(checked) < len(batch) and not _asked(waiting):
        checked += _check_rows(reader, batch[len(checked) : len(checked) + CHECK_CHUNK_ROWS])
    return checked


def _asked(waiting) -> bool:
    return waiting.value


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No automatic cyclic garbage collection while rows are read, checked and saved; callers collect
    every COLLECT_EVERY_BATCHES batches instead. A batch is tens of thousands of acyclic tuples that
    reference counting frees, and a collection triggered by their sheer number walks every live one of
    them (promoting them, to be walked again later): measured, that cost a third of the decoding time
    when it ran freely, and still about a tenth of both processes' time when it ran once a batch."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _pack(record: Record) -> Packed:
    """A record as a tuple of plain values (the reader already gives choices as their plain values):
    the fields in P_* order, the values in VALUE_FIELDS order (None where the row gave none), contacts as
    tuples. Values that repeat across rows are shared objects, which pickle once per batch."""
    values = record.values
    return (
        record.row,
        record.id_number,
        record.name,
        record.name_initials,
        record.sex,
        record.birth_date.isoformat(),
        record.community_code,
        tuple(map(values.get, VALUE_FIELDS)),
        record.categories,
        tuple((c.name, c.relation, c.phone, c.is_keyholder) for c in record.contacts),
        tuple(record.warnings),
        record.says_disabled,
    )


def _unpack(packed: Packed) -> Record:
    row, id_number, name, initials, sex, birth, community, values, categories, contacts, *notes = packed
    warnings, disabled = notes
    return Record(
        row=row,
        id_number=id_number,
        name=name,
        name_initials=initials,
        sex=sex,
        birth_date=dt.date.fromisoformat(birth),
        community_code=community,
        values={key: value for key, value in zip(VALUE_FIELDS, values, strict=True) if value is not None},
        categories=categories,
        contacts=[Contact(*contact) for contact in contacts],
        warnings=list(warnings),
        says_disabled=disabled,
    )


_CELL_SEPARATOR = "\x1f"  # ASCII unit separator: no spreadsheet cell a person typed holds it


def _compact(cells: list) -> list | str:
    """A row of text cells (every CSV row) as one string for the pipe: one object instead of twenty to
    pickle and unpickle; the import process splits it again only for a rejected row. Other rows (xlsx
    numbers and dates) travel as they are."""
    try:
        joined = _CELL_SEPARATOR.join(cells)
    except TypeError:
        return cells
    return joined if joined.count(_CELL_SEPARATOR) == len(cells) - 1 else cells


def _as_text(cells: list) -> list | str:
    """An accepted row's cells as one string, numbers and dates written as text. The import process
    needs them only if it still rejects the row (an ID number repeated in the file, a person registered
    outside the user's area), and then only for the report; a list of mixed cells costs several times
    more to pickle and unpickle, and most rows are accepted."""
    compact = _compact(cells)
    return compact if type(compact) is str else _compact([_written(cell) for cell in cells])


def _written(cell) -> str:
    """A spreadsheet cell as its text: 1.0 as 1, a date (or a time of midnight) as 1948-03-02."""
    if type(cell) is str:
        return cell
    if cell is None:
        return ""
    if type(cell) is float and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime) and cell.time() == dt.time(0):
        return cell.date().isoformat()
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)


def _expand(cells: list | str) -> list:
    return cells.split(_CELL_SEPARATOR) if type(cells) is str else cells


def _portable(error: BaseException) -> BaseException:
    """``error`` if it survives the pipe, else a RuntimeError that names it."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure to round-trip means: send a plain copy
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _common_prefix(codes: set[str]) -> str:
    if not codes:
        return ""
    low, high = min(codes), max(codes)
    length = 0
    while length < len(low) and low[length] == high[length]:
        length += 1
    return low[:length]


# --- comparing with what is stored -----------------------------------------------------------------------
def _stored_elders(numbers: list[str]) -> dict[str, dict]:
    stored = {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        # Which numbers are known, in plain SQL first: the ORM spends more preparing 900 parameters than
        # the database spends finding them, and in a first import of a registry almost none are known.
        chunk = existing_values(Elder, "id_number", numbers[start : start + LOOKUP_CHUNK])
        if chunk:
            for values in Elder.objects.filter(id_number__in=chunk).values(*STORED_FIELDS):
                stored[values["id_number"]] = values
    return stored


def _change(record: Record, known: dict) -> Change:
    change = Change(elder_id=known["id"], record=record)
    wanted = {"name": record.name, "community_id": record.community_code, **record.values}
    for key, value in wanted.items():
        if known[key] != value:
            change.before[key], change.after[key] = known[key], value
    if "name" in change.after:
        change.after["name_initials"] = record.name_initials
    return change


def _attach_stored_children(changes: list[Change]) -> None:
    """Compare categories and contacts of the rows that carry them with the stored ones."""
    with_categories = {c.elder_id: c for c in changes if c.record.categories is not None}
    stored_categories: dict[int, set[str]] = {elder_id: set() for elder_id in with_categories}
    for elder_id, code in ElderCategory.objects.filter(elder_id__in=list(with_categories)).values_list(
        "elder_id", "code"
    ):
        stored_categories[elder_id].add(code)
    for elder_id, change in with_categories.items():
        if set(change.record.categories) != stored_categories[elder_id]:
            change.categories = change.record.categories
            change.before["categories"] = sorted(stored_categories[elder_id])
            change.after["categories"] = change.record.categories
    with_contacts = {c.elder_id: c for c in changes if c.record.contacts}
    stored_contacts: dict[int, dict[str, dict]] = {elder_id: {} for elder_id in with_contacts}
    for contact in EmergencyContact.objects.filter(elder_id__in=list(with_contacts)).values():
        stored_contacts[contact["elder_id"]][contact["phone"]] = contact
    for elder_id, change in with_contacts.items():
        for contact in change.record.contacts:
            old = stored_contacts[elder_id].get(contact.phone)
            if (
                old is None
                or (old["name"], old["relation"]) != (contact.name, contact.relation)
                or (contact.is_keyholder is not None and old["is_keyholder"] != contact.is_keyholder)
            ):
                change.contacts.append((old["id"] if old else None, contact))
        if change.contacts:
            change.after["contacts"] = [contact.name for _, contact in change.contacts]


# --- writing -----------------------------------------------------------------------------------------------
def _create_elders(records: list[Packed], *, actor, job: SpreadsheetJob) -> None:
    if not records:
        return
    ids = reserve_ids(Elder, len(records))
    now = db_timestamp(timezone.now())
    rows, contacts, categories = [], [], []
    for elder_id, packed in zip(ids, records, strict=True):
        rows.append(_elder_row(elder_id, packed, now))
        if packed[P_CATEGORIES]:
            listed_as = (packed[P_COMMUNITY], packed[P_NAME])  # the list order's copy: see ElderCategory
            categories.extend([(elder_id, code, *listed_as) for code in packed[P_CATEGORIES]])
        for priority, (name, relation, phone, is_keyholder) in enumerate(packed[P_CONTACTS], start=1):
            contacts.append((elder_id, priority, name, relation, phone, bool(is_keyholder)))
    insert_rows(Elder, ELDER_COLUMNS, rows)
    insert_rows(ElderCategory, ("elder_id", "code", "community_code", "name"), categories)
    insert_rows(EmergencyContact, CONTACT_COLUMNS, contacts)
    audit.record(
        actor=actor,
        action="elders.import.create",
        object_type="elders.elder",
        object_repr=_("%(count)d elders from %(file)s, rows %(first)d–%(last)d")
        % {
            "count": len(records),
            "file": job.file_name,
            "first": records[0][P_ROW],
            "last": records[-1][P_ROW],
        },
        after={"job": job.pk, "count": len(records), "first_id": ids[0], "last_id": ids[-1]},
        region_code=_common_prefix({packed[P_COMMUNITY] for packed in records}),
    )


def _elder_row(elder_id: int, packed: Packed, now) -> tuple:
    """The values of ELDER_COLUMNS for a new elder; absent fields take the model's defaults."""
    _row, id_number, name, initials, sex, birth, community, values, *_children = packed
    # In VALUE_FIELDS order.
    ethnicity, phone, second_phone, hukou, address, lat, lon, living, grade, chronic, doctor, consent = values
    return (
        elder_id,
        now,
        now,
        name,
        initials,
        id_number,
        sex,
        birth,
        ethnicity or "",
        phone or "",
        second_phone or "",
        hukou or "",
        community,
        address or "",
        lat,
        lon,
        living or "",
        grade,
        _json_list(tuple(chronic)) if chronic else "[]",
        bool(doctor),
        "active",
        bool(consent),
        "",  # no ability level until an assessment is approved
        False,
    )


@lru_cache(maxsize=4096)
def _json_list(items: tuple[str, ...]) -> str:
    """A list of chronic conditions as JSON text; the same few combinations recur across a registry."""
    return json.dumps(list(items), ensure_ascii=False)


def _apply_changes(changes: list[Change], *, actor, job: SpreadsheetJob) -> None:
    if not changes:
        return
    now = timezone.now()
    entries = []
    for change in changes:
        fields = {key: value for key, value in change.after.items() if key not in ("categories", "contacts")}
        if fields:
            Elder.objects.filter(pk=change.elder_id).update(**fields, updated_at=now)
        listed_as = {"community_code": change.record.community_code, "name": change.record.name}
        if change.categories is not None:
            replace_categories(change.elder_id, change.categories, **listed_as)
        elif "name" in fields or "community_id" in fields:
            copy_list_order(change.elder_id, **listed_as)
        _apply_contacts(change)
        entries.append(
            audit.entry(
                actor=actor,
                action="elders.import.update",
                object_type="elders.elder",
                object_id=str(change.elder_id),
                object_repr=change.record.name,
                before=change.before,
                after={**change.after, "job": job.pk, "row": change.record.row},
                region_code=change.record.community_code,
            )
        )
    AuditLog.objects.bulk_create(entries)


def _apply_contacts(change: Change) -> None:
    """Contacts of a row are added or corrected by phone number; contacts not in the row stay."""
    if not change.contacts:
        return
    priority = (
        EmergencyContact.objects.filter(elder_id=change.elder_id).aggregate(top=Max("priority"))["top"] or 0
    )
    for contact_id, contact in change.contacts:
        fields = {"name": contact.name, "relation": contact.relation}
        if contact.is_keyholder is not None:
            fields["is_keyholder"] = contact.is_keyholder
        if contact_id:
            EmergencyContact.objects.filter(pk=contact_id).update(**fields)
        else:
            priority += 1
            EmergencyContact.objects.create(
                elder_id=change.elder_id, priority=priority, phone=contact.phone, **fields
            )
