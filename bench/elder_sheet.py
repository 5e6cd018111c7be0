"""The benchmark's input: the demo's registry spreadsheet (``shouwang.demo.sheets``), about 1 % bad rows."""

from shouwang.demo.sheets import BAD_SHARE, person_row, rows, spoil, write

__all__ = ["BAD_SHARE", "person_row", "rows", "spoil", "write"]
