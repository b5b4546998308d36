"""The fees of a booking as payments (支払). Reservations keeps no payment state of its own: it
asks the payments app through its public API (``madoguchi.payments.services``) and reads what
that answers. A booking has at most one live 施設使用料 payment and one 取消料 payment; a paid
booking cancelled late keeps its 取消料 out of the 使用料 (振替) and owes the rest back
(規則による返金, handed back by staff or through the provider).

The usage payment is made when it is first needed (the confirmation email's task, the pay
page, staff recording a counter payment), never in the booking's own transaction: the opening
rush's hot path takes no 支払番号 lock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from madoguchi.payments import services as pay

from ..models import Booking
from .common import BookingError, _now

USAGE = "施設使用料"
CANCELLATION = "取消料"
# How long a 取消料 stays payable online before it shows as 期限切れ (still recordable at the counter).
CANCELLATION_PAY_DAYS = 30


@dataclass
class BookingPayments:
    """What the payments app holds for one booking."""

    usage: object | None = None  # the live 施設使用料 Payment
    cancellation: object | None = None  # the live 取消料 Payment
    refunds: list = field(default_factory=list)  # money owed back on the usage (not 振替, not 却下)

    @property
    def usage_settled(self) -> bool:
        return self.usage is not None and self.usage.is_settled


def _live(payments: list, purpose: str):
    return next((p for p in payments if p.purpose == purpose and p.status != p.Status.CANCELLED), None)


def _state(payments: list) -> BookingPayments:
    usage = _live(payments, USAGE)
    refunds = []
    if usage is not None:
        refunds = [r for r in usage.refunds.all() if r.kind != r.Kind.TRANSFER and r.status != r.Status.REJECTED]
    return BookingPayments(usage=usage, cancellation=_live(payments, CANCELLATION), refunds=refunds)


def state(booking: Booking) -> BookingPayments:
    """The booking's payments, read once per instance (``refresh_from_db`` and every change made
    here forget it)."""
    cached = booking.__dict__.get("_payments")
    if cached is None:
        cached = booking.__dict__["_payments"] = _state(pay.payments_of([booking]).get(str(booking.pk), []))
    return cached


def attach(bookings) -> list:
    """Read the payments of a whole list in one query (list pages)."""
    bookings = list(bookings)
    found = pay.payments_of(bookings)
    for b in bookings:
        b.__dict__["_payments"] = _state(found.get(str(b.pk), []))
    return bookings


def forget(booking: Booking) -> None:
    booking.__dict__.pop("_payments", None)


def unpaid(bookings) -> list:
    """The bookings among ``bookings`` whose 使用料 is not settled."""
    bookings = list(bookings)
    paid = pay.settled_ids(bookings, USAGE)
    return [b for b in bookings if b.pk not in paid]


def prepay_deadline(unit, fee: int, starts_at: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """事前決済: the 支払期限 of a new booking of ``unit`` (its ``prepay_hours`` from now, or the
    start of use if sooner); None when the fee is paid otherwise or there is none. Past it,
    ``release_unconfirmed`` gives the frame back."""
    if fee <= 0 or unit.payment_timing != unit.PaymentTiming.BEFORE:
        return None
    return min(now + dt.timedelta(hours=unit.prepay_hours), starts_at)


def pays_online(booking: Booking) -> bool:
    """Whether the resident is asked to pay this booking online (事前 / 事後決済, or a lottery
    win with a 支払期限), rather than only at the counter."""
    return booking.fee > 0 and booking.unit.payment_timing in (booking.unit.PaymentTiming.BEFORE, booking.unit.PaymentTiming.AFTER)


def pay_by(booking: Booking) -> dt.datetime:
    """A lottery win's 支払期限; a first-come booking is paid by the end of its day of use."""
    return booking.pay_deadline or booking.ends_at


def usage_payment(booking: Booking):
    """The booking's 施設使用料 payment, made now if it has a fee and none is live (the same
    payment on every call: double clicks and two tabs make one fee)."""
    current = state(booking).usage
    if current is not None or booking.fee <= 0:
        return current
    section = booking.unit.facility.section
    payment = pay.request_payment(booking, USAGE, booking.fee, section, booking.user, pay_by(booking))
    forget(booking)
    return payment


