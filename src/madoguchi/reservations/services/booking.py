"""First-come booking (先着順): hold, confirm, cancel, closed periods."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.core import rawsql

from .. import conf, queries
from ..models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    ClosedPeriod,
    ExemptionRule,
    Fee,
    Group,
    Lottery,
    Unit,
    UserCategory,
)
from . import emails, payments
from .calendar import closed_reason, frames_for, window_problem
from .common import BookingError, Frame, _fmt_date, _now
from .fees import _fee_amount, agreed_category, cancellation_fee, category_for, fee_for


def _find_frame(unit: Unit, day: dt.date, start: dt.time) -> Frame:
    for f in frames_for(unit, day):
        if f.start == start:
            return f
    raise BookingError("hours", f"{_fmt_date(day)} {start:%H:%M} は開館時間内の時間枠ではありません。表示されている時間枠から選んでください。")


def _taken(day: dt.date, frame: Frame) -> BookingError:
    return BookingError("taken", f"{_fmt_date(day)} {frame.label} はすでに予約されています。別の時間枠を選んでください。")


@dataclass(frozen=True)
class HoldRequest:
    """A frame a resident asks for (予約の申込): the unit, the day and the frame's start, and the
    booking's details. ``unit_day`` is what ``queries.unit_day`` returned for this unit and day
    when the caller already read it (the API's hot path); otherwise ``hold`` reads it."""

    unit: Unit
    day: dt.date
    start: dt.time
    group: Group | None = None
    purpose: str = ""
    attendees: int | None = None
    unit_day: tuple | None = None


def hold(user, request: HoldRequest, *, now=None, confirm: bool = False) -> Booking:
    """Hold (仮押さえ) a frame for ``conf.hold_minutes()``; with ``confirm`` book it at once.
    The database refuses a second active booking of the same frame."""
    now = _now(now)
    unit, day, start, group = request.unit, request.day, request.start, request.group
    facility = unit.facility
    if not unit.is_active or not facility.is_public:
        raise BookingError("unit", "この部屋・コートは現在予約を受け付けていません。")
    # One round trip reads the day's opening hours with the closure, the month's lottery and
    # the unit's fees alongside (the opening rush pays for every round trip; see queries.py).
    info = (request.unit_day or queries.unit_day(unit.pk, day, start, now, unit.municipality_id))[1]
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
                is_resident = queries.lock_registration(user.pk, unit.municipality_id)
                agreed = None
                if is_resident is None and group is None:
                    # 相互利用協定: a partner city's registered resident, no 利用者登録 here. Their
                    # user row is locked instead, so their bookings still serialise.
                    agreed = agreed_category(user, unit.municipality_id)
                    if agreed is not None:
                        get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
                if is_resident is None and agreed is None:
                    raise BookingError("registration", "施設を予約するには、先に利用者登録をしてください。")
                if agreed is not None:
                    category = agreed
                elif group is not None:
                    category = category_for(user, group)
                else:
                    category = UserCategory.RESIDENT if is_resident else UserCategory.NON_RESIDENT
                month_start = day.replace(day=1)
                month_end = month_start.replace(day=pycalendar.monthrange(day.year, day.month)[1])
                month_count, day_count = queries.active_counts(user.pk, facility.pk, day, month_start, month_end, now, unit.municipality_id)
                if day_count >= facility.max_frames_per_day:
                    raise BookingError("limit_day", f"1日に予約できるのは{facility.max_frames_per_day}枠までです（{_fmt_date(day)}は上限に達しています）。")
                if month_count >= facility.max_bookings_per_month:
                    raise BookingError(
                        "limit_month", f"1か月に予約できるのは{facility.max_bookings_per_month}件までです（{day.month}月は上限に達しています）。"
                    )
                amount = fees[category]
                fee = _fee_amount(unit, None if amount is None else Fee(amount=amount), frame.start, frame.end)
                booking = Booking(
                    municipality_id=unit.municipality_id,
                    unit=unit,
                    date=day,
                    start=frame.start,
                    end=frame.end,
                    user=user,
                    group=group,
                    category=category,
                    base_fee=fee,
                    fee=fee,
                    status=Booking.Status.CONFIRMED if confirm else Booking.Status.HELD,
                    hold_until=None if confirm else now + dt.timedelta(minutes=conf.hold_minutes()),
                    confirmed_at=now if confirm else None,
                    pay_deadline=payments.prepay_deadline(unit, fee, _aware(day, frame.start), now) if confirm else None,
                    purpose=request.purpose,
                    attendees=request.attendees,
                )
                rawsql.insert(booking)  # the insert compiler's CPU, once per attempt of a rush
                booking.__dict__["_payments"] = payments.BookingPayments()  # new: nothing asked for yet (no query)
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


def _aware(day: dt.date, start: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, start))


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
            b.category = category_for(b.user, group, b.municipality_id)
            b.base_fee = b.fee = fee_for(b.unit, b.category, b.start, b.end)
        b.status = Booking.Status.CONFIRMED
        b.hold_until = None
        b.confirmed_at = now
        if b.pay_deadline is None:  # a lottery win keeps its own
            # 事前決済: paid by this deadline or the frame is given back (release_unconfirmed)
            b.pay_deadline = payments.prepay_deadline(b.unit, b.fee, b.starts_at, now)
        b.purpose = purpose or b.purpose
        b.attendees = attendees if attendees is not None else b.attendees
        if exemption_rule is not None or exemption_reason:
            b.exemption = Booking.Exemption.REQUESTED
            b.exemption_rule = exemption_rule
            b.exemption_reason = exemption_reason
        b.save()
        _send_confirmation(b)
    return b


def book(user, request: HoldRequest, *, now=None) -> Booking:
    """Hold and confirm in one step (API)."""
    return hold(user, request, now=now, confirm=True)


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
        fee = 0 if by_staff else cancellation_fee(b, now)
        paid = b.payment == Booking.Payment.PAID
        b.status = Booking.Status.CANCELLED
        b.cancelled_at = now
        b.save()
        # The 取消料 is withheld from a fee already paid, the rest is owed back (返金額); an
        # unpaid fee is no longer owed. All of it kept by the payments app.
        payments.settle_cancellation(b, fee, now)
        emails.booking_cancelled(b, reason=reason, paid=paid)
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


def _send_confirmation(b: Booking) -> None:
    emails.booking_confirmed(b)
