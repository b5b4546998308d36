"""Rules of reservations. Views and API handlers stay thin and call these.

Every refusal raises ``BookingError`` with a Japanese message that names the rule.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from madoguchi.core import calendar as office_calendar
from madoguchi.core.notify import email
from madoguchi.core.tasks import enqueue

from . import conf, queries
from . import lottery as lottery_mod
from .models import (
    ACTIVE_BOOKING_STATUSES,
    WEEKDAYS,
    Booking,
    ClosedPeriod,
    Counter,
    CounterHours,
    CounterSlot,
    ExemptionRule,
    Facility,
    Fee,
    FrameDefinition,
    Group,
    Lottery,
    LotteryApplication,
    LotteryWish,
    OpeningHours,
    QueueDay,
    QueueTicket,
    Registration,
    Unit,
    UserCategory,
    Visit,
    frame_key,
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


# --- calendar ------------------------------------------------------------------------------
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
    lottery. One query for bookings, so it stays fast."""
    facility = unit.facility
    now = _now(now)
    periods = list(facility.closed_periods.all())
    hours = {h.weekday: h for h in facility.opening_hours.all()}
    defs = list(facility.frames.all())
    days = month_days(year, month)
    taken = set(
        Booking.objects.filter(unit=unit, date__gte=days[0], date__lte=days[-1], status__in=ACTIVE_BOOKING_STATUSES)
        .exclude(status=Booking.Status.HELD, hold_until__lte=now)
        .values_list("date", "start")
    )
    lottery_status = Lottery.objects.filter(facility=facility, month=days[0]).values_list("status", flat=True).first()
    lottery_open = lottery_status == Lottery.Status.OPEN
    lottery_drawn = lottery_status == Lottery.Status.DRAWN
    out = []
    for day in days:
        reason = closed_reason(facility, day, unit, periods, hours)
        frames = []
        if reason is None:
            for f in frames_for(unit, day, hours, defs):
                if (day, f.start) in taken:
                    state = "taken"
                elif lottery_open:
                    state = "lottery"
                elif window_problem(facility, day, f.start, now, lottery_drawn):
                    state = "past" if dt.datetime.combine(day, f.start) <= timezone.localtime(now).replace(tzinfo=None) else "window"
                else:
                    state = "free"
                frames.append({"frame": f, "state": state})
        out.append(
            {"date": day, "weekday": WEEKDAYS[day.weekday()], "closed": reason, "frames": frames, "free": sum(1 for f in frames if f["state"] == "free")}
        )
    return out


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


# --- fees and categories -------------------------------------------------------------------
def category_for(user, group: Group | None = None) -> str:
    if group is not None:
        if group.owner_id != user.pk:
            raise BookingError("group", "この団体で予約できるのは団体の登録者だけです。")
        if group.status != Group.Status.VERIFIED:
            raise BookingError("group", "団体登録が職員の確認前です。確認が済むまで団体として予約できません。")
        return UserCategory.RESIDENT_GROUP if group.resident_share >= 50 else UserCategory.NON_RESIDENT
    reg = Registration.objects.filter(user=user).first()
    if reg is None:
        raise BookingError("registration", "施設を予約するには、先に利用者登録をしてください。")
    return UserCategory.RESIDENT if reg.is_resident else UserCategory.NON_RESIDENT


def fee_for(unit: Unit, category: str, start: dt.time, end: dt.time) -> int:
    return _fee_amount(unit, Fee.objects.filter(unit=unit, category=category).first(), start, end)


def _fee_amount(unit: Unit, fee: Fee | None, start: dt.time, end: dt.time) -> int:
    if fee is None:
        return 0
    if unit.frame_mode == Unit.FrameMode.HOURLY:
        return round(fee.amount * Frame(start, end, "").hours)
    return fee.amount


# --- first-come booking --------------------------------------------------------------------
def _find_frame(unit: Unit, day: dt.date, start: dt.time) -> Frame:
    for f in frames_for(unit, day):
        if f.start == start:
            return f
    raise BookingError("hours", f"{_fmt_date(day)} {start:%H:%M} は開館時間内の時間枠ではありません。表示されている時間枠から選んでください。")


def _taken(day: dt.date, frame: Frame) -> BookingError:
    return BookingError("taken", f"{_fmt_date(day)} {frame.label} はすでに予約されています。別の時間枠を選んでください。")


_UNREAD = object()


