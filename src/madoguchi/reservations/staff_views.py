"""Back office of reservations: staff see only their section's facilities and counters, and
every read of residents' personal data is written to the audit log."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.core import audit, permissions
from madoguchi.core.models import AuditLog
from madoguchi.core.staff import staff_required
from madoguchi.payments import services as pay

from . import services
from .forms import CheckInForm, ClosedPeriodForm, ExemptionForm, LotteryForm, MeetingUrlForm
from .models import Booking, Counter, Facility, Group, Lottery, QueueTicket, Visit
from .services import BookingError
from .services import payments as booking_payments


def _day(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


def _facilities(user):
    return permissions.scope(user, Facility.objects.all(), "section")


def _counters(user):
    return permissions.scope(user, Counter.objects.all(), "section")


@staff_required
def home(request):
    facilities = _facilities(request.user).order_by("name")
    counters = _counters(request.user).order_by("name")
    pending = Group.objects.filter(status=Group.Status.PENDING).count() if facilities.exists() else 0
    lotteries = Lottery.objects.filter(facility__in=facilities).select_related("facility").order_by("-month")[:10]
    # Lottery wins still owing their fee, soonest deadline first: who may come to the counter to pay.
    unpaid = booking_payments.unpaid(
        Booking.objects.filter(unit__facility__in=facilities, status__in=["won", "confirmed"], fee__gt=0, pay_deadline__isnull=False)
        .select_related("unit__facility", "user")
        .order_by("pay_deadline")[:200]
    )[:50]
    _audit_shown(request, unpaid, "unpaid_lottery_wins")
    # Cancelled bookings with a 取消料 not yet received or a 返金 not yet handed back (as the
    # payments app answers).
    owing = pay.owing_target_ids(Booking, booking_payments.CANCELLATION) | pay.refund_due_target_ids(Booking)
    settlements = booking_payments.attach(
        Booking.objects.filter(unit__facility__in=facilities, status=Booking.Status.CANCELLED, pk__in=owing)
        .select_related("unit__facility", "user")
        .order_by("date", "start")[:50]
    )
    _audit_shown(request, settlements, "cancellation_settlements")
    context = {"facilities": facilities, "counters": counters, "pending_groups": pending, "lotteries": lotteries, "unpaid": unpaid, "settlements": settlements}
    return render(request, "reservations/staff/home.html", context)


def _audit_shown(request, bookings: list[Booking], list_name: str) -> None:
    """A list of residents' bookings on the staff home is a read of their data: one audit entry
    per facility, naming the bookings shown."""
    for facility_id in {b.unit.facility_id for b in bookings}:
        shown = [b for b in bookings if b.unit.facility_id == facility_id]
        audit.record(AuditLog.Action.VIEW, shown[0].unit.facility, request=request, detail={"bookings": [b.pk for b in shown], "list": list_name})


def _record_settlement(request, booking: Booking, action: str) -> None:
    """取消料の収納 / 返金済み, recorded once (a second click only says so) and audited."""
    try:
        if action == "refunded":
            recorded = services.mark_refunded(booking, staff=request.user)
        else:
            recorded = services.mark_cancellation_fee_paid(booking, staff=request.user)
    except BookingError as e:
        messages.error(request, e.message)
        return
    if action == "refunded":
        what = f"返金 {booking.refund_amount:,}円"
        detail = {"refund": booking.refund_amount, "refunded_at": booking.refunded_at.isoformat()}
    else:
        what = f"取消料 {booking.cancellation_fee:,}円の収納"
        detail = {"cancellation_fee": booking.cancellation_fee, "cancellation_fee_paid_at": booking.cancellation_fee_paid_at.isoformat()}
    if recorded:
        audit.record(AuditLog.Action.UPDATE, booking, request=request, detail=detail)
        messages.success(request, f"予約番号 {booking.code} の{what}を記録しました。")
    else:
        messages.info(request, f"予約番号 {booking.code} の{what}は記録済みです。")


@staff_required
def facility_day(request, pk: int):
    facility = get_object_or_404(_facilities(request.user), pk=pk)
    day = _day(request)
    bookings = booking_payments.attach(
        Booking.objects.filter(unit__facility=facility, date=day, status__in=["confirmed", "won", "held", "cancelled"])
        .select_related("unit", "user", "group")
        .order_by("unit", "start")
    )
    if bookings:
        audit.record(AuditLog.Action.VIEW, facility, request=request, detail={"bookings": [b.pk for b in bookings], "date": day.isoformat()})
    # Only a POST binds a form: on a GET request.POST is an empty (not None) QueryDict, and a
    # form bound to it showed 「入力してください」 on every field when the page first opened.
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "closure")
    form = ClosedPeriodForm(posted if action == "closure" else None, facility=facility)
    lottery_form = LotteryForm(posted if action == "lottery" else None, facility=facility)
    if request.method == "POST" and action == "paid":
        permissions.require(request.user, "change", facility)
        booking = get_object_or_404(Booking, pk=request.POST.get("booking") or 0, unit__facility=facility)
        try:
            services.mark_paid(booking, staff=request.user)
        except BookingError as e:
            messages.error(request, e.message)
        else:
            audit.record(AuditLog.Action.UPDATE, booking, request=request, detail={"payment": "paid"})
            messages.success(request, f"予約番号 {booking.code} の使用料を受領しました。")
        return redirect(f"{request.path}?date={day.isoformat()}")
    if request.method == "POST" and action in ("cancellation_fee_paid", "refunded"):
        permissions.require(request.user, "change", facility)
        booking = get_object_or_404(Booking, pk=request.POST.get("booking") or 0, unit__facility=facility)
        _record_settlement(request, booking, action)
        return redirect(f"{request.path}?date={day.isoformat()}")
    if request.method == "POST" and action == "lottery":
        permissions.require(request.user, "change", facility)
        if lottery_form.is_valid():
            d = lottery_form.cleaned_data
            lot = Lottery.objects.create(
                facility=facility,
                month=d["month"],
                opens_at=d["opens_at"],
                closes_at=d["closes_at"],
                draw_at=d["draw_at"],
                max_wishes=d["max_wishes"],
                max_wins=d["max_wins"],
            )
            audit.record(AuditLog.Action.CREATE, lot, request=request, detail={"month": d["month"].isoformat(), "seed_commitment": lot.seed_commitment})
            messages.success(request, f"{d['month'].year}年{d['month'].month}月の抽選を設定しました。シードのハッシュを公開しました。")
            return redirect(f"{request.path}?date={day.isoformat()}")
    elif request.method == "POST":
        permissions.require(request.user, "change", facility)
        if form.is_valid():
            period = form.save(commit=False)
            period.facility = facility
            overlapping, cancelled = services.close_period(period, request.user, cancel_bookings=form.cleaned_data["cancel_bookings"])
            audit.record(
                AuditLog.Action.CREATE,
                facility,
                request=request,
                detail={"closed_period": [str(period.start), str(period.end), period.reason], "unit": period.unit_id, "cancelled": cancelled},
            )
            messages.success(request, "休館期間を登録しました。")
            if cancelled:
                messages.info(request, f"重なっていた予約{cancelled}件を取り消し、利用者にメールで知らせました。")
            elif overlapping:
                messages.warning(request, f"この期間に予約が{overlapping}件あります。利用者に連絡するか、取消にチェックして登録し直してください。")
            return redirect(f"{request.path}?date={day.isoformat()}")
    closures = facility.closed_periods.filter(end__gte=timezone.localdate()).select_related("unit").order_by("start")[:20]
    exemptions = Booking.objects.filter(unit__facility=facility, exemption=Booking.Exemption.REQUESTED, status__in=["confirmed", "won"]).select_related(
        "unit", "user", "exemption_rule"
    )[:50]
    return render(
        request,
        "reservations/staff/facility_day.html",
        {
            "facility": facility,
            "day": day,
            "bookings": bookings,
            "form": form,
            "exemptions": exemptions,
            "closures": closures,
            "lottery_form": lottery_form,
            "lotteries": facility.lotteries.order_by("-month")[:6],
            "exemption_form": ExemptionForm(),
            "prev": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
        },
    )


@staff_required
@require_POST
def decide_exemption(request, pk: int):
    booking = get_object_or_404(Booking.objects.select_related("unit__facility"), pk=pk)
    back = reverse("reservations:staff_facility", args=[booking.unit.facility_id]) + f"?date={booking.date.isoformat()}"
    if not permissions.can(request.user, "approve", booking):
        return permissions.refuse(request, "減免の判断は承認者以上の職員が行います。課の承認者に依頼してください。", back)
    form = ExemptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "減免の判断（承認・不承認）と、承認する場合は減免率（1〜100）を入力してください。")
    else:
        try:
            services.decide_exemption(booking, form.cleaned_data["decision"] == "approve", form.cleaned_data.get("percent"), form.cleaned_data.get("note", ""))
        except BookingError as e:
            messages.error(request, e.message)
        else:
            audit.record(AuditLog.Action.APPROVE, booking, request=request, detail={"exemption": booking.exemption, "percent": booking.exemption_percent})
            messages.success(request, f"減免を「{booking.get_exemption_display()}」にしました。")
    return redirect(reverse("reservations:staff_facility", args=[booking.unit.facility_id]) + f"?date={booking.date.isoformat()}")


@staff_required
def groups(request):
    if not _facilities(request.user).exists():
        raise PermissionDenied("施設を所管する課の職員だけが団体登録を確認できます。")
    if request.method == "POST":
        group = get_object_or_404(Group, pk=request.POST.get("group") or 0)
        approve = request.POST.get("decision") == "approve"
        services.verify_group(group, request.user, approve, request.POST.get("note", "")[:200])
        audit.record(AuditLog.Action.APPROVE, group, request=request, detail={"status": group.status})
        messages.success(request, f"{group.name}: {group.get_status_display()}")
        return redirect("reservations:staff_groups")
    items = list(Group.objects.select_related("owner").order_by("status", "-created_at")[:100])
    if items:
        audit.record(AuditLog.Action.VIEW, None, request=request, target_label="登録団体一覧", detail={"groups": [g.pk for g in items]})
    return render(request, "reservations/staff/groups.html", {"groups": items})


@staff_required
def counter_day(request, pk: int):
    counter = get_object_or_404(_counters(request.user), pk=pk)
    day = _day(request)
    visits = list(Visit.objects.filter(slot__counter=counter, slot__date=day).select_related("slot", "user").order_by("slot__start", "id"))
    if visits:
        audit.record(AuditLog.Action.VIEW, counter, request=request, detail={"visits": [v.pk for v in visits], "date": day.isoformat()})
    checkin_form = CheckInForm(request.POST if request.POST.get("action") == "checkin" else None)
    if request.method == "POST":
        permissions.require(request.user, "change", counter)
        action = request.POST.get("action")
        try:
            if action == "checkin" and checkin_form.is_valid():
                v = services.check_in(counter, checkin_form.cleaned_data["code"])
                audit.record(AuditLog.Action.UPDATE, v, request=request, detail={"checked_in": True})
                messages.success(request, f"{v.user} さん（{v.slot.start:%H:%M}）を受け付けました。整理券 {v.ticket.number} 番。")
                # Show the ticket's QR/link, as for a walk-in, so the visitor can follow the queue.
                return redirect(f"{request.path}?date={day.isoformat()}&issued={v.ticket.pk}")
            if action == "issue":
                t = services.issue_ticket(counter)
                return redirect(f"{request.path}?date={day.isoformat()}&issued={t.pk}")
            if action == "call":
                t = services.call_next(counter, (request.POST.get("window") or "1")[:10])
                messages.success(request, f"{t.number} 番を呼び出しました。" if t else "お待ちの方はいません。")
                return redirect(f"{request.path}?date={day.isoformat()}")
            if action == "no_show":
                v = get_object_or_404(Visit, pk=request.POST.get("visit") or 0, slot__counter=counter)
                services.mark_no_show(v)
                audit.record(AuditLog.Action.UPDATE, v, request=request, detail={"status": Visit.Status.NO_SHOW})
                messages.success(request, f"予約番号 {v.code}（{v.slot.start:%H:%M}）を「来庁なし」にしました。")
                return redirect(f"{request.path}?date={day.isoformat()}")
            if action == "meeting":
                v = get_object_or_404(Visit, pk=request.POST.get("visit") or 0, slot__counter=counter)
                mform = MeetingUrlForm(request.POST)
                if mform.is_valid():
                    services.set_meeting_url(v, mform.cleaned_data["meeting_url"])
                    audit.record(AuditLog.Action.UPDATE, v, request=request, detail={"meeting_url": True})
                    messages.success(request, "会議のURLを設定し、相談者にメールで知らせました。")
                else:
                    messages.error(request, "会議のURLは https:// から始まるURLを入力してください。")
                return redirect(f"{request.path}?date={day.isoformat()}")
        except BookingError as e:
            checkin_form.add_error("code" if action == "checkin" else None, e.message)
    tickets = QueueTicket.objects.filter(counter=counter, date=day).order_by("due_at", "number")
    issued_id = request.GET.get("issued", "")
    issued = QueueTicket.objects.filter(counter=counter, pk=issued_id).first() if issued_id.isascii() and issued_id.isdigit() else None
    return render(
        request,
        "reservations/staff/counter_day.html",
        {
            "counter": counter,
            "day": day,
            "visits": visits,
            "form": checkin_form,
            "tickets": tickets,
            "state": services.queue_state(counter),
            "issued": issued,
            "now": timezone.now(),
        },
    )


@staff_required
@require_POST
def draw_lottery(request, pk: int):
    lottery = get_object_or_404(Lottery.objects.select_related("facility"), pk=pk)
    if not permissions.can(request.user, "manage", lottery):
        return permissions.refuse(
            request,
            "抽選の実行は施設を所管する課の管理者が行います。抽選日時になると自動で抽選されます。急ぐときは課の管理者に依頼してください。",
            "reservations:staff_home",
        )
    if timezone.now() < lottery.closes_at:
        messages.error(request, "申込期間が終わるまで抽選はできません。")
    else:
        services.run_lottery(lottery)
        audit.record(AuditLog.Action.UPDATE, lottery, request=request, detail={"drawn": True})
        messages.success(request, "抽選しました。")
    return redirect("reservations:staff_home")
