"""What every part of the reservation rules shares: the refusal, the frame, dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ..models import (
    WEEKDAYS,
)


class BookingError(Exception):
    """A refused reservation; ``rule`` is a stable code, ``message`` Japanese for people."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class Frame:
    start: dt.time
    end: dt.time
    label: str

    @property
    def hours(self) -> float:
        return (dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(dt.date.min, self.start)).seconds / 3600


PAY_GRACE = dt.timedelta(days=3)  # time to pay after a late 減免 decision


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight starting ``day``: a fee owed for a day is due before the day begins."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0)))


def _now(now=None) -> dt.datetime:
    return now or timezone.now()


def _fmt_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"