def hold(
    user,
    unit: Unit,
    day: dt.date,
    start: dt.time,
    *,
    group: Group | None = None,
    now=None,
    confirm: bool = False,
    purpose: str = "",
    attendees=None,
    day_info=_UNREAD,
) -> Booking:
    """Hold (仮押さえ) a frame for ``conf.hold_minutes()``; with ``confirm`` book it at once.
    The database refuses a second active booking of the same frame. ``day_info`` is the day
    ``queries.unit_day`` read with the unit, when the caller has it (the API)."""
    now = _now(now)
    facility = unit.facility
    if not unit.is_active or not facility.is_public:
        raise BookingError("unit", "この部屋・コートは現在予約を受け付けていません。")
    # One round trip reads the day's opening hours with the closure, the month's lottery and
    # the unit's fees alongside (the opening rush pays for every round trip; see queries.py).
    info = queries.unit_day(unit.pk, day, start, now)[1] if day_info is _UNREAD else day_info
    if info is None:
        reason = closed_reason(facility, day, unit)
    else:
        hours, closure, lottery_status, fees, taken = info
        reason = closure or closed_reason(facility, day, unit, [], {hours.weekday: hours})
    if reason:
        raise BookingError("closed", f"{_fmt_date(day)}は休館日です（{reason}）。別の日を選んでください。")
    defs = list(facility.frames.all()) if unit.frame_mode == Unit.FrameMode.FIXED else []
    frame = next((f for f in frames_for(unit, day, {hours.weekday: hours}, defs) if f.start == start), None)
    if frame is None:
        raise BookingError("hours", f"{_fmt_date(day)} {start:%H:%M} は開館時間内の時間枠ではありません。表示されている時間枠から選んでください。")
    problem = window_problem(facility, day, start, now, lottery_status == Lottery.Status.DRAWN)
    if problem:
        raise problem
    if lottery_status == Lottery.Status.OPEN:
        raise BookingError(
            "lottery", f"{day.year}年{day.month}月は抽選の対象です。抽選の申込期間に申し込んでください（抽選後の空き枠は先着順で予約できます）。"
        )
    if taken:
        raise _taken(day, frame)
    if group is not None:
        category_for(user, group)  # refuses an unverified group before any lock is taken
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                # Locking the user's registration (利用者登録, one row per user) serialises one
                # user's bookings, so the per-user limits hold under concurrency.
                is_resident = queries.lock_registration(user.pk)
                if is_resident is None:
                    raise BookingError("registration", "施設を予約するには、先に利用者登録をしてください。")
                if group is not None:
                    category = category_for(user, group)
                else:
                    category = UserCategory.RESIDENT if is_resident else UserCategory.NON_RESIDENT
                month_start = day.replace(day=1)
                month_end = month_start.replace(day=pycalendar.monthrange(day.year, day.month)[1])
                month_count, day_count = queries.active_counts(user.pk, facility.pk, day, month_start, month_end, now)
                if day_count >= facility.max_frames_per_day:
                    raise BookingError("limit_day", f"1日に予約できるのは{facility.max_frames_per_day}枠までです（{_fmt_date(day)}は上限に達しています）。")
                if month_count >= facility.max_bookings_per_month:
                    raise BookingError(
                        "limit_month", f"1か月に予約できるのは{facility.max_bookings_per_month}件までです（{day.month}月は上限に達しています）。"
                    )
                amount = fees[category]
                fee = _fee_amount(unit, None if amount is None else Fee(amount=amount), frame.start, frame.end)
                booking = Booking.objects.create(
                    unit=unit,
                    date=day,
                    start=frame.start,
                    end=frame.end,
                    user=user,
                    group=group,
                    category=category,
                    base_fee=fee,
                    fee=fee,
                    payment=Booking.Payment.AT_COUNTER if fee else Booking.Payment.NOT_REQUIRED,
                    status=Booking.Status.CONFIRMED if confirm else Booking.Status.HELD,
                    hold_until=None if confirm else now + dt.timedelta(minutes=conf.hold_minutes()),
                    confirmed_at=now if confirm else None,
                    purpose=purpose,
                    attendees=attendees,
                )
                if confirm:
                    _send_confirmation(booking)
        except IntegrityError:
            # Abandoned holds free themselves: a hold past its time is flipped to expired
            # (the periodic task does the same every minute) and the insert tried once more.
            stale = Booking.objects.filter(unit=unit, date=day, start=frame.start, status=Booking.Status.HELD, hold_until__lte=now)
            if attempt == 1 and stale.update(status=Booking.Status.EXPIRED):
                continue
            raise _taken(day, frame) from None
        break
    return booking


def hold_expired_error() -> BookingError:
    return BookingError(
        "hold_expired",
        f"仮押さえの期限（{conf.hold_minutes()}分）が過ぎたため、この時間枠は確保されていません。カレンダーからもう一度時間枠を選んでください。",
    )


def confirm_problem(booking: Booking, now=None) -> BookingError | None:
    """Why ``booking`` can no longer be confirmed (本予約), or None. A hold past its time is
    expired whether or not the periodic ``expire_holds`` has flipped its status yet."""
    now = _now(now)
    if booking.status == Booking.Status.HELD:
        if booking.hold_until is None or booking.hold_until <= now:
            return hold_expired_error()
    elif booking.status == Booking.Status.EXPIRED:
        return hold_expired_error()
    elif booking.status == Booking.Status.WON:
        if booking.confirm_deadline and booking.confirm_deadline <= now:
            return BookingError("confirm_deadline", "本予約の期限が過ぎたため、当選した枠は取り消されました。")
    else:
        return BookingError("status", f"この予約は「{booking.get_status_display()}」のため確定できません。")
    return None


