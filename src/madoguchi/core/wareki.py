"""和暦 (Japanese era) and 年度 (fiscal year) helpers.

``format_wareki(date(2026, 4, 1))`` → 「令和8年4月1日」; ``parse_date`` accepts 西暦 and 和暦 in the
forms people type: 2026-04-01, 2026/4/1, 令和8年4月1日, 令和元年5月1日, R8.4.1, R08/04/01, H31.4.30,
and full-width digits.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: dt.date
    # The era's last day. 大正→昭和 and 明治→大正 changed on the day the emperor died, so that
    # day is both 大正15年12月25日 and 昭和元年12月25日; 昭和→平成 and 平成→令和 changed the next day.
    end: dt.date | None = None


# Newest first. 明治 is applied back to 1868-01-25 per common practice.
ERAS = (
    Era("令和", "R", dt.date(2019, 5, 1)),
    Era("平成", "H", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("昭和", "S", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("大正", "T", dt.date(1912, 7, 30), dt.date(1926, 12, 25)),
    Era("明治", "M", dt.date(1868, 1, 25), dt.date(1912, 7, 30)),
)
_BY_NAME = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS}


def era_of(day: dt.date) -> Era:
    for era in ERAS:
        if day >= era.start:
            return era
    raise ValueError("明治より前の日付は和暦で表せません")


def era_year(day: dt.date) -> tuple[Era, int]:
    era = era_of(day)
    return era, day.year - era.start.year + 1


def _year_label(n: int) -> str:
    return "元" if n == 1 else str(n)


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The calendar day people see: an aware datetime is a moment, and its day is the one in
    the site's time zone (Asia/Tokyo), not UTC's (04:12 JST on 12/4 is 19:12 UTC on 12/3)."""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def format_wareki(day: dt.date | dt.datetime | None, with_weekday: bool = False) -> str:
    """「令和8年4月1日」; with_weekday adds 「(水)」. A datetime is shown on its day in Asia/Tokyo."""
    if day is None:
        return ""
    day = local_date(day)
    era, year = era_year(day)
    text = f"{era.name}{_year_label(year)}年{day.month}月{day.day}日"
    if with_weekday:
        text += f"({'月火水木金土日'[day.weekday()]})"
    return text


def format_wareki_month(day: dt.date, with_western: bool = True) -> str:
    """A month as residents read it: 「令和9年（2027年）2月」 (or 「令和9年2月」)."""
    era, year = era_year(day)
    western = f"（{day.year}年）" if with_western else ""
    return f"{era.name}{_year_label(year)}年{western}{day.month}月"


def format_wareki_datetime(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    from django.utils import timezone

    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{format_wareki(moment.date())} {moment.hour}時{moment.minute:02d}分"


def fiscal_year(day: dt.date) -> int:
    """年度 named by the calendar year it starts in (April–March)."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def format_fiscal_year(year: int) -> str:
    """2026 → 「令和8年度」. The era is the one in force at the end of the calendar year, so that
    2019 is 「令和元年度」 as the government writes it, and 1988 stays 「昭和63年度」."""
    era, n = era_year(dt.date(year, 12, 31))
    return f"{era.name}{_year_label(n)}年度"


def parse_fiscal_year(text: str) -> int | None:
    """「令和8年度」「R8年度」「平成31年度」「2026年度」 → 2026."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    m = re.match(r"^(令和|平成|昭和|R|H|S)\s*(元|\d{1,2})\s*年度", t)
    if m:
        era = _BY_NAME[m.group(1)]
        n = 1 if m.group(2) == "元" else int(m.group(2))
        return era.start.year + n - 1
    m = re.match(r"^(\d{4})\s*年度", t)
    return int(m.group(1)) if m else None


class WarekiError(ValueError):
    """A date that could not be read; the message is shown to people as is."""


_ERA_RE = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$", re.I)
_WESTERN_RE = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(text: str) -> dt.date:
    """Read a date typed in 西暦 or 和暦; raise WarekiError with a Japanese message otherwise."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    t = re.sub(r"\([^)]*\)$", "", t).strip()  # drop a trailing weekday such as (水)
    if not t:
        raise WarekiError("日付を入力してください。")
    m = _ERA_RE.match(t)
    if m:
        era = _BY_NAME[m.group(1).upper() if len(m.group(1)) == 1 else m.group(1)]
        n = 1 if m.group(2) == "元" else int(m.group(2))
        if n < 1:
            raise WarekiError("和暦の年は1（元年）以上で入力してください。")
        try:
            day = dt.date(era.start.year + n - 1, int(m.group(3)), int(m.group(4)))
        except ValueError:
            raise WarekiError(f"「{text}」という日付はありません。月と日を確かめてください。") from None
        if day < era.start or (era.end and day > era.end):
            raise WarekiError(f"「{text}」は{era.name}の期間外です。元号と年を確かめてください。")
        return day
    m = _WESTERN_RE.match(t) or _COMPACT_RE.match(t)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise WarekiError(f"「{text}」という日付はありません。月と日を確かめてください。") from None
    raise WarekiError("日付は「2026-04-01」「令和8年4月1日」「R8.4.1」のように入力してください。")
