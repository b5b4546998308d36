"""Fees (使用料), user categories, 減免, 取消料 and 返金."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from madoguchi.core import tenancy

from ..models import (
    Booking,
    Fee,
    Group,
    Registration,
    Unit,
    UseAgreement,
    UserCategory,
)
from . import emails, payments
from .common import PAY_GRACE, BookingError, Frame, _day_start, _now


def category_for(user, group: Group | None = None, municipality_id: int | None = None) -> str:
    """利用者区分 of a booking by ``user`` (as ``group``): from the user's 利用者登録 in the city
    (``municipality_id``; default: the active city's, through the scoped manager)."""
    if group is not None:
        if group.owner_id != user.pk:
            raise BookingError("group", "この団体で予約できるのは団体の登録者だけです。")
        if group.status != Group.Status.VERIFIED:
            raise BookingError("group", "団体登録が職員の確認前です。確認が済むまで団体として予約できません。")
        return UserCategory.RESIDENT_GROUP if group.resident_share >= 50 else UserCategory.NON_RESIDENT
    regs = Registration.objects.filter(user=user)
    reg = (regs if municipality_id is None else regs.filter(municipality_id=municipality_id)).first()
    if reg is None:
        agreed = agreed_category(user, municipality_id if municipality_id is not None else tenancy.current_id())
        if agreed is None:
            raise BookingError("registration", "施設を予約するには、先に利用者登録をしてください。")
        return agreed
    return UserCategory.RESIDENT if reg.is_resident else UserCategory.NON_RESIDENT


def agreed_category(user, municipality_id: int | None) -> str | None:
    """相互利用協定 (共同運営): the fee category city ``municipality_id`` gives ``user`` as a
    registered resident (利用者登録, 市内在住・在勤) of a partner city under an active agreement;
    None without one (then the city's own rules apply: its 利用者登録 is needed). Only the user's
    own registrations are read across cities, on purpose (unscoped, and on PostgreSQL with no
    city on the connection); the agreements are the facility city's own rows. Several partners
    agreeing: the cheaper category (市内料金) wins."""
    if municipality_id is None:
        return None
    with tenancy.unscoped(), tenancy.using(None, database=True):
        homes = list(
            Registration.objects.filter(user=user, is_resident=True).exclude(municipality_id=municipality_id).values_list("municipality_id", flat=True)
        )
    if not homes:
        return None
    categories = set(
        UseAgreement.objects.filter(municipality_id=municipality_id, partner_id__in=homes, active=True).values_list("partner_residents_category", flat=True)
    )
    if not categories:
        return None
    return UserCategory.RESIDENT if UserCategory.RESIDENT in categories else UserCategory.NON_RESIDENT


def fee_for(unit: Unit, category: str, start: dt.time, end: dt.time) -> int:
    return _fee_amount(unit, Fee.objects.filter(unit=unit, category=category).first(), start, end)


def _fee_amount(unit: Unit, fee: Fee | None, start: dt.time, end: dt.time) -> int:
    if fee is None:
        return 0
    if unit.frame_mode == Unit.FrameMode.HOURLY:
        return round(fee.amount * Frame(start, end, "").hours)
    return fee.amount


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
    if booking.pay_deadline and booking.payment == Booking.Payment.AT_COUNTER:
        booking.pay_deadline = max(booking.pay_deadline, min(now + PAY_GRACE, _day_start(booking.date)))
    with transaction.atomic():
        booking.save()
        payments.fee_changed(booking)  # the next payment asked for has the new fee and deadline
        emails.exemption_result(booking, approved=approve, note=note)
    return booking


def mark_paid(booking: Booking, staff=None, now=None) -> Booking:
    """使用料の受領 at the counter: a 窓口払い recorded through the payments app."""
    return payments.record_paid(booking, staff=staff, now=now)


def mark_cancellation_fee_paid(booking: Booking, now=None, staff=None) -> bool:
    """取消料の収納 at the counter: True when recorded now, False when it already was (two
    clicks record it once)."""
    return payments.record_cancellation_fee_paid(booking, staff=staff, now=now)


def mark_refunded(booking: Booking, now=None, staff=None) -> bool:
    """返金済み: staff record that the 返金額 of a cancelled, already paid booking was handed
    back: True when recorded now, False when it already was."""
    return payments.record_refunded(booking, staff=staff, now=now)