def confirm(
    booking: Booking,
    *,
    purpose: str = "",
    attendees: int | None = None,
    exemption_reason: str = "",
    exemption_rule: ExemptionRule | None = None,
    group: Group | None = None,
    now=None,
) -> Booking:
    """Turn a hold into a booking (本予約), or confirm a lottery win. A 減免 request (a rule
    and/or a reason) waits for staff; until approved the full fee stands."""
    now = _now(now)
    with transaction.atomic():
        b = Booking.objects.select_for_update().get(pk=booking.pk)
        problem = confirm_problem(b, now)
        if problem:
            raise problem
        if attendees is not None and b.unit.capacity and attendees > b.unit.capacity:
            raise BookingError("capacity", f"利用人数が定員（{b.unit.capacity}人）を超えています。{b.unit.capacity}人以下にしてください。")
        if group is not None:
            b.group = group
            b.category = category_for(b.user, group)
            b.base_fee = b.fee = fee_for(b.unit, b.category, b.start, b.end)
        b.status = Booking.Status.CONFIRMED
        b.hold_until = None
        b.confirmed_at = now
        b.purpose = purpose or b.purpose
        b.attendees = attendees if attendees is not None else b.attendees
        if exemption_rule is not None or exemption_reason:
            b.exemption = Booking.Exemption.REQUESTED
            b.exemption_rule = exemption_rule
            b.exemption_reason = exemption_reason
        b.save()
        _send_confirmation(b)
    return b


def book(user, unit: Unit, day: dt.date, start: dt.time, **kwargs) -> Booking:
    """Hold and confirm in one step (API)."""
    return hold(user, unit, day, start, confirm=True, **kwargs)


def cancellation_fee(booking: Booking, now=None) -> int:
    today = timezone.localtime(_now(now)).date()
    deadline = booking.date - dt.timedelta(days=booking.unit.facility.cancel_deadline_days)
    if booking.status != Booking.Status.CONFIRMED or today <= deadline:
        return 0
    return booking.fee * booking.unit.facility.cancel_fee_percent // 100


def refund_amount(booking: Booking, fee: int) -> int:
    """返金額 when ``booking`` is cancelled with 取消料 ``fee``: 支払い済みの使用料 − 取消料
    (0 when the fee was not paid)."""
    if booking.payment != Booking.Payment.PAID:
        return 0
    return max(booking.fee - fee, 0)


def cancel(booking: Booking, user, now=None, by_staff: bool = False, reason: str = "") -> Booking:
    now = _now(now)
    with transaction.atomic():
        b = Booking.objects.select_for_update().select_related("unit__facility").get(pk=booking.pk)
        if not by_staff and b.user_id != user.pk:
            raise BookingError("owner", "ご自分の予約だけ取り消せます。")
        if b.status not in ACTIVE_BOOKING_STATUSES:
            raise BookingError("status", f"この予約は「{b.get_status_display()}」のため取り消せません。")
        if b.starts_at <= now:
            raise BookingError("past", "利用開始時刻を過ぎた予約は取り消せません。施設にお問い合わせください。")
        b.cancellation_fee = 0 if by_staff else cancellation_fee(b, now)
        paid = b.payment == Booking.Payment.PAID
        if paid:
            # The 取消料 is withheld from the fee already paid; the rest is owed back (返金額).
            b.refund_amount = refund_amount(b, b.cancellation_fee)
            if b.cancellation_fee:
                b.cancellation_fee_paid_at = now
        b.status = Booking.Status.CANCELLED
        b.cancelled_at = now
        b.save()
        body = f"{b.user.full_name if hasattr(b.user, 'full_name') else ''} 様\n\n次の予約を取り消しました。{('（' + reason + '）') if reason else ''}\n予約番号: {b.code}\n{b.unit}\n{_fmt_date(b.date)} {b.start:%H:%M}〜{b.end:%H:%M}\n"
        if b.cancellation_fee and paid:
            body += f"取消料: {b.cancellation_fee:,}円（取消期限を過ぎたため。お支払い済みの使用料から差し引きます）\n"
        elif b.cancellation_fee:
            body += f"取消料: {b.cancellation_fee:,}円（取消期限を過ぎたため。施設の窓口でお支払いください）\n"
        if b.refund_amount:
            body += (
                f"返金額: {b.refund_amount:,}円（お支払い済みの使用料{b.fee:,}円"
                + (f"から取消料{b.cancellation_fee:,}円を差し引いた額" if b.cancellation_fee else "の全額")
                + "。施設の窓口でお受け取りください）\n"
            )
        email(b.user.email, f"【予約取消】{b.unit}", body, dedupe_key=f"booking-cancel:{b.pk}")
    return b


def bookings_in_period(period: ClosedPeriod):
    """Active bookings that a new closed period (休館期間) overlaps."""
    qs = Booking.objects.filter(unit__facility=period.facility_id, date__gte=period.start, date__lte=period.end, status__in=ACTIVE_BOOKING_STATUSES)
    if period.unit_id:
        qs = qs.filter(unit=period.unit_id)
    return qs.select_related("unit__facility", "user")


