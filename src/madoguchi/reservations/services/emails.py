"""The emails of reservations (予約のメール). Texts are templates under
``reservations/templates/reservations/email/`` sent through ``core.notify.send_template``; links
are built there with ``{% absolute_url %}`` for the municipality of the facility or counter."""

from __future__ import annotations

from django.utils.translation import gettext as _

from madoguchi.core.notify import send_template, send_template_now
from madoguchi.core.tasks import enqueue

from ..models import Booking, Group, Lottery, Visit
from .common import _fmt_date

T = "reservations/email/"


def _pay_deadline(b: Booking):
    """The 支払期限 worth telling: only while the fee is still owed."""
    return b.pay_deadline if b.pay_deadline and b.payment == Booking.Payment.AT_COUNTER else None


def _booking_context(b: Booking, **extra) -> dict:
    from .payments import pays_online

    # 事前 / 事後決済: the email carries the pay link (reservations:pay makes the payment when
    # it is first opened, so sending the email takes no payment number).
    online = pays_online(b) and b.payment == Booking.Payment.AT_COUNTER
    return {"booking": b, "facility": b.unit.facility, "date_label": _fmt_date(b.date), "pay_online": online, **extra}


def booking_confirmed(b: Booking) -> None:
    """Queued in the transaction that books and rendered by the task: the booking's request (the
    opening rush's hot path) then pays no read of the municipality and no template rendering.
    No dedupe key here: it is queued once, in that transaction (saves a savepoint)."""
    enqueue("reservations.booking_confirmed", booking_id=b.pk)


_CONFIRMED_FIELDS = (
    "code", "date", "start", "end", "fee", "pay_deadline", "status", "municipality_id", "unit_id", "user_id",
    "unit__name", "unit__payment_timing", "unit__facility_id", "unit__municipality_id",
    "unit__facility__name", "unit__facility__address", "unit__facility__cancel_deadline_days",
    "unit__facility__cancel_fee_percent", "unit__facility__municipality_id", "user__email",
)  # fmt: skip


def send_booking_confirmed(booking_id: int) -> None:
    """Run by the task ``booking_confirmed`` queued: that task is the email's outbox entry, so it
    sends at once (one task per booking in the worker, not two)."""
    from madoguchi.core import tenancy

    from .ics import booking_ics

    # The city from tenancy's cache, not a join: a municipality row is wide (its settings), and
    # compiling the select of every joined column cost the worker more than sending the email.
    # For the same reason only the columns the email, its .ics and its payment state read (90
    # columns of four tables cost the worker 0.4 ms more per booking; a test counts the queries,
    # so a column read but not listed here shows as a query more).
    b = Booking.objects.select_related("unit__facility", "user").only(*_CONFIRMED_FIELDS).get(pk=booking_id)
    city = tenancy.municipality_by_id(b.municipality_id)
    send_template_now(
        b.user.email,
        T + "booking_confirmed",
        _booking_context(b, pay_deadline=_pay_deadline(b)),
        municipality=city,
        attachments=[{"filename": f"booking-{b.code}.ics", "content": booking_ics(b), "mimetype": "text/calendar"}],
    )


def booking_cancelled(b: Booking, *, reason: str, paid: bool) -> None:
    send_template(
        b.user.email,
        T + "booking_cancelled",
        _booking_context(b, reason=reason, paid=paid),
        municipality=b.unit.facility.municipality,
        dedupe_key=f"booking-cancel:{b.pk}",
    )


def exemption_result(b: Booking, *, approved: bool, note: str) -> None:
    send_template(
        b.user.email,
        T + "exemption_result",
        _booking_context(b, approved=approved, note=note, pay_deadline=_pay_deadline(b)),
        municipality=b.unit.facility.municipality,
        dedupe_key=f"booking-exemption:{b.pk}",
    )


def deadline_reminder(b: Booking, what: str, deadline, dedupe: str) -> None:
    """``what``: 本予約 or 使用料の支払い, whose deadline nears."""
    send_template(
        b.user.email,
        T + "deadline_reminder",
        _booking_context(b, what=what, deadline=deadline, show_fee=b.status == Booking.Status.CONFIRMED),
        municipality=b.unit.facility.municipality,
        dedupe_key=f"{dedupe}:{b.pk}",
    )


def win_released(b: Booking, *, unconfirmed: bool) -> None:
    what = _("本予約の期限") if unconfirmed else _("使用料の支払期限")
    send_template(
        b.user.email,
        T + "win_released",
        _booking_context(b, what=what, lottery=b.source == Booking.Source.LOTTERY),
        municipality=b.unit.facility.municipality,
        dedupe_key=f"booking-released:{b.pk}",
    )


def lottery_result(lot: Lottery, address: str, application_id: int, *, won: bool, deadline: str) -> None:
    send_template(
        address,
        T + "lottery_result",
        {"lottery": lot, "application_id": application_id, "won": won, "deadline": deadline},
        municipality=lot.facility.municipality,
        dedupe_key=f"lottery-result:{lot.pk}:{application_id}",
    )


def group_verified(group: Group, note: str) -> None:
    send_template(
        group.owner.email,
        T + "group_verified",
        {"group": group, "note": note},
        municipality=group.municipality,
        dedupe_key=f"group-verify:{group.pk}:{group.status}",
    )


def _visit_context(v: Visit, **extra) -> dict:
    return {"visit": v, "counter": v.slot.counter, "date_label": _fmt_date(v.slot.date), **extra}


def visit_confirmed(v: Visit) -> None:
    send_template(
        v.user.email,
        T + "visit_confirmed",
        _visit_context(v),
        municipality=v.slot.counter.municipality,
        dedupe_key=f"visit-confirm:{v.pk}",
        attachments=[{"builder": "madoguchi.reservations.services.visits.qr_attachment", "kwargs": {"visit_id": v.pk}}],
    )


def visit_reminder(v: Visit) -> None:
    send_template(v.user.email, T + "visit_reminder", _visit_context(v), municipality=v.slot.counter.municipality, dedupe_key=f"visit-reminder:{v.pk}")


def meeting_url(v: Visit, url: str) -> None:
    send_template(
        v.user.email,
        T + "meeting_url",
        _visit_context(v, url=url),
        municipality=v.slot.counter.municipality,
        dedupe_key=f"visit-meeting:{v.pk}:{url}"[:200],
    )
