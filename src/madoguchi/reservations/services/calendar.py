"""Opening calendar of facilities (開館日・時間枠), availability and search."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.db.models import Q
from django.utils import timezone

from madoguchi.core import calendar as office_calendar

from ..models import (
    ACTIVE_BOOKING_STATUSES,
    WEEKDAYS,
    Booking,
    ClosedPeriod,
    Facility,
    FrameDefinition,
    Lottery,
    OpeningHours,
    Unit,
)
from .common import BookingError, Frame, _fmt_date, _now


def closed_reason(facility: Facility, day: dt.date, unit: Unit | None = None, periods=None, hours=None) -> str | None:
    """Why ``facility`` (or ``unit``) is closed on ``day``, or None. ``periods``/``hours`` may
    be passed preloaded when called for a whole month."""
    periods = periods if periods is not None else list(facility.closed_periods.all())
    for p in periods:
        if p.start <= day <= p.end and (p.unit_id is None or (unit is not None and p.unit_id == unit.pk)):
            return p.reason
    if facility.closes_year_end and office_calendar.is_year_end_closure(day):
        return "年末年始"
    if facility.closes_on_holidays:
        name = office_calendar.holiday_name(day)
        if name:
            return f"祝日（{name}）"
    hours = hours if hours is not None else {h.weekday: h for h in facility.opening_hours.all()}
    if day.weekday() not in hours:
        return f"定休日（{WEEKDAYS[day.weekday()]}曜日）"
    return None


def frames_for(unit: Unit, day: dt.date, hours=None, defs=None) -> list[Frame]:
    """The frames of ``unit`` on ``day`` within opening hours (no closed-day check)."""
    facility = unit.facility
    hours = hours if hours is not None else {h.weekday: h for h in facility.opening_hours.all()}
    oh = hours.get(day.weekday())
    if oh is None:
        return []
    if unit.frame_mode == Unit.FrameMode.HOURLY:
        frames = []
        t = dt.datetime.combine(day, oh.opens)
        close = dt.datetime.combine(day, oh.closes)
        while t + dt.timedelta(hours=1) <= close:
            end = t + dt.timedelta(hours=1)
            frames.append(Frame(t.time(), end.time(), f"{t:%H:%M}〜{end:%H:%M}"))
            t = end
        return frames
    defs = defs if defs is not None else list(facility.frames.all())
    return [Frame(d.start, d.end, d.label) for d in defs if d.start >= oh.opens and d.end <= oh.closes]


def month_days(year: int, month: int) -> list[dt.date]:
    return [dt.date(year, month, d) for d in range(1, pycalendar.monthrange(year, month)[1] + 1)]


def lottery_status_for(facility: Facility, day: dt.date) -> str | None:
    """Status of the lottery covering ``day``'s month at ``facility`` (None: no lottery)."""
    return Lottery.objects.filter(facility=facility, month=day.replace(day=1)).values_list("status", flat=True).first()


def window_problem(facility: Facility, day: dt.date, start: dt.time, now=None, lottery_drawn: bool = False) -> BookingError | None:
    """Past frames and frames outside the booking window. After a month's lottery is drawn its
    remaining frames open first-come at once (空き予約), so the far end of the window is lifted."""
    now = timezone.localtime(_now(now))
    today = now.date()
    if dt.datetime.combine(day, start) <= now.replace(tzinfo=None):
        return BookingError("past", "過去の時間枠は予約できません。これからの日時を選んでください。")
    if not lottery_drawn and day > today + dt.timedelta(days=facility.booking_window_days):
        opens = day - dt.timedelta(days=facility.booking_window_days)
        return BookingError(
            "window", f"予約の受付期間外です。この施設は{facility.booking_window_days}日先まで予約できます（{_fmt_date(day)}の受付は{_fmt_date(opens)}から）。"
        )
    if day < today + dt.timedelta(days=facility.booking_min_days):
        return BookingError("window", f"予約の受付期間外です。この施設は利用日の{facility.booking_min_days}日前までに予約してください。")
    return None


def availability(unit: Unit, year: int, month: int, now=None) -> list[dict]:
    """Each day of the month with its frames and state: free / taken / closed / past / window /
    lottery. Read at the present moment (``now`` None: the pages) it comes from the month
    cached per calendar version (``reservations.availability``, the API's path too); with an
    explicit ``now`` it is computed (one query for bookings)."""
    if now is None:
        from ..availability import month as cached_month

        cached = cached_month(unit.pk, year, month, municipality_id=unit.municipality_id, unit=unit)
        if cached is not None:
            return cached.days
    return month_state(unit, year, month, now)[0]


