"""Exports never hand Excel a formula that a resident typed."""

import io

from openpyxl import Workbook, load_workbook

from madoguchi.core.spreadsheet import csv_row, xlsx_row


def test_csv_cells_starting_like_a_formula_become_text():
    assert csv_row(["=1+1", "+81", "-", "@SUM(A1)", "普通の文", None, 3]) == ["'=1+1", "'+81", "'-", "'@SUM(A1)", "普通の文", "", "3"]


def test_xlsx_keeps_strings_as_strings_and_numbers_as_numbers():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    sheet.append(xlsx_row(sheet, ['=HYPERLINK("http://evil.example/")', "文", 3]))
    buffer = io.BytesIO()
    book.save(buffer)
    row = next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    assert [(c.value, c.data_type) for c in row] == [('=HYPERLINK("http://evil.example/")', "s"), ("文", "s"), (3, "n")]
