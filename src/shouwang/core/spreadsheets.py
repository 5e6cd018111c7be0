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
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

import python_calamine_plus as calamine
import xlsxwriter
from django.utils.translation import gettext as _

from .errors import ValidationFailed

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
STREAMED_SUFFIXES = (".xlsx", ".xlsm")
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')


class UnreadableSpreadsheet(ValidationFailed):
    code = "unreadable_spreadsheet"


# A roster often opens with a title, the reporting unit and a date above its column names; the header
# is looked for among this many rows at the top of each sheet.
HEADER_SEARCH_ROWS = 10


@dataclass
class Sheet:
    """One sheet: its header row and an iterator over the data rows below it, each a list of cells.

    ``header_row`` is the header's row number as the spreadsheet program shows it (1 for the first row);
    the first data row is the one after it. ``above`` holds the text of the rows above the header (a
    roster's title, 填报单位…), so the import can say what it passed over."""

    name: str
    header: list[str]
    rows: Iterator[list]
    estimated_rows: int | None
    header_row: int = 1
    above: list[str] = field(default_factory=list)


class Workbook:
    """An open workbook (a CSV file is a workbook of one sheet named after the file). Its sheets are read
    one at a time: opening a sheet ends the rows of the one opened before."""

    def __init__(
        self, path: Path, workbook: calamine.CalamineWorkbook | None = None, *, name: str | None = None
    ):
        self.path = path
        self._workbook = workbook
        self._csv_file: TextIO | None = None
        self.sheet_names: list[str] = (
            list(workbook.sheet_names) if workbook is not None else [name or path.stem]
        )

    def sheet(self, index: int = 0, *, is_header: Callable[[list[str]], bool] | None = None) -> Sheet:
        """Sheet ``index``. Its header is the first of its first HEADER_SEARCH_ROWS rows that
        ``is_header`` accepts, else its first non-empty row. Raises :class:`UnreadableSpreadsheet` for an
        empty sheet."""
        estimate: int | None
        if self._workbook is None:
            self.close()
            self._csv_file = self.path.open(encoding=_detect_encoding(self.path), newline="")
            rows, first_row, estimate = _guarded(csv.reader(self._csv_file)), 1, _count_lines(self.path)
        elif self.path.suffix.lower() in STREAMED_SUFFIXES:
            rows = iter(self._workbook.stream_sheet_by_index(index))
            first_row, estimate = 1, _declared_rows(self.path, index)
        else:
            loaded = self._workbook.get_sheet_by_index(index)
            # Older formats skip the empty rows above the data: count from where it starts.
            first_row = loaded.start[0] + 1 if loaded.start else 1
            rows, estimate = loaded.iter_rows(), first_row - 1 + loaded.height
        return _with_header(self.sheet_names[index], rows, first_row, estimate, is_header)

    def close(self) -> None:
        if self._csv_file is not None:
            self._csv_file.close()
            self._csv_file = None


def _with_header(name, rows: Iterator[list], first_row: int, estimate, is_header) -> Sheet:
    above: list[list] = []
    for cells in itertools.islice(rows, HEADER_SEARCH_ROWS):
        texts = [str(cell).strip() for cell in cells]
        if is_header is None or is_header(texts):
            header_row = first_row + len(above)
            return Sheet(
                name=name,
                header=texts,
                rows=rows,
                estimated_rows=max(0, estimate - header_row) if estimate else None,
                header_row=header_row,
                above=[" ".join(filter(None, _texts(row))) for row in above if any(_texts(row))],
            )
        above.append(cells)
    # No row was taken for the header: the first non-empty one stands for it, so that the caller can say
    # which columns it lacks.
    for offset, cells in enumerate(above):
        if any(_texts(cells)):
            return Sheet(
                name=name,
                header=_texts(cells),
                rows=iter(above[offset + 1 :]),
                estimated_rows=None,
                header_row=first_row + offset,
            )
    raise UnreadableSpreadsheet(_("The spreadsheet is empty."))


def _texts(cells: list) -> list[str]:
    return [str(cell).strip() for cell in cells]


@contextmanager
def open_workbook(path: Path | str, *, name: str | None = None) -> Iterator[Workbook]:
    """``path`` opened as a :class:`Workbook`, for use in a ``with`` block; ``name`` is the name of a CSV
    file's one sheet (the file's name as the user knows it; by default the file's own). Raises
    :class:`UnreadableSpreadsheet` when it is not a spreadsheet this platform reads."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise UnreadableSpreadsheet(
            _("Please upload an Excel workbook (.xlsx or .xls) or a CSV file; %(name)s is neither.")
            % {"name": path.name}
        )
    if suffix == ".csv":
        workbook = Workbook(path, name=name)
        try:
            yield workbook
        finally:
            workbook.close()
        return
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.CalamineError as error:
        raise UnreadableSpreadsheet(
            _("The file %(name)s could not be read as a spreadsheet (%(reason)s).")
            % {"name": path.name, "reason": error}
        ) from None
    with book:
        yield Workbook(path, book)


@contextmanager
def open_sheet(path: Path | str, index: int = 0, *, is_header=None) -> Iterator[Sheet]:
    """Sheet ``index`` of ``path`` (see :meth:`Workbook.sheet`), for use in a ``with`` block."""
    with open_workbook(path) as workbook:
        yield workbook.sheet(index, is_header=is_header)


def _declared_rows(path: Path, index: int) -> int | None:
    """Rows the writer declared in a worksheet's ``<dimension>``: a progress-bar estimate only (the
    worksheet parts of the usual writers are numbered in sheet order)."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(f"xl/worksheets/sheet{index + 1}.xml") as part:
            match = _DIMENSION.search(part.read(4096))
    except (KeyError, zipfile.BadZipFile):
        return None
    return int(match.group(1)) if match else None


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
    return count


class SheetWriter:
    """An xlsx written row by row in constant memory; every cell stays text or a number (a cell starting
    with = is never turned into a formula). It starts with one sheet; :meth:`add_sheet` starts another, after
    which rows go there. Use it in a ``with`` block."""

    def __init__(self, path: Path | str | BinaryIO, header: list[str], *, sheet_name: str = "Sheet1"):
        self.workbook = xlsxwriter.Workbook(
            str(path) if isinstance(path, Path) else path,
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False},
        )
        self._bold = self.workbook.add_format({"bold": True})
        self.add_sheet(header, sheet_name=sheet_name)

    def add_sheet(self, header: list[str], *, sheet_name: str) -> None:
        self.sheet = self.workbook.add_worksheet(sheet_name)
        self.sheet.write_row(0, 0, header, self._bold)
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
