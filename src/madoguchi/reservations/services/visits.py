"""Counter visits (来庁予約), consultations (相談予約) and queue tickets (整理券)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from madoguchi.core import calendar as office_calendar

from ..models import (
    WEEKDAYS,
    Counter,
    CounterHours,
    CounterSlot,
    QueueDay,
    QueueTicket,
    Visit,
)
from . import emails
from .common import BookingError, _fmt_date, _now


def set_meeting_url(visit: Visit, url: str) -> Visit:
    """Staff set the online meeting URL of a consultation; the resident is told by email."""
    with transaction.atomic():
        visit.meeting_url = url
        visit.save(update_fields=["meeting_url"])
        emails.meeting_url(visit, url)
    return visit


def counter_week(counter: Counter) -> dict[int, tuple[dt.time, dt.time]]:
    """受付時間 per weekday (0 = 月): the counter's weekday rows, or ``opens``–``closes`` on
    every weekday when it has none."""
    rows = {h.weekday: (h.opens, h.closes) for h in CounterHours.objects.filter(counter=counter)}
    return rows or {wd: (counter.opens, counter.closes) for wd in range(7)}


def counter_hours(counter: Counter) -> tuple[list[dict], str]:
    """受付時間 as residents read it, consistent with the office calendar: the weekdays the office
    opens (月〜金) each with its hours or None (受付なし), and the closed days in words
    (「土日・祝日・年末年始」). Saturdays and Sundays are closed days (core.calendar), so they are
    never listed with hours even when the counter's default hours cover every weekday."""
    week = counter_week(counter)
    rows = [{"weekday": WEEKDAYS[i], "hours": week.get(i)} for i in range(5)]
    closed = "土日・祝日" + ("・年末年始" if counter.municipality.closes_year_end else "")
    return rows, closed


def counter_closed_reason(counter: Counter, day: dt.date, week=None, office=None) -> str | None:
    """Why ``counter`` takes no bookings on ``day`` (閉庁日 or a weekday without 受付時間)."""
    reason = office_calendar.closed_reason(day, office or counter.municipality)
    if reason:
        return reason
    week = week if week is not None else counter_week(counter)
    if day.weekday() not in week:
        return f"{WEEKDAYS[day.weekday()]}曜日は受付なし"
    return None


def slot_times(counter: Counter, day: dt.date | None = None, week=None) -> list[tuple[dt.time, dt.time]]:
    """The slots of ``counter`` on ``day``'s weekday (none on a weekday without 受付時間)."""
    week = week if week is not None else counter_week(counter)
    hours = week.get(day.weekday()) if day is not None else (counter.opens, counter.closes)
    if hours is None:
        return []
    out = []
    t = dt.datetime.combine(dt.date.min, hours[0])
    close = dt.datetime.combine(dt.date.min, hours[1])
    step = dt.timedelta(minutes=counter.slot_minutes)
    while t + step <= close:
        out.append((t.time(), (t + step).time()))
        t += step
    return out


def counter_day(counter: Counter, day: dt.date, now=None) -> dict:
    """Slots of ``day`` with remaining places (for the booking page)."""
    now = timezone.localtime(_now(now))
    week = counter_week(counter)
    reason = counter_closed_reason(counter, day, week)
    if reason:
        return {"date": day, "closed": reason, "slots": []}
    existing = {s.start: s for s in CounterSlot.objects.filter(counter=counter, date=day)}
    slots = []
    for start, end in slot_times(counter, day, week):
        s = existing.get(start)
        remaining = s.remaining if s else counter.capacity
        past = dt.datetime.combine(day, start) <= now.replace(tzinfo=None)
        slots.append({"start": start, "end": end, "remaining": 0 if past else remaining, "past": past})
    return {"date": day, "closed": None, "slots": slots}


ONLINE_URL_PENDING = "オンライン（会議のURLは決まりしだい担当課からメールでお送りし、わたしの予約にも表示します）"