def close_period(period: ClosedPeriod, staff_user, *, cancel_bookings: bool, now=None) -> tuple[int, int]:
    """Save a closed period entered by staff; with ``cancel_bookings`` the overlapping bookings
    are cancelled without fee and their users told. Returns (overlapping, cancelled)."""
    now = _now(now)
    period.save()
    overlapping = list(bookings_in_period(period))
    cancelled = 0
    if cancel_bookings:
        for b in overlapping:
            if b.starts_at > now:
                cancel(b, staff_user, now=now, by_staff=True, reason=f"施設の都合による休館: {period.reason}")
                cancelled += 1
    return len(overlapping), cancelled


def expire_holds(now=None) -> int:
    return Booking.objects.filter(status=Booking.Status.HELD, hold_until__lte=_now(now)).update(status=Booking.Status.EXPIRED)


def decide_exemption(booking: Booking, approve: bool, percent: int | None = None, note: str = "", now=None) -> Booking:
    """減免 decided by staff: an approved exemption lowers the fee (by the rule's rate unless
    staff give another), and the resident is told by email. A lottery win's 支払期限 that passed
    or nears while staff decided moves to PAY_GRACE after the decision."""
    now = _now(now)
    if booking.exemption != Booking.Exemption.REQUESTED:
        raise BookingError("exemption", "減免の申請がない予約です。")
    if percent is None:
        percent = booking.exemption_rule.percent if booking.exemption_rule_id else 100
    if not 0 < percent <= 100:
        raise BookingError("exemption", "減免率は1〜100の整数で入力してください。")
    booking.exemption = Booking.Exemption.APPROVED if approve else Booking.Exemption.REJECTED
    if approve:
        booking.exemption_percent = percent
        booking.fee = booking.base_fee * (100 - percent) // 100
        if booking.fee == 0:
            booking.payment = Booking.Payment.NOT_REQUIRED
    if booking.pay_deadline and booking.payment == Booking.Payment.AT_COUNTER:
        booking.pay_deadline = max(booking.pay_deadline, min(now + PAY_GRACE, _day_start(booking.date)))
    with transaction.atomic():
        booking.save()
        result = (
            f"承認しました（{booking.exemption_percent}％減免）。使用料は{booking.fee:,}円です。"
            if approve
            else "承認できませんでした。使用料は減免前の金額です。"
        )
        if booking.pay_deadline and booking.payment == Booking.Payment.AT_COUNTER:
            result += f"\n{timezone.localtime(booking.pay_deadline):%Y年%m月%d日 %H:%M}までに施設の窓口でお支払いください。"
        email(
            booking.user.email,
            f"【減免の審査結果】{booking.unit}",
            f"予約番号: {booking.code}\n{_fmt_date(booking.date)} {booking.start:%H:%M}〜{booking.end:%H:%M}\n減免の申請を{result}\n"
            + (f"{note}\n" if note else ""),
            dedupe_key=f"booking-exemption:{booking.pk}",
        )
    return booking


def mark_paid(booking: Booking) -> Booking:
    """使用料の受領 at the counter (until the payments capability exists)."""
    with transaction.atomic():
        b = Booking.objects.select_for_update().get(pk=booking.pk)
        if b.status not in (Booking.Status.CONFIRMED, Booking.Status.WON) or b.payment != Booking.Payment.AT_COUNTER:
            raise BookingError("payment", f"この予約は「{b.get_status_display()}・{b.get_payment_display()}」のため受領できません。")
        b.payment = Booking.Payment.PAID
        b.save(update_fields=["payment"])
    return b


def mark_cancellation_fee_paid(booking: Booking, now=None) -> bool:
    """取消料の収納 at the counter (until the payments capability exists): True when recorded
    now, False when it already was (two clicks record it once)."""
    return _record_once(
        booking, "cancellation_fee", "cancellation_fee_paid_at", now,
        BookingError("cancellation_fee", "取消料のかからない予約です（取消料は取消期限を過ぎて取り消した予約にだけかかります）。"),
    )  # fmt: skip


def mark_refunded(booking: Booking, now=None) -> bool:
    """返金済み: staff record that the 返金額 of a cancelled, already paid booking was handed
    back: True when recorded now, False when it already was."""
    return _record_once(
        booking, "refund_amount", "refunded_at", now,
        BookingError("refund", "返金のない予約です（返金は使用料を支払い済みの予約を取り消したときだけ発生します）。"),
    )  # fmt: skip


def _record_once(booking: Booking, amount: str, stamp: str, now, refusal: BookingError) -> bool:
    """Stamp ``stamp`` on a cancelled booking that owes ``amount``, by a conditional UPDATE."""
    now = _now(now)
    due = Q(status=Booking.Status.CANCELLED, **{f"{amount}__gt": 0, f"{stamp}__isnull": True})
    if Booking.objects.filter(due, pk=booking.pk).update(**{stamp: now}):
        setattr(booking, stamp, now)
        return True
    b = Booking.objects.only("status", amount, stamp).get(pk=booking.pk)
    if b.status != Booking.Status.CANCELLED or not getattr(b, amount):
        raise refusal
    setattr(booking, stamp, getattr(b, stamp))
    return False


