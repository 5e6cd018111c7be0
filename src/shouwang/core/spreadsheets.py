"""Reading and writing the spreadsheets bureaus work in (xlsx, xls, csv), a row at a time.

Reading streams: an xlsx of a million rows is decoded row by row by python-calamine-plus in constant
memory (docs/decisions/0007-streaming-spreadsheets.md says why not upstream python-calamine or openpyxl).
Older .xls/.ods files, which are small in practice, are loaded whole by the same library. CSV files come
from Excel in UTF-8 (with or without BOM) or in GB18030/GBK; the encoding is detected.

Writing streams too: XlsxWriter in constant-memory mode keeps one row in memory.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import python_calamine_plus as calamine
import xlsxwriter
from django.utils.translation import gettext as _

from .errors import ValidationFailed

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
STREAMED_SUFFIXES = (".xlsx", ".xlsm")
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')


class UnreadableSpreadsheet(ValidationFailed):
    code = "unreadable_spreadsheet"


@dataclass
class Sheet:
    """The header row and an iterator over the data rows, each a list of cell values."""

    header: list[str]
    rows: Iterator[list]
    estimated_rows: int | None


@contextmanager
def open_sheet(path: Path | str):
    """The first sheet of ``path``, for use in a ``with`` block. Raises :class:`UnreadableSpreadsheet`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise UnreadableSpreadsheet(
            _("Please upload an Excel workbook (.xlsx or .xls) or a CSV file; %(name)s is neither.")
            % {"name": path.name}
        )
    if suffix == ".csv":
        with _open_csv(path) as sheet:
            yield sheet
        return
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.CalamineError as error:
        raise UnreadableSpreadsheet(
            _("The file %(name)s could not be read as a spreadsheet (%(reason)s).")
            % {"name": path.name, "reason": error}
        ) from None
    with workbook:
        if suffix in STREAMED_SUFFIXES:
            rows = iter(workbook.stream_sheet_by_index(0))
            estimate = _declared_rows(path)
        else:
            loaded = workbook.get_sheet_by_index(0)
            rows, estimate = loaded.iter_rows(), loaded.height
        header = next(rows, None)
        if header is None:
            raise UnreadableSpreadsheet(_("The spreadsheet is empty."))
        yield Sheet(
            header=[str(cell).strip() for cell in header],
            rows=rows,
            estimated_rows=estimate - 1 if estimate else None,
        )


def _declared_rows(path: Path) -> int | None:
    """Rows the writer declared in the first worksheet's ``<dimension>``: a progress-bar estimate only."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as part:
            match = _DIMENSION.search(part.read(4096))
    except (KeyError, zipfile.BadZipFile):
        return None
    return int(match.group(1)) if match else None


@contextmanager
def _open_csv(path: Path):
    encoding = _detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as error:
            raise UnreadableSpreadsheet(
                _("The CSV file could not be read (%(reason)s).") % {"reason": error}
            ) from None
        if header is None:
            raise UnreadableSpreadsheet(_("The spreadsheet is empty."))
        yield Sheet(
            header=[cell.strip() for cell in header], rows=_guarded(reader), estimated_rows=_count_lines(path)
        )


def _guarded(reader) -> Iterator[list]:
    """Rows of a CSV; a bad byte deep in the file (a row pasted from another encoding) becomes a plain
    message instead of a crash. Rows before it have been handled already."""
    try:
        yield from reader
    except (UnicodeDecodeError, csv.Error) as error:
        raise UnreadableSpreadsheet(
            _("The CSV file could not be read after row %(row)d (%(reason)s).")
            % {"row": reader.line_num, "reason": error}
        ) from None


def _detect_encoding(path: Path) -> str:
    """UTF-8 (BOM or not) when the start of the file decodes as UTF-8, else GB18030 (a superset of GBK)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return max(0, count - 1)


class SheetWriter:
    """A one-sheet xlsx written row by row in constant memory; every cell stays text or a number (a cell
    starting with = is never turned into a formula). Use it in a ``with`` block."""

    def __init__(self, path: Path | str | BinaryIO, header: list[str], *, sheet_name: str = "Sheet1"):
        self.workbook = xlsxwriter.Workbook(
            str(path) if isinstance(path, Path) else path,
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False},
        )
        self.sheet = self.workbook.add_worksheet(sheet_name)
        self.sheet.write_row(0, 0, header, self.workbook.add_format({"bold": True}))
        self.sheet.freeze_panes(1, 0)
        self.rows = 0

    def append(self, row: list) -> None:
        self.rows += 1
        self.sheet.write_row(self.rows, 0, row)

    def close(self) -> None:
        self.workbook.close()

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def write_xlsx(
    path: Path | str | BinaryIO, header: list[str], rows: Iterable[list], *, sheet_name: str = "Sheet1"
) -> int:
    """Write a whole sheet from an iterable of rows; returns the number of data rows written."""
    with SheetWriter(path, header, sheet_name=sheet_name) as writer:
        for row in rows:
            writer.append(row)
    return writer.rows
