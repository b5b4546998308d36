"""The end-of-plan evaluation table as XLSX, CSV (UTF-8 with BOM, for Excel) and PDF."""

from __future__ import annotations

import io

from django.template.loader import render_to_string

from madoguchi.core import spreadsheet

from .services import EVALUATION_HEADERS, evaluation_rows


def evaluation_csv(plan) -> bytes:
    buf = io.StringIO()
    writer = spreadsheet.csv_writer(buf)
    writer.writerow(EVALUATION_HEADERS)
    writer.writerows(evaluation_rows(plan))
    return buf.getvalue().encode("utf-8-sig")


def evaluation_xlsx(plan) -> bytes:
    from openpyxl.styles import Alignment, Font

    wb = spreadsheet.workbook()
    ws = wb.active
    ws.title = "評価"
    spreadsheet.append(ws, [f"{plan.title} 評価一覧"])
    ws["A1"].font = Font(bold=True, size=14)
    spreadsheet.append(ws, EVALUATION_HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in evaluation_rows(plan):
        spreadsheet.append(ws, row)
    for col, width in zip("ABCDEFG", (8, 48, 16, 30, 14, 10, 48), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def evaluation_pdf(plan) -> bytes:
    from weasyprint import HTML

    html = render_to_string("plans/evaluation_pdf.html", {"plan": plan, "headers": EVALUATION_HEADERS, "rows": evaluation_rows(plan)})
    return HTML(string=html).write_pdf()
