"""財務会計 export (収入の集計): settled payments per day, 歳入科目, section and purpose, and
refunds (戻出) as negative lines, as CSV (UTF-8 BOM) or XLSX through ``core.spreadsheet``.
The 歳入科目 of a purpose is configured by staff (``RevenueAccount``); a purpose without one is
exported with an empty code so it shows up rather than disappears."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

from django.utils import timezone

from madoguchi.core import permissions
from madoguchi.core.spreadsheet import append, csv_writer, workbook
from madoguchi.core.wareki import fiscal_year, format_fiscal_year

from .models import SETTLED, Payment, Refund, RevenueAccount

HEADER = ["区分", "収入日", "会計年度", "歳入科目コード", "歳入科目名", "担当課", "支払の内容", "件数", "金額（円）"]


def _bounds(start: dt.date, end: dt.date):
    return timezone.make_aware(dt.datetime.combine(start, dt.time.min)), timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))


def rows(user, start: dt.date, end: dt.date) -> list[list]:
    """One line per (収入日, 歳入科目, 担当課, 支払の内容) for the user's sections, then 戻出 lines."""
    lo, hi = _bounds(start, end)
    accounts = {a.purpose: a for a in RevenueAccount.objects.all()}
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    paid = permissions.scope(user, Payment.objects.filter(status__in=SETTLED, paid_at__gte=lo, paid_at__lt=hi).select_related("section"))
    for p in paid:
        key = ("収入", timezone.localdate(p.paid_at), p.purpose, p.section.name)
        sums[key][0] += 1
        sums[key][1] += p.amount
    refunds = permissions.scope(
        user,
        Refund.objects.filter(status=Refund.Status.COMPLETED, decided_at__gte=lo, decided_at__lt=hi).select_related("payment__section"),
        section_field="payment__section",
    )
    for r in refunds:
        key = ("戻出", timezone.localdate(r.decided_at), r.payment.purpose, r.payment.section.name)
        sums[key][0] += 1
        sums[key][1] -= r.amount
    out = []
    for (kind, day, purpose, section), (count, total) in sorted(sums.items(), key=lambda kv: (kv[0][1], kv[0][0] != "収入", kv[0][3], kv[0][2])):
        account = accounts.get(purpose)
        out.append(
            [
                kind,
                day.isoformat(),
                format_fiscal_year(fiscal_year(day)),
                account.code if account else "",
                account.name if account else "",
                section,
                purpose,
                count,
                total,
            ]
        )
    return out


def _lines(lines: list[list]):
    yield HEADER
    yield from lines
    yield ["合計", "", "", "", "", "", "", sum(r[7] for r in lines), sum(r[8] for r in lines)]


def as_csv(lines: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv_writer(out)
    for line in _lines(lines):
        writer.writerow(line)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(lines: list[list]) -> bytes:
    book = workbook()
    sheet = book.active
    sheet.title = "収入集計"
    for line in _lines(lines):
        append(sheet, line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
