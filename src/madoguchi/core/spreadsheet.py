"""The one spreadsheet writer (CSV and XLSX) — cells that Excel shows as text and never runs as
formulas, numbers that stay numbers.

A resident can type ``=HYPERLINK(...)`` into any form field; written as is, Excel would run it
when staff open the export (CSV / formula injection). Every export goes through this module:
ruff's banned-API rule (TID251, pyproject.toml) refuses ``csv.writer`` and ``openpyxl.Workbook``
anywhere else, so a new export cannot bypass it.

Only text is neutralised: an ``int``/``float``/``Decimal`` (a negative amount, -3000) is written
as a number, and so is text that is exactly a plain number ("-3000", "-1.5") — Excel reads
those as the number they are, which runs nothing.
"""

from __future__ import annotations

import csv  # (the one module allowed to write CSV: pyproject per-file-ignores)
import re
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _neutral_text(text: str) -> str:
    if text[:1] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_row(values) -> list[str]:
    """CSV has no types: a leading apostrophe makes Excel read a formula-like cell as text."""
    out = []
    for value in values:
        if value is None:
            out.append("")
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            out.append(str(value))
        else:
            out.append(_neutral_text(str(value)))
    return out


class CsvWriter:
    """``csv.writer`` whose rows go through ``csv_row``. ``writerow`` returns what the file's
    ``write`` returned (so a streaming echo buffer works as with ``csv.writer``)."""

    def __init__(self, file, **kwargs):
        kwargs.setdefault("lineterminator", "\r\n")
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, values):
        return self._writer.writerow(csv_row(values))

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file, **kwargs) -> CsvWriter:
    return CsvWriter(file, **kwargs)


def workbook(*, write_only: bool = False):
    """A new openpyxl workbook; write rows with ``append(sheet, values)``."""
    from openpyxl import Workbook

    return Workbook(write_only=write_only)


def xlsx_row(sheet, values) -> list:
    """Values for a write-only ``sheet.append``: strings stay strings (openpyxl would store "=…"
    as a formula), numbers and dates keep their type."""
    from openpyxl.cell import WriteOnlyCell

    out = []
    for value in values:
        if isinstance(value, str) and value[:1] == "=":
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        out.append(value)
    return out


def append(sheet, values) -> None:
    """Append one row to a sheet of either kind; text starting with "=" is stored as text."""
    values = list(values)
    if getattr(sheet.parent, "write_only", False):
        sheet.append(xlsx_row(sheet, values))
        return
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value[:1] == "=":
            cell.data_type = "s"