def set_meeting_url(visit: Visit, url: str) -> Visit:
    """Staff set the online meeting URL of a consultation; the resident is told by email."""
    with transaction.atomic():
        visit.meeting_url = url
        visit.save(update_fields=["meeting_url"])
        c = visit.slot.counter
        email(
            visit.user.email,
            f"【オンライン相談】{c.name} {visit.slot.date:%m/%d} {visit.slot.start:%H:%M}",
            f"{_fmt_date(visit.slot.date)} {visit.slot.start:%H:%M}〜 の{c.name}は、次のURLからご参加ください。\n{url}\n予約番号: {visit.code}\n",
            dedupe_key=f"visit-meeting:{visit.pk}:{url}"[:200],
        )
    return visit


def booking_ics(booking: Booking) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Madoguchi//reservations//JA")
    cal.add("version", "2.0")
    ev = Event()
    ev.add("uid", f"booking-{booking.code}@madoguchi")
    ev.add("summary", f"{booking.unit}")
    ev.add("dtstart", booking.starts_at)
    ev.add("dtend", booking.ends_at)
    ev.add("dtstamp", timezone.now())
    ev.add("location", booking.unit.facility.address or booking.unit.facility.name)
    ev.add("description", f"予約番号 {booking.code}")
    cal.add_component(ev)
    # DTSTART;TZID=Asia/Tokyo needs a matching VTIMEZONE (RFC 5545 3.2.19). Built from the zone
    # data it costs ~11 ms of CPU, which every booking email paid: build it once per process.
    for position, tzid in enumerate(sorted(cal.get_missing_tzids())):
        cal.subcomponents.insert(position, _vtimezone(tzid))
    return cal.to_ical()


@functools.cache
def _vtimezone(tzid: str):
    from icalendar import Timezone

    return Timezone.from_tzid(tzid)


def ics_attachment(booking_id: int):
    booking = Booking.objects.select_related("unit__facility").get(pk=booking_id)
    return (f"booking-{booking.code}.ics", booking_ics(booking), "text/calendar")


def _send_confirmation(b: Booking) -> None:
    fee = f"{b.fee:,}円（{b.get_payment_display()}）" if b.fee else "無料"
    if b.pay_deadline and b.payment == Booking.Payment.AT_COUNTER:
        fee += f"\n支払期限: {timezone.localtime(b.pay_deadline):%Y年%m月%d日 %H:%M}（過ぎると取り消されます）"
    body = (
        f"次の内容で予約を受け付けました。\n\n予約番号: {b.code}\n施設: {b.unit}\n日時: {_fmt_date(b.date)} {b.start:%H:%M}〜{b.end:%H:%M}\n"
        f"使用料: {fee}\n取消期限: 利用日の{b.unit.facility.cancel_deadline_days}日前まで無料"
        f"（以降は使用料の{b.unit.facility.cancel_fee_percent}％）\n\n予約の確認・取消: {conf.site_url()}/reservations/my/\n"
    )
    email(
        b.user.email,
        f"【予約受付】{b.unit} {b.date:%m/%d}",
        body,
        # No dedupe key: it is queued once, in the transaction that books (saves a savepoint).
        attachments=[{"builder": "madoguchi.reservations.services.ics_attachment", "kwargs": {"booking_id": b.pk}}],
    )


# --- lottery -------------------------------------------------------------------------------
def lottery_frames(lottery: Lottery, exclude_booked: bool = True) -> list[str]:
    """The frames of the lottery month that are open to the draw: within opening hours, not
    closed, and (by default) not already booked, e.g. by the city for its own events."""
    if lottery.status == Lottery.Status.DRAWN and "frame_keys" in lottery.result:
        return list(lottery.result["frame_keys"])  # what the draw used, for re-runs
    facility = lottery.facility
    periods = list(facility.closed_periods.all())
    hours = {h.weekday: h for h in facility.opening_hours.all()}
    defs = list(facility.frames.all())
    keys = []
    for unit in facility.units.filter(is_active=True):
        for day in month_days(lottery.month.year, lottery.month.month):
            if closed_reason(facility, day, unit, periods, hours) is None:
                keys += [frame_key(unit.pk, day, f.start) for f in frames_for(unit, day, hours, defs)]
    if exclude_booked:
        month_end = lottery.month.replace(day=pycalendar.monthrange(lottery.month.year, lottery.month.month)[1])
        booked = {
            frame_key(u, d, t)
            for u, d, t in Booking.objects.filter(
                unit__facility=facility, date__gte=lottery.month, date__lte=month_end, status__in=ACTIVE_BOOKING_STATUSES
            ).values_list("unit_id", "date", "start")
        }
        keys = [k for k in keys if k not in booked]
    return keys