def month_state(unit: Unit, year: int, month: int, now=None) -> tuple[list[dict], dt.datetime]:
    """``availability`` and the moment it goes stale without any write: the earliest of a live
    hold running out (it frees its frame), a frame starting (free → past), the next local
    midnight (the booking window moves) — whichever comes first after ``now``."""
    facility = unit.facility
    now = _now(now)
    local_now = timezone.localtime(now)
    naive_now = local_now.replace(tzinfo=None)
    midnight = timezone.make_aware(dt.datetime.combine(local_now.date() + dt.timedelta(days=1), dt.time(0)))
    stale_at = [midnight]
    periods = list(facility.closed_periods.all())
    hours = {h.weekday: h for h in facility.opening_hours.all()}
    defs = list(facility.frames.all())
    days = month_days(year, month)
    taken = set()
    for day, start, status, hold_until in (
        Booking.objects.filter(unit=unit, date__gte=days[0], date__lte=days[-1], status__in=ACTIVE_BOOKING_STATUSES)
        .exclude(status=Booking.Status.HELD, hold_until__lte=now)
        .values_list("date", "start", "status", "hold_until")
    ):
        taken.add((day, start))
        if status == Booking.Status.HELD and hold_until is not None:
            stale_at.append(hold_until)
    lottery_status = Lottery.objects.filter(facility=facility, month=days[0]).values_list("status", flat=True).first()
    lottery_open = lottery_status == Lottery.Status.OPEN
    lottery_drawn = lottery_status == Lottery.Status.DRAWN
    next_start = None
    out = []
    for day in days:
        reason = closed_reason(facility, day, unit, periods, hours)
        frames = []
        if reason is None:
            for f in frames_for(unit, day, hours, defs):
                begins = dt.datetime.combine(day, f.start)
                past = begins <= naive_now
                if not past and (next_start is None or begins < next_start):
                    next_start = begins
                if (day, f.start) in taken:
                    state = "taken"
                elif lottery_open:
                    state = "lottery"
                elif past:
                    state = "past"
                elif window_problem(facility, day, f.start, now, lottery_drawn):
                    state = "window"
                else:
                    state = "free"
                frames.append({"frame": f, "state": state})
        out.append(
            {"date": day, "weekday": WEEKDAYS[day.weekday()], "closed": reason, "frames": frames, "free": sum(1 for f in frames if f["state"] == "free")}
        )
    if next_start is not None:
        stale_at.append(timezone.make_aware(next_start))
    return out, min(stale_at)


def search(municipality, *, purpose: str = "", area: str = "", kind: str = "", day: dt.date | None = None, frame_start: dt.time | None = None, now=None):
    """Units matching purpose/area/kind, with their free frames on ``day`` (if given). A fixed
    number of queries whatever the number of units: calendars and the day's bookings are read
    in bulk."""
    qs = Unit.objects.filter(is_active=True, facility__is_public=True, facility__municipality=municipality).select_related("facility")
    if purpose:
        qs = qs.filter(Q(facility__purposes__icontains=purpose) | Q(facility__name__icontains=purpose) | Q(name__icontains=purpose))
    if area:
        qs = qs.filter(facility__area=area)
    if kind:
        qs = qs.filter(facility__kind=kind)
    units = list(qs[:200])
    if day is None:
        return [{"unit": u, "free": None} for u in units]
    now = _now(now)
    facility_ids = {u.facility_id for u in units}
    hours: dict[int, dict] = {f: {} for f in facility_ids}
    for h in OpeningHours.objects.filter(facility__in=facility_ids, weekday=day.weekday()):
        hours[h.facility_id][h.weekday] = h
    periods: dict[int, list] = {f: [] for f in facility_ids}
    for p in ClosedPeriod.objects.filter(facility__in=facility_ids, start__lte=day, end__gte=day):
        periods[p.facility_id].append(p)
    defs: dict[int, list] = {f: [] for f in facility_ids}
    for d in FrameDefinition.objects.filter(facility__in=facility_ids):
        defs[d.facility_id].append(d)
    lotteries = dict(Lottery.objects.filter(facility__in=facility_ids, month=day.replace(day=1)).values_list("facility_id", "status"))
    taken = set(
        Booking.objects.filter(unit__in=units, date=day, status__in=ACTIVE_BOOKING_STATUSES)
        .exclude(status=Booking.Status.HELD, hold_until__lte=now)
        .values_list("unit_id", "start")
    )
    results = []
    for unit in units:
        f = unit.facility
        if lotteries.get(f.pk) == Lottery.Status.OPEN or closed_reason(f, day, unit, periods[f.pk], hours[f.pk]):
            continue
        drawn = lotteries.get(f.pk) == Lottery.Status.DRAWN
        free = [
            fr
            for fr in frames_for(unit, day, hours[f.pk], defs[f.pk])
            if (unit.pk, fr.start) not in taken and (frame_start is None or fr.start == frame_start) and window_problem(f, day, fr.start, now, drawn) is None
        ]
        if free:
            results.append({"unit": unit, "free": free})
    return results
