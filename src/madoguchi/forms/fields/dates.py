"""The date field type (日付) and its ``min`` / ``max`` bounds (``YYYY-MM-DD`` or ``today±Nd``)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from madoguchi.core.wareki import WarekiError, format_wareki, parse_date

from .base import FieldError, FieldType, get_value


def date_bound(value: str | None) -> dt.date | None:
    if not value:
        return None
    m = re.fullmatch(r"today(?:([+-]\d+)d)?", value)
    if m:
        return timezone.localdate() + dt.timedelta(days=int(m.group(1) or 0))
    return dt.date.fromisoformat(value)


def bound_label(value: str, day: dt.date) -> str:
    return f"今日（{format_wareki(day)}）" if value == "today" else format_wareki(day)


def date_bound_ok(value) -> bool:
    if not isinstance(value, str):
        return False
    if re.fullmatch(r"today([+-]\d{1,5}d)?", value):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


class DateField(FieldType):
    """日付: 和暦 or 西暦 in, ISO ``YYYY-MM-DD`` stored, 和暦 shown."""

    label = "日付"

    def clean(self, f, data, ctx):
        raw = get_value(data, f.key).strip()
        if not raw:
            return ""
        try:
            day = parse_date(raw)
        except WarekiError as exc:
            raise FieldError(f"「{f.label}」: {exc}", keep=raw) from None
        lo_spec, hi_spec = f.spec.get("min"), f.spec.get("max")
        lo, hi = date_bound(lo_spec), date_bound(hi_spec)
        if lo and day < lo:
            raise FieldError(f"「{f.label}」は{bound_label(lo_spec, lo)}以降の日付を入力してください。", keep=raw)
        if hi and day > hi:
            raise FieldError(f"「{f.label}」は{bound_label(hi_spec, hi)}以前の日付を入力してください。", keep=raw)
        return day.isoformat()

    def display(self, f, value):
        try:
            return format_wareki(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)

    def schema_errors(self, spec, where, *, allows_my_number=True):
        errors = []
        for name in ("min", "max"):
            v = spec.get(name)
            if v is not None and not date_bound_ok(v):
                errors.append(f"{where}: {name} は YYYY-MM-DD か today（今日）で書いてください。")
        return errors

    def hint(self, f):
        return "例: 令和8年4月1日、R8.4.1、2026-04-01"

    def widget_value(self, f, value):
        if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            try:
                return format_wareki(dt.date.fromisoformat(value))
            except ValueError:
                pass
        return super().widget_value(f, value)