def apply_lottery(lottery: Lottery, user, wishes: list[tuple[Unit, dt.date, dt.time]], group: Group | None = None, now=None) -> LotteryApplication:
    now = _now(now)
    if not lottery.is_accepting(now):
        raise BookingError(
            "lottery_window",
            f"抽選の申込期間外です（{timezone.localtime(lottery.opens_at):%Y年%m月%d日 %H:%M}〜{timezone.localtime(lottery.closes_at):%m月%d日 %H:%M}）。",
        )
    if not wishes:
        raise BookingError("wishes", "希望の時間枠を1つ以上選んでください。")
    if len(wishes) > lottery.max_wishes:
        raise BookingError("wishes", f"希望は{lottery.max_wishes}つまでです。")
    category = category_for(user, group)
    valid = set(lottery_frames(lottery))
    seen = set()
    for unit, day, start in wishes:
        key = frame_key(unit.pk, day, start)
        if key not in valid:
            raise BookingError("wishes", f"{_fmt_date(day)} {start:%H:%M} は抽選の対象の時間枠ではありません。")
        if key in seen:
            raise BookingError("wishes", "同じ時間枠を2回希望することはできません。")
        seen.add(key)
    try:
        with transaction.atomic():
            app = LotteryApplication.objects.create(lottery=lottery, user=user, category=category, group=group)
            for rank, (unit, day, start) in enumerate(wishes, 1):
                frame = _find_frame(unit, day, start)
                LotteryWish.objects.create(application=app, rank=rank, unit=unit, date=day, start=frame.start, end=frame.end)
    except IntegrityError:
        raise BookingError("lottery_duplicate", "この抽選にはすでに申し込んでいます。申込を取り消してから申し込み直してください。") from None
    return app


def withdraw_lottery_application(lottery: Lottery, user, now=None) -> None:
    """申込の取消 while the application window is open (then the user may apply again)."""
    now = _now(now)
    if not lottery.is_accepting(now):
        raise BookingError("lottery_window", "申込期間が終わったため、申込は取り消せません。")
    deleted, _ = LotteryApplication.objects.filter(lottery=lottery, user=user).delete()
    if not deleted:
        raise BookingError("lottery_none", "この抽選への申込はありません。")


def lottery_inputs(lottery: Lottery) -> tuple[list[tuple[str, list[str]]], list[str]]:
    wishes: dict[int, list[str]] = {}
    keys: dict[tuple, str] = {}  # 150,000 wishes share a few thousand frames: format each once
    rows = LotteryWish.objects.filter(application__lottery=lottery).order_by("application_id", "rank").values_list("application_id", "unit_id", "date", "start")
    for app_id, unit_id, day, start in rows.iterator(chunk_size=10000):
        key = keys.get((unit_id, day, start))
        if key is None:
            key = keys[(unit_id, day, start)] = frame_key(unit_id, day, start)
        wishes.setdefault(app_id, []).append(key)
    return [(str(a), w) for a, w in wishes.items()], lottery_frames(lottery)


def lottery_published_inputs(lottery: Lottery) -> dict:
    """What is published after the draw: seed, commitment, inputs (applicants by number only)
    and winners. ``lottery.verify`` re-runs the draw from exactly this."""
    applications, frames = lottery_inputs(lottery)
    return {
        "lottery": lottery.pk,
        "facility": lottery.facility.name,
        "month": lottery.month.strftime("%Y-%m"),
        "seed_commitment": lottery.seed_commitment,
        "secret_seed": lottery.secret_seed,
        "inputs_digest": lottery.inputs_digest,
        "draw_seed": lottery.draw_seed,
        "max_wins": lottery.max_wins,
        **lottery_mod.canonical_inputs(applications, frames),
        "winners": lottery.result.get("winners", {}),
    }


def run_lottery(lottery: Lottery, now=None) -> Lottery:
    """Draw once (idempotent: a drawn lottery is returned unchanged), store seed and result,
    and create the winners' bookings awaiting 本予約."""
    now = _now(now)
    with transaction.atomic():
        lot = Lottery.objects.select_for_update().select_related("facility").get(pk=lottery.pk)
        if lot.status == Lottery.Status.DRAWN:
            return lot
        # Abandoned holds in the month must not keep a frame out of the draw.
        Booking.objects.filter(unit__facility=lot.facility_id, date__gte=lot.month, status=Booking.Status.HELD, hold_until__lte=now).update(
            status=Booking.Status.EXPIRED
        )
        applications, frames = lottery_inputs(lot)
        lot.inputs_digest = lottery_mod.inputs_digest(applications, frames)
        lot.draw_seed = lottery_mod.derive_seed(lot.secret_seed, lot.inputs_digest)
        winners = lottery_mod.draw(lot.draw_seed, applications, frames, max_wins=lot.max_wins)
        lot.result = {"winners": dict(sorted(winners.items())), "applications": len(applications), "frames": len(frames), "frame_keys": sorted(frames)}
        lot.status = Lottery.Status.DRAWN
        lot.drawn_at = now
        lot.confirm_deadline = now + dt.timedelta(days=lot.facility.pay_deadline_days)
        lot.save()
        app_rows = {str(a[0]): a for a in LotteryApplication.objects.filter(lottery=lot).order_by().values_list("id", "user_id", "group_id", "category")}
        units = {u.pk: u for u in lot.facility.units.all()}
        hours = {h.weekday: h for h in lot.facility.opening_hours.all()}
        defs = list(lot.facility.frames.all())
        fees = {(f.unit_id, f.category): f for f in Fee.objects.filter(unit__facility=lot.facility)}
        frame_cache: dict[tuple[int, dt.date], dict[dt.time, Frame]] = {}
        bookings = []
        for key, app_id in winners.items():
            unit_id, day, start = key.split("/")
            unit = units[int(unit_id)]
            day = dt.date.fromisoformat(day)
            frames = frame_cache.get((unit.pk, day))
            if frames is None:
                frames = frame_cache[(unit.pk, day)] = {f.start: f for f in frames_for(unit, day, hours, defs)}
            frame = frames[dt.time.fromisoformat(start)]
            _, user_id, group_id, category = app_rows[app_id]
            fee = _fee_amount(unit, fees.get((unit.pk, category)), frame.start, frame.end)
            pay_by = min(now + dt.timedelta(days=lot.facility.lottery_pay_days), _day_start(day)) if fee else None
            bookings.append(
                Booking(
                    unit=unit, date=day, start=frame.start, end=frame.end, user_id=user_id, group_id=group_id, category=category,
                    base_fee=fee, fee=fee, status=Booking.Status.WON, source=Booking.Source.LOTTERY, confirm_deadline=lot.confirm_deadline, pay_deadline=pay_by,
                    payment=Booking.Payment.AT_COUNTER if fee else Booking.Payment.NOT_REQUIRED,
                )
            )  # fmt: skip
        Booking.objects.bulk_create(bookings, batch_size=1000)
        # One task mails every applicant afterwards, so the draw transaction stays short.
        enqueue("reservations.lottery_results", dedupe_key=f"lottery-results:{lot.pk}", lottery_id=lot.pk)
    return lot


