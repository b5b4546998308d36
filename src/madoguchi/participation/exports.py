"""「提出意見と市の考え方」 as XLSX (core.spreadsheet) and PDF (WeasyPrint): only published texts,
never a submitter's fields."""

from __future__ import annotations

import io

from django.template.loader import render_to_string

from madoguchi.core import spreadsheet

from .services import result_rows

HEADERS = ["番号", "該当箇所", "意見の概要", "提出された意見（個人情報を除く）", "件数", "市の考え方"]


def _opinions_text(row) -> str:
    return "\n\n".join(f"{text}（同趣旨 {count}件）" if count > 1 else text for text, count in row.opinions)


def results_xlsx(consultation) -> bytes:
    from openpyxl.styles import Alignment, Font

    wb = spreadsheet.workbook()
    ws = wb.active
    ws.title = "提出意見と市の考え方"
    spreadsheet.append(ws, [f"{consultation.title} 提出意見と市の考え方"])
    ws["A1"].font = Font(bold=True, size=14)
    spreadsheet.append(ws, HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in result_rows(consultation):
        spreadsheet.append(ws, [row.number, row.section, row.summary, _opinions_text(row), row.count, row.city_view])
    for col, width in zip("ABCDEF", (6, 20, 36, 48, 8, 48), strict=True):
        ws.column_dimensions[col].width = width
    for r in ws.iter_rows(min_row=3):
        for cell in r:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def results_pdf(consultation) -> bytes:
    from weasyprint import HTML

    html = render_to_string("participation/results_pdf.html", {"consultation": consultation, "rows": result_rows(consultation)})
    return HTML(string=html).write_pdf()
