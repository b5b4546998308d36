"""日計表: payments settled per day, section and purpose (件数, 金額), and its CSV/XLSX export."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils import timezone

from madoguchi.core import permissions
from madoguchi.core.spreadsheet import append, csv_writer, workbook

from .models import SETTLED, Payment

HEADER = ["日付", "担当課", "支払の内容", "件数", "金額（円）"]


@dataclass(frozen=True)
class Row:
    section: str
    purpose: str
    count: int
    total: int


def daily(user, day: dt.date) -> list[Row]:
    """Payments paid on ``day`` (local time) in the sections ``user`` may view, by section and
    purpose. A refunded payment still counts on the day it was paid (refunds are their own rows)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    qs = permissions.scope(user, Payment.objects.filter(status__in=SETTLED, paid_at__gte=start, paid_at__lt=end))
    rows = qs.values("section__name", "purpose").annotate(n=Count("id"), total=Sum("amount")).order_by("section__name", "purpose")
    return [Row(r["section__name"], r["purpose"], r["n"], r["total"] or 0) for r in rows]


def _lines(day: dt.date, rows: list[Row]):
    yield HEADER
    for r in rows:
        yield [day.isoformat(), r.section, r.purpose, r.count, r.total]
    yield [day.isoformat(), "合計", "", sum(r.count for r in rows), sum(r.total for r in rows)]


def as_csv(day: dt.date, rows: list[Row]) -> bytes:
    """UTF-8 with BOM, so Excel opens it as Japanese text."""
    out = io.StringIO()
    writer = csv_writer(out)
    for line in _lines(day, rows):
        writer.writerow(line)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(day: dt.date, rows: list[Row]) -> bytes:
    book = workbook()
    sheet = book.active
    sheet.title = "日計表"
    for line in _lines(day, rows):
        append(sheet, line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
