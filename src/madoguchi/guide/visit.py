"""一回の来庁 (one visit): from a checklist's 来庁の計画, book ONE counter visit that covers the
in-person steps, the counter's booking form filled in with the procedures, what to bring and
the details the resident chooses to carry over.

The booking itself stays reservations' (its counter page, its rules, its confirmation and
day-before reminder emails): the guide only knows the counters' booking links from the
``procedure_windows`` registry and hands the text over as the page's ``procedure`` query
parameter, which that page puts in its 「手続き・相談の内容」 field (200 characters, editable
there before booking). What does not fit is listed to the resident to say at the counter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.http import urlencode

from . import definition

# reservations' VisitForm.procedure / Visit.procedure max_length: the text never exceeds it,
# so nothing is cut silently on the counter page.
PROCEDURE_MAX = 200
SEP = "、"


@dataclass(frozen=True)
class Detail:
    """A detail the resident may carry over to the booking (基準日, one answer, 持ち物)."""

    key: str
    label: str
    value: str


@dataclass
class VisitBooking:
    """What one visit covers: the in-person steps in visiting order, the counters that take
    bookings among their windows (first = where the visit is booked by default), the things to
    bring (once each), the total time estimate and the details that may be carried over."""

    steps: list
    counters: list
    bring: list
    minutes: int
    details: list = field(default_factory=list)

    @property
    def bookable(self) -> bool:
        return bool(self.steps and self.counters)


def plan(checklist: definition.Checklist, *, date_label: str = "") -> VisitBooking:
    steps = [s for _place, place_steps in checklist.visit for s in place_steps]
    counters, seen_urls = [], set()
    for step in steps:
        for w in step.windows:
            if w.url and w.url not in seen_urls:
                seen_urls.add(w.url)
                counters.append(w)
    bring = list(dict.fromkeys(b for s in steps for b in s.bring if b))
    details = []
    if checklist.event_date:
        details.append(Detail("date", checklist.event_date_label, date_label or checklist.event_date.isoformat()))
    for i, (question, answer) in enumerate(checklist.answered, start=1):
        details.append(Detail(f"a{i}", question, answer))
    if bring:
        details.append(Detail("bring", "持ち物", SEP.join(bring)))
    return VisitBooking(steps=steps, counters=counters, bring=bring, minutes=checklist.visit_minutes, details=details)


def prefill(booking: VisitBooking, title: str, carry: set[str]) -> tuple[str, list[str]]:
    """The booking form's 「手続き・相談の内容」: the procedures first (they are what the visit is
    for), then each chosen detail, item by item while they fit in ``PROCEDURE_MAX``.
    Returns the text and what did not fit (told to the resident, never dropped silently)."""
    text = f"手続きガイド「{title}」:"
    left_out: list[str] = []

    def add(prefix: str, items: list[str], label: str = "") -> None:
        nonlocal text
        placed = 0
        for item in items:
            candidate = text + (prefix if not placed else SEP) + item
            if len(candidate) + 1 <= PROCEDURE_MAX:  # + 1 for the closing 「。」
                text, placed = candidate, placed + 1
            else:
                left_out.append(f"{label}: {item}" if label else item)
        if placed:
            text += "。"

    add(" ", [s.title for s in booking.steps])
    minutes = f"窓口の時間の目安 約{booking.minutes}分"
    if booking.minutes and len(text) + len(minutes) + 2 <= PROCEDURE_MAX:
        text += f" {minutes}。"
    for detail in booking.details:
        if detail.key not in carry:
            continue
        if detail.key == "bring":
            add(" 持ち物: ", booking.bring, "持ち物")
        else:
            add(f" {detail.label}: ", [detail.value], detail.label)
    return text[:PROCEDURE_MAX], left_out


def booking_url(counter_url: str, text: str) -> str:
    """The counter's booking page with the text in its ``procedure`` field."""
    return f"{counter_url}?{urlencode({'procedure': text})}"
