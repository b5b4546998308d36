"""Office calendar (開庁日): weekends, national holidays (jpholiday) and the municipality's own
closed days (年末年始 12/29–1/3 by default, plus dates it adds)."""

from __future__ import annotations

import datetime as dt

import jpholiday


def holiday_name(day: dt.date) -> str | None:
    return jpholiday.is_holiday_name(day)


def is_year_end_closure(day: dt.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def closed_reason(day: dt.date, municipality=None) -> str | None:
    """Why the office is closed on ``day`` (Japanese), or None when it is open."""
    if municipality is not None:
        extra = municipality.extra_open_days()
        if day in extra:
            return None
        closed = municipality.extra_closed_days()
        if day in closed:
            return closed[day] or "休庁日"
    if (municipality is None or municipality.closes_year_end) and is_year_end_closure(day):
        return "年末年始"
    name = holiday_name(day)
    if name:
        return name
    if day.weekday() == 5:
        return "土曜日"
    if day.weekday() == 6:
        return "日曜日"
    return None


def is_open(day: dt.date, municipality=None) -> bool:
    return closed_reason(day, municipality) is None


def add_business_days(start: dt.date, days: int, municipality=None) -> dt.date:
    """The date ``days`` open days after ``start`` (used for processing-time estimates)."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_open(day, municipality):
            remaining -= 1
    return day