class _OfficeDays:
    """The municipality's special days read once, for ``office_calendar.closed_reason`` over
    many days (it reads them on every call otherwise)."""

    def __init__(self, municipality):
        self.closes_year_end = municipality.closes_year_end
        self._open = municipality.extra_open_days()
        self._closed = municipality.extra_closed_days()

    def extra_open_days(self):
        return self._open

    def extra_closed_days(self):
        return self._closed


def counter_dates(counter: Counter, now=None) -> list[dict]:
    """Every date a resident may book at ``counter``: today to ``booking_window_days`` ahead,
    each with ``closed`` (the reason, e.g. 土曜日・祝日) when the office is shut that day."""
    today = timezone.localtime(_now(now)).date()
    office = _OfficeDays(counter.municipality)
    week = counter_week(counter)
    days = [today + dt.timedelta(days=i) for i in range(counter.booking_window_days + 1)]
    return [{"date": d, "weekday": WEEKDAYS[d.weekday()], "closed": counter_closed_reason(counter, d, week, office)} for d in days]


def book_visit(
    user, counter: Counter, day: dt.date, start: dt.time, *, mode: str = Visit.Mode.IN_PERSON, procedure: str = "", now=None, confirm: bool = True
) -> Visit:
    """Book one slot. ``confirm=False``: no confirmation email of its own (a caller booking several
    visits as one, the guide's まとめて来庁, sends one itinerary for all of them)."""
    now = timezone.localtime(_now(now))
    week = counter_week(counter)
    reason = office_calendar.closed_reason(day, counter.municipality)
    if reason:
        raise BookingError("closed", f"{_fmt_date(day)}は閉庁日です（{reason}）。別の日を選んでください。")
    if day.weekday() not in week:
        raise BookingError("closed", f"{_fmt_date(day)}は受付のない曜日です（{WEEKDAYS[day.weekday()]}曜日は受付なし）。別の日を選んでください。")
    times = dict(slot_times(counter, day, week))
    if start not in times:
        opens, closes = week[day.weekday()]
        raise BookingError("hours", f"{start:%H:%M} は受付時間（{opens:%H:%M}〜{closes:%H:%M}）の予約枠ではありません。表示されている時間から選んでください。")
    if dt.datetime.combine(day, start) <= now.replace(tzinfo=None):
        raise BookingError("past", "過去の時間は予約できません。これからの日時を選んでください。")
    if day > now.date() + dt.timedelta(days=counter.booking_window_days):
        raise BookingError("window", f"予約の受付期間外です。{counter.booking_window_days}日先まで予約できます。")
    if mode == Visit.Mode.ONLINE and not counter.allows_online:
        raise BookingError("mode", "この窓口はオンライン相談を受け付けていません。来庁を選んでください。")
    with transaction.atomic():
        # One visit per counter per day (per resident), checked under locks so two submits at
        # once cannot both pass: the resident's user row serialises their own bookings (two
        # different slots of the same day lock different slot rows), and the slot row is
        # locked before its count changes. Lock order is always user → slot.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        try:
            with transaction.atomic():
                CounterSlot.objects.get_or_create(counter=counter, date=day, start=start, defaults={"end": times[start], "capacity": counter.capacity})
        except IntegrityError:  # another process created it first
            pass
        slot = CounterSlot.objects.select_for_update().get(counter=counter, date=day, start=start)
        if Visit.objects.filter(user=user, slot__counter=counter, slot__date=day, status=Visit.Status.BOOKED).exists():
            raise BookingError("limit_day", "同じ窓口の予約は1日1件までです。予約を変更するには、先に今の予約を取り消してください。")
        # The capacity rule in one conditional UPDATE: it succeeds only while a place is left.
        if not CounterSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1):
            raise BookingError("full", f"{_fmt_date(day)} {start:%H:%M} の枠は満員です。別の時間を選んでください。")
        visit = Visit.objects.create(
            slot=slot, user=user, mode=mode, procedure=procedure[:200], meeting_url=counter.meeting_url if mode == Visit.Mode.ONLINE else ""
        )
        if confirm:
            emails.visit_confirmed(visit)
    return visit


