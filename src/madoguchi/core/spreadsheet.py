"""Rows for CSV and XLSX exports that Excel shows as text and never runs as formulas.

A resident can type ``=HYPERLINK(...)`` into any form field; written as is, Excel would run it
when staff open the export (CSV / formula injection). Every export goes through these two."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_row(values) -> list[str]:
    """CSV has no types: a leading apostrophe makes Excel read the cell as text."""
    out = []
    for value in values:
        text = "" if value is None else str(value)
        out.append("'" + text if text[:1] in FORMULA_START else text)
    return out


def xlsx_row(sheet, values) -> list:
    """Values for ``sheet.append``: strings stay strings (openpyxl would store "=…" as a formula),
    numbers and dates keep their type."""
    from openpyxl.cell import WriteOnlyCell

    out = []
    for value in values:
        if isinstance(value, str) and value[:1] == "=":
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        out.append(value)
    return out