def send_lottery_results(lottery_id: int, batch: int = 500) -> int:
    """Mail each applicant their result (idempotent: each email has its own dedupe key)."""
    lot = Lottery.objects.select_related("facility").get(pk=lottery_id)
    winner_apps = set(lot.result.get("winners", {}).values())
    url = f"{conf.site_url()}/reservations/lotteries/{lot.pk}/"
    deadline = f"{timezone.localtime(lot.confirm_deadline):%Y年%m月%d日 %H:%M}" if lot.confirm_deadline else ""
    rows = list(LotteryApplication.objects.filter(lottery=lot).order_by("id").values_list("id", "user__email"))
    for i in range(0, len(rows), batch):
        with transaction.atomic():
            for app_id, address in rows[i : i + batch]:
                won = str(app_id) in winner_apps
                body = f"申込番号: {app_id}\n" + (
                    f"当選しました。\n{deadline}までに本予約の手続きをしてください。期限を過ぎると取り消され、先着順の空き予約になります。\n"
                    f"使用料のかかる枠は、抽選日から{lot.facility.lottery_pay_days}日以内（利用日のほうが早いときは前日まで）に施設の窓口でお支払いください。"
                    f"支払期限を過ぎた枠も取り消されます。\n{conf.site_url()}/reservations/my/\n"
                    if won
                    else "残念ながら落選しました。\n抽選後の空き枠は先着順で予約できます。\n"
                )
                body += f"\n抽選結果と検証: {url}\n"
                email(address, f"【抽選結果】{lot.facility} {lot.month.year}年{lot.month.month}月", body, dedupe_key=f"lottery-result:{lot.pk}:{app_id}")
    return len(rows)


def draw_due_lotteries(now=None) -> int:
    now = _now(now)
    count = 0
    for lot in Lottery.objects.filter(status=Lottery.Status.OPEN, draw_at__lte=now):
        run_lottery(lot, now)
        count += 1
    return count


def _remind(b: Booking, what: str, deadline: dt.datetime, dedupe: str) -> None:
    with transaction.atomic():
        email(
            b.user.email,
            f"【{what}の期限が近づいています】{b.unit} {b.date:%m/%d}",
            f"抽選で当選した次の枠の{what}がまだです。\n予約番号: {b.code}\n{_fmt_date(b.date)} {b.start:%H:%M}〜{b.end:%H:%M}\n"
            + (f"使用料: {b.fee:,}円（施設の窓口でお支払いください）\n" if b.status == Booking.Status.CONFIRMED else "")
            + f"期限: {timezone.localtime(deadline):%Y年%m月%d日 %H:%M}（過ぎると取り消され、先着順の空き予約になります）\n"
            f"{conf.site_url()}/reservations/my/\n",
            dedupe_key=f"{dedupe}:{b.pk}",
        )


def _unpaid_win(now) -> Q:
    """A confirmed lottery win still owing its fee at ``now``. A pending 減免 request holds the
    deadline: the resident is not at fault while the city decides."""
    return Q(status=Booking.Status.CONFIRMED, payment=Booking.Payment.AT_COUNTER, pay_deadline__lte=now) & ~Q(exemption=Booking.Exemption.REQUESTED)