def qr_png(code: str) -> bytes:
    return qr_png_for(f"MADOGUCHI-VISIT:{code}")


def qr_png_for(data: str) -> bytes:
    import io

    import segno

    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=6, border=4)
    return buf.getvalue()


def qr_attachment(visit_id: int):
    visit = Visit.objects.get(pk=visit_id)
    return (f"visit-{visit.code}.png", qr_png(visit.code), "image/png")


def cancel_visit(visit: Visit, user, now=None) -> Visit:
    now = _now(now)
    with transaction.atomic():
        v = Visit.objects.select_for_update().select_related("slot").get(pk=visit.pk)
        if v.user_id != user.pk:
            raise BookingError("owner", "ご自分の予約だけ取り消せます。")
        if v.status != Visit.Status.BOOKED:
            raise BookingError("status", f"この予約は「{v.get_status_display()}」のため取り消せません。")
        if v.starts_at <= now:
            raise BookingError(
                "past",
                f"予約の時刻（{_fmt_date(v.slot.date)} {v.slot.start:%H:%M}）を過ぎたため、取り消せません。ご用件は窓口にお問い合わせください。",
            )
        v.status = Visit.Status.CANCELLED
        v.cancelled_at = now
        v.save()
        CounterSlot.objects.filter(pk=v.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    return v


def mark_no_show(visit: Visit, now=None) -> Visit:
    """Staff record that a booked visitor did not come (来庁なし). Only once the slot has
    started, and only for a visit still 予約済み; the slot's count stays (the time has passed)."""
    now = _now(now)
    with transaction.atomic():
        v = Visit.objects.select_for_update().select_related("slot").get(pk=visit.pk)
        if v.status != Visit.Status.BOOKED:
            raise BookingError("status", f"予約番号 {v.code} は「{v.get_status_display()}」のため、来庁なしにできません。")
        if v.starts_at > now:
            raise BookingError("not_started", f"予約番号 {v.code} の予約時刻（{v.slot.start:%H:%M}）はまだです。時刻を過ぎてから来庁なしにしてください。")
        v.status = Visit.Status.NO_SHOW
        v.save(update_fields=["status"])
    return v


def normalise_code(code: str) -> str:
    code = (code or "").strip().upper()
    if code.startswith("MADOGUCHI-VISIT:"):
        code = code.split(":", 1)[1]
    return code.replace("-", "").replace(" ", "")


def check_in(counter: Counter, code: str, now=None) -> Visit:
    """Check a visitor in by QR/typed code and put them in the day's queue at their time."""
    now = _now(now)
    code = normalise_code(code)
    with transaction.atomic():
        v = Visit.objects.select_for_update().select_related("slot").filter(code=code, slot__counter=counter).first()
        if v is None:
            raise BookingError("code", f"予約番号「{code}」はこの窓口の予約に見つかりません。番号を確かめてください。")
        if v.slot.date != timezone.localtime(now).date():
            raise BookingError("date", f"この予約の日付は{_fmt_date(v.slot.date)}です。")
        if v.status != Visit.Status.BOOKED:
            raise BookingError("status", f"この予約は「{v.get_status_display()}」です。")
        v.status = Visit.Status.CHECKED_IN
        v.checked_in_at = now
        v.save()
        # A booked visitor's ticket carries their slot time: from then on ``call_next`` serves
        # them before walk-ins, however early or late they checked in.
        issue_ticket(counter, visit=v, due_at=v.starts_at, now=now)
    return v


def issue_ticket(counter: Counter, *, visit: Visit | None = None, due_at=None, now=None) -> QueueTicket:
    now = _now(now)
    day = timezone.localtime(now).date()
    with transaction.atomic():
        try:
            with transaction.atomic():
                QueueDay.objects.get_or_create(counter=counter, date=day)
        except IntegrityError:
            pass
        qd = QueueDay.objects.select_for_update().get(counter=counter, date=day)
        qd.last_number = F("last_number") + 1
        qd.save(update_fields=["last_number"])
        qd.refresh_from_db(fields=["last_number"])
        return QueueTicket.objects.create(counter=counter, date=day, number=qd.last_number, visit=visit, due_at=due_at or now)


def waiting(counter: Counter, day: dt.date):
    return QueueTicket.objects.filter(counter=counter, date=day, status=QueueTicket.Status.WAITING).order_by("due_at", "number")


def call_next(counter: Counter, window: str = "1", now=None) -> QueueTicket | None:
    """Call the next ticket. The rule (順番の決まり): booked visitors who have checked in and
    whose slot time has come are served first, in slot order (then ticket number); after them
    walk-ins (当日の整理券) in the order their numbers were issued. A booked visitor who
    checked in early waits until their slot time, so walk-ins are served meanwhile."""
    now = _now(now)
    day = timezone.localtime(now).date()
    with transaction.atomic():
        QueueTicket.objects.filter(counter=counter, date=day, status=QueueTicket.Status.CALLED, window=window).update(status=QueueTicket.Status.DONE)
        due = waiting(counter, day).filter(due_at__lte=now).select_for_update(skip_locked=True)
        ticket = due.filter(visit__isnull=False).order_by("due_at", "number").first() or due.filter(visit__isnull=True).order_by("number").first()
        if ticket is None:
            return None
        ticket.status = QueueTicket.Status.CALLED
        ticket.called_at = now
        ticket.window = window[:10]
        ticket.save()
    return ticket


def queue_state(counter: Counter, now=None) -> dict:
    now = _now(now)
    day = timezone.localtime(now).date()
    called = list(QueueTicket.objects.filter(counter=counter, date=day, status=QueueTicket.Status.CALLED).order_by("-called_at")[:6])
    return {"counter": counter, "called": called, "waiting": waiting(counter, day).count()}


def ticket_position(ticket: QueueTicket, now=None) -> dict:
    """How many are ahead of ``ticket`` under ``call_next``'s rule (an estimate: a booked
    visitor whose slot time comes later joins ahead of walk-ins then)."""
    if ticket.status != QueueTicket.Status.WAITING:
        return {"ahead": 0, "wait_minutes": 0}
    now = _now(now)
    others = waiting(ticket.counter, ticket.date).exclude(pk=ticket.pk)
    booked_due = Q(visit__isnull=False, due_at__lte=now)
    if ticket.visit_id is None:
        ahead = others.filter(booked_due | Q(visit__isnull=True, number__lt=ticket.number)).count()
    else:
        earlier_booked = Q(visit__isnull=False) & (Q(due_at__lt=ticket.due_at) | Q(due_at=ticket.due_at, number__lt=ticket.number))
        if ticket.due_at <= now:
            ahead = others.filter(earlier_booked).count()
        else:  # until the slot time, the walk-ins already waiting are served first
            ahead = others.filter(earlier_booked | Q(visit__isnull=True)).count()
    return {"ahead": ahead, "wait_minutes": ahead * ticket.counter.service_minutes}


def send_reminders(now=None) -> int:
    """The day-before reminder (前日のお知らせ) for consultations and visits."""
    now = timezone.localtime(_now(now))
    tomorrow = now.date() + dt.timedelta(days=1)
    sent = 0
    for v in Visit.objects.filter(status=Visit.Status.BOOKED, slot__date=tomorrow, reminded_at__isnull=True).select_related("slot__counter", "user"):
        with transaction.atomic():
            emails.visit_reminder(v)
            Visit.objects.filter(pk=v.pk).update(reminded_at=now)
        sent += 1
    return sent