def record_paid(booking: Booking, *, staff=None, method: str = "cash", now=None) -> Booking:
    """使用料の受領 at the counter (窓口払い through the payments app)."""
    with transaction.atomic():
        b = Booking.objects.select_for_update().select_related("unit__facility__section", "user").get(pk=booking.pk)
        if b.status not in (Booking.Status.CONFIRMED, Booking.Status.WON) or b.payment != Booking.Payment.AT_COUNTER:
            raise BookingError("payment", f"この予約は「{b.get_status_display()}・{b.get_payment_display()}」のため受領できません。")
        try:
            pay.record_counter_payment(usage_payment(b), staff=staff, method=method, at=now)
        except ValidationError as e:
            raise BookingError("payment", " ".join(e.messages)) from e
    forget(booking)
    forget(b)
    return b


def settle_cancellation(b: Booking, fee: int, now: dt.datetime) -> None:
    """A booking cancelled with 取消料 ``fee``: an unpaid 使用料 is no longer owed; the 取消料
    becomes a payment (withheld from a paid 使用料 as a 振替), and a paid 使用料 beyond it is
    owed back. Runs in the cancelling transaction, with the booking row locked."""
    st = state(b)
    usage, paid = st.usage, st.usage_settled
    if usage is not None and not paid:
        pay.cancel(usage, note="予約の取消")
    if fee:
        section = b.unit.facility.section
        cf = pay.request_payment(b, CANCELLATION, fee, section, b.user, now + dt.timedelta(days=CANCELLATION_PAY_DAYS))
        if paid:
            pay.transfer(usage, cf, note=f"予約 {b.code} の取消料（お支払い済みの使用料から差し引き）", requested_by=b.user, at=now)
    if paid:
        usage.refresh_from_db()
        if usage.refundable_amount:
            pay.request_rule_refund(usage, amount=usage.refundable_amount, reason=f"予約 {b.code} の取消による返金（使用料 − 取消料）", requested_by=b.user)
    forget(b)


def record_cancellation_fee_paid(booking: Booking, *, staff=None, now=None) -> bool:
    """取消料の収納 at the counter: True when recorded now, False when it already was."""
    with transaction.atomic():
        b = Booking.objects.select_for_update().get(pk=booking.pk)
        cf = state(b).cancellation
        if b.status != Booking.Status.CANCELLED or cf is None:
            raise BookingError("cancellation_fee", "取消料のかからない予約です（取消料は取消期限を過ぎて取り消した予約にだけかかります）。")
        recorded = not cf.is_settled
        if recorded:
            pay.record_counter_payment(cf, staff=staff, method="cash", at=_now(now))
    forget(booking)
    return recorded


def record_refunded(booking: Booking, *, staff=None, now=None) -> bool:
    """返金済み: the 返金額 of a cancelled, paid booking handed back (recorded for the counter,
    through the provider otherwise): True when recorded now, False when it already was."""
    with transaction.atomic():
        b = Booking.objects.select_for_update().get(pk=booking.pk)
        refunds = state(b).refunds
        if b.status != Booking.Status.CANCELLED or not refunds:
            raise BookingError("refund", "返金のない予約です（返金は使用料を支払い済みの予約を取り消したときだけ発生します）。")
        recorded = False
        for r in refunds:
            if r.status == r.Status.REQUESTED and r.kind == r.Kind.RULE:
                recorded = pay.complete_refund(r, actor=staff, at=_now(now)) or recorded
    forget(booking)
    return recorded


def release(b: Booking) -> bool:
    """Before a lottery win is released: its open 使用料 payment is cancelled under the
    payment's lock. False (keep the booking) when it was paid meanwhile."""
    usage = state(b).usage
    if usage is None:
        return True
    if usage.is_settled:
        return False
    try:
        pay.cancel(usage, note="支払期限を過ぎた当選枠の取消")
    except pay.IllegalTransition:
        return False  # settled between the read and the lock
    forget(b)
    return True


def fee_changed(b: Booking) -> None:
    """The fee or its deadline changed (減免): an open payment of the old amount is withdrawn
    (the next one asked for carries the new amount and deadline); a paid one gets back what was
    paid beyond the new fee, through its provider (``payments.adjustments``)."""
    from madoguchi.payments.adjustments import refund_for_new_amount

    usage = state(b).usage
    if usage is not None and not usage.is_settled:
        pay.cancel(usage, note="使用料の変更（減免）")
    elif usage is not None:
        reason = f"予約 {b.code} の使用料の減免（{b.exemption_percent}％）による差額"
        refund_for_new_amount(usage, b.fee, reason=reason, requested_by=b.user)
    forget(b)