def remind_unconfirmed(now=None, hours: int = 48) -> int:
    """Winners who have not confirmed, or not paid, get one reminder of each when its deadline
    is near."""
    now = _now(now)
    soon = now + dt.timedelta(hours=hours)
    won = Booking.objects.filter(status=Booking.Status.WON, confirm_deadline__gt=now, confirm_deadline__lte=soon)
    unpaid = Booking.objects.filter(_unpaid_win(soon), pay_deadline__gt=now)
    sent = 0
    for b in won.select_related("unit__facility", "user"):
        _remind(b, "本予約", b.confirm_deadline, "booking-confirm-reminder")
        sent += 1
    for b in unpaid.select_related("unit__facility", "user"):
        _remind(b, "使用料の支払い", b.pay_deadline, "booking-pay-reminder")
        sent += 1
    return sent


def release_unconfirmed(now=None) -> int:
    """Lottery wins not confirmed (本予約) by their deadline, or confirmed but not paid by their
    支払期限, go back to first-come; each resident is told which deadline passed."""
    now = _now(now)
    due = Q(status=Booking.Status.WON, confirm_deadline__lte=now) | _unpaid_win(now)
    released = 0
    for b in Booking.objects.filter(due).select_related("unit", "user"):
        with transaction.atomic():
            # Conditional: a payment or confirmation recorded since the read keeps the booking.
            if not Booking.objects.filter(due, pk=b.pk).update(status=Booking.Status.RELEASED):
                continue
            what = "本予約の期限" if b.status == Booking.Status.WON else "使用料の支払期限"
            email(
                b.user.email,
                f"【当選枠の取消】{b.unit} {b.date:%m/%d}",
                f"{what}を過ぎたため、抽選で当選した次の枠を取り消しました。\n予約番号: {b.code}\n{_fmt_date(b.date)} {b.start:%H:%M}〜{b.end:%H:%M}\n"
                f"この枠は先着順の空き予約になりました。ご利用の場合はあらためて予約してください。\n{conf.site_url()}/reservations/\n",
                dedupe_key=f"booking-released:{b.pk}",
            )
        released += 1
    return released


# --- groups --------------------------------------------------------------------------------
def verify_group(group: Group, staff_user, approve: bool, note: str = "") -> Group:
    group.status = Group.Status.VERIFIED if approve else Group.Status.REJECTED
    group.staff_note = note
    group.verified_by = staff_user
    group.verified_at = timezone.now()
    group.save()
    email(
        group.owner.email,
        f"【団体登録】{group.name}",
        f"団体登録の確認結果: {group.get_status_display()}\n{note}",
        dedupe_key=f"group-verify:{group.pk}:{group.status}",
    )
    return group


# --- counter visits and consultations ------------------------------------------------------
def counter_week(counter: Counter) -> dict[int, tuple[dt.time, dt.time]]:
    """受付時間 per weekday (0 = 月): the counter's weekday rows, or ``opens``–``closes`` on
    every weekday when it has none."""
    rows = {h.weekday: (h.opens, h.closes) for h in CounterHours.objects.filter(counter=counter)}
    return rows or {wd: (counter.opens, counter.closes) for wd in range(7)}


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


def book_visit(user, counter: Counter, day: dt.date, start: dt.time, *, mode: str = Visit.Mode.IN_PERSON, procedure: str = "", now=None) -> Visit:
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
        body = (
            f"{counter.name}の予約を受け付けました。\n\n予約番号: {visit.code}\n日時: {_fmt_date(day)} {start:%H:%M}〜{times[start]:%H:%M}\n"
            + (
                f"場所: {f'オンライン（会議のURL: {visit.meeting_url}）' if visit.meeting_url else ONLINE_URL_PENDING}\n"
                if mode == Visit.Mode.ONLINE
                else f"場所: {counter.location or counter.section.location}\n当日は添付のQRコードか予約番号を窓口でお見せください。\n"
            )
            + f"予約の確認・取消: {conf.site_url()}/reservations/my/\n"
        )
        email(
            user.email,
            f"【来庁予約】{counter.name} {day:%m/%d} {start:%H:%M}",
            body,
            dedupe_key=f"visit-confirm:{visit.pk}",
            attachments=[{"builder": "madoguchi.reservations.services.qr_attachment", "kwargs": {"visit_id": visit.pk}}],
        )
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
        c = v.slot.counter
        if v.mode == Visit.Mode.ONLINE and v.meeting_url:
            where = f"オンライン（会議のURL: {v.meeting_url}）"
        elif v.mode == Visit.Mode.ONLINE:
            # No URL yet: the office is not where an online consultation happens.
            where = ONLINE_URL_PENDING
        else:
            where = c.location or c.section.location
        with transaction.atomic():
            email(
                v.user.email,
                f"【明日のご予約】{c.name} {v.slot.start:%H:%M}",
                f"明日 {_fmt_date(v.slot.date)} {v.slot.start:%H:%M} に{c.name}のご予約があります。\n予約番号: {v.code}\n場所: {where}\n予約の確認・取消: {conf.site_url()}/reservations/my/\n",
                dedupe_key=f"visit-reminder:{v.pk}",
            )
            Visit.objects.filter(pk=v.pk).update(reminded_at=now)
        sent += 1
    return sent


__all__ = ["BookingError", "Frame", "Facility", "ClosedPeriod"]
