"""Inbox exports: CSV that opens correctly in Excel (UTF-8 with BOM) and XLSX. マイナンバー never
appears in clear (the form engine's summary masks it)."""

from __future__ import annotations

import io

from django.utils import timezone

from madoguchi.core import spreadsheet
from madoguchi.core.codes import redact_my_numbers
from madoguchi.core.wareki import format_wareki_datetime

from .services import engine_for

AUDITED_RECEIPTS = 20000  # receipt numbers listed in an export's audit record

BASE_COLUMNS = ["受付番号", "手続", "状態", "申請日時", "受付方法", "申請者氏名", "連絡先メール", "担当者"]


def rows(queryset, procedure=None):
    """Header and rows; with one procedure selected, each answer gets its own column."""
    header = list(BASE_COLUMNS)
    answer_keys: list[tuple[str, str]] = []
    submissions = list(queryset.select_related("procedure", "assignee", "form_version"))
    if procedure is not None:
        seen = set()
        for s in submissions:
            for row in engine_for(s).summary(s.answers):
                if row.key not in seen:
                    seen.add(row.key)
                    answer_keys.append((row.key, row.label))
        header += [label for _, label in answer_keys]
    yield header
    for s in submissions:
        line = [
            s.receipt_number or "",
            s.procedure.name,
            s.get_status_display(),
            format_wareki_datetime(timezone.localtime(s.submitted_at)) if s.submitted_at else "",
            s.get_channel_display(),
            s.applicant_name,
            s.applicant_email,
            str(s.assignee or ""),
        ]
        if answer_keys:
            by_key = {row.key: row.display for row in engine_for(s).summary(s.answers)}
            line += [by_key.get(key, "") for key, _ in answer_keys]
        yield [redact_my_numbers(str(v)) for v in line]


def export(queryset, fmt: str, procedure=None) -> tuple[bytes, str, str]:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        wb = spreadsheet.workbook(write_only=True)
        ws = wb.create_sheet("申請一覧")
        for line in rows(queryset, procedure):
            spreadsheet.append(ws, line)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"applications-{stamp}.xlsx"
    buf = io.StringIO()
    spreadsheet.csv_writer(buf).writerows(rows(queryset, procedure))
    # The BOM makes Excel (Japanese Windows) read UTF-8 instead of Shift_JIS.
    return ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", f"applications-{stamp}.csv"
