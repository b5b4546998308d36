"""Lotteries (抽選): applications, the draw run and stored, results, 本予約 and payment deadlines.

The pure draw itself is ``reservations/lottery.py``."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.core.tasks import enqueue

from .. import lottery as lottery_mod
from ..models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    Fee,
    Group,
    Lottery,
    LotteryApplication,
    LotteryWish,
    Unit,
    frame_key,
)
from . import emails, payments
from .booking import _find_frame
from .calendar import closed_reason, frames_for, month_days
from .common import BookingError, Frame, _day_start, _fmt_date, _now
from .fees import _fee_amount, category_for


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
        raise BookingError("wishes", f"希望は{lottery.max_wishes}件までです。選ぶ数を減らしてください。")
    category = category_for(user, group, lottery.municipality_id)
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
                    municipality_id=lot.municipality_id, unit=unit, date=day, start=frame.start, end=frame.end, user_id=user_id, group_id=group_id, category=category,
                    base_fee=fee, fee=fee, status=Booking.Status.WON, source=Booking.Source.LOTTERY, confirm_deadline=lot.confirm_deadline, pay_deadline=pay_by,
                )
            )  # fmt: skip
        # bulk_create skips save(), so each row carries its city explicitly (set above).
        Booking.objects.bulk_create(bookings, batch_size=1000)
        # One task mails every applicant afterwards, so the draw transaction stays short.
        enqueue("reservations.lottery_results", dedupe_key=f"lottery-results:{lot.pk}", lottery_id=lot.pk)
    return lot


def send_lottery_results(lottery_id: int, batch: int = 500) -> int:
    """Mail each applicant their result (idempotent: each email has its own dedupe key)."""
    lot = Lottery.objects.select_related("facility").get(pk=lottery_id)
    winner_apps = set(lot.result.get("winners", {}).values())
    deadline = f"{timezone.localtime(lot.confirm_deadline):%Y年%m月%d日 %H:%M}" if lot.confirm_deadline else ""
    rows = list(LotteryApplication.objects.filter(lottery=lot).order_by("id").values_list("id", "user__email"))
    for i in range(0, len(rows), batch):
        with transaction.atomic():
            for app_id, address in rows[i : i + batch]:
                emails.lottery_result(lot, address, app_id, won=str(app_id) in winner_apps, deadline=deadline)
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
        emails.deadline_reminder(b, what, deadline, dedupe)


def _unpaid_win(now) -> Q:
    """A confirmed lottery win with a fee whose 支払期限 is at or before ``now``: a candidate,
    unpaid unless its payment settled (``payments.unpaid``). A pending 減免 request holds the
    deadline: the resident is not at fault while the city decides."""
    return Q(status=Booking.Status.CONFIRMED, fee__gt=0, pay_deadline__lte=now) & ~Q(exemption=Booking.Exemption.REQUESTED)


def remind_unconfirmed(now=None, hours: int = 48) -> int:
    """Winners who have not confirmed, or not paid, get one reminder of each when its deadline
    is near."""
    now = _now(now)
    soon = now + dt.timedelta(hours=hours)
    won = Booking.objects.filter(status=Booking.Status.WON, confirm_deadline__gt=now, confirm_deadline__lte=soon)
    unpaid = payments.unpaid(Booking.objects.filter(_unpaid_win(soon), pay_deadline__gt=now).select_related("unit__facility", "user"))
    sent = 0
    for b in won.select_related("unit__facility", "user"):
        _remind(b, _("本予約"), b.confirm_deadline, "booking-confirm-reminder")
        sent += 1
    for b in unpaid:
        _remind(b, _("使用料の支払い"), b.pay_deadline, "booking-pay-reminder")
        sent += 1
    return sent


def release_unconfirmed(now=None) -> int:
    """Lottery wins not confirmed (本予約) by their deadline, or confirmed but not paid by their
    支払期限, go back to first-come; each resident is told which deadline passed. The payment is
    read from the payments app: a paid win is never released (an open payment is cancelled
    under its lock first, so a payment settling at that moment keeps the booking)."""
    now = _now(now)
    due = Q(status=Booking.Status.WON, confirm_deadline__lte=now) | _unpaid_win(now)
    released = 0
    for b in payments.unpaid(Booking.objects.filter(due).select_related("unit", "user")):
        with transaction.atomic():
            # Conditional: a confirmation recorded since the read keeps the booking.
            locked = Booking.objects.select_for_update().filter(due, pk=b.pk).first()
            if locked is None or not payments.release(locked):
                continue
            Booking.objects.filter(pk=b.pk).update(status=Booking.Status.RELEASED)
            from ..availability import bump  # the frame is free again: calendars change (issue #14)

            bump(b.unit.facility_id, b.municipality_id)
            emails.win_released(b, unconfirmed=b.status == Booking.Status.WON)
        released += 1
    return released
