"""Public pages of reservations (thin: rules live in services.py)."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.core.models import Municipality

from . import lottery as lottery_mod
from . import lottery_picker, services
from .forms import ConfirmForm, GroupForm, HoldForm, RegistrationForm, SearchForm, VisitForm, parse_month
from .models import (
    Booking,
    Counter,
    ExemptionRule,
    Facility,
    FrameDefinition,
    Group,
    Lottery,
    LotteryApplication,
    QueueTicket,
    Registration,
    Unit,
    Visit,
)
from .models.lotteries import month_label
from .services import BookingError
from .services import payments as booking_payments


def _municipality():
    m = Municipality.current()
    if m is None:
        raise Http404("自治体が設定されていません。")
    return m


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- facilities ----------------------------------------------------------------------------
def index(request):
    municipality = _municipality()
    facilities = Facility.objects.filter(municipality=municipality, is_public=True).prefetch_related("units")
    areas = sorted({a for a in facilities.values_list("area", flat=True) if a})
    frames = sorted({(f.start, f.label) for f in FrameDefinition.objects.filter(facility__in=facilities)})
    form = SearchForm(request.GET or None, areas=areas, frames=frames)
    results = None
    if request.GET and form.is_valid():
        d = form.cleaned_data
        frame_start = dt.time.fromisoformat(d["frame"]) if d.get("frame") else None
        results = services.search(municipality, purpose=d["purpose"], area=d["area"], kind=d["kind"], day=d["date"], frame_start=frame_start)
    lotteries = Lottery.objects.filter(facility__municipality=municipality).select_related("facility").order_by("-month")[:6]
    ctx = {"form": form, "facilities": facilities, "results": results, "lotteries": lotteries}
    if _is_htmx(request) and request.GET:
        return render(request, "reservations/_search_results.html", ctx)
    return render(request, "reservations/index.html", ctx)


def facility_detail(request, pk: int):
    facility = get_object_or_404(Facility.objects.prefetch_related("units__fees", "opening_hours", "frames"), pk=pk, is_public=True)
    today = timezone.localdate()
    closures = facility.closed_periods.filter(end__gte=today).order_by("start")[:10]
    lotteries = facility.lotteries.order_by("-month")[:3]
    return render(request, "reservations/facility.html", {"facility": facility, "closures": closures, "lotteries": lotteries})


def facility_photo(request, pk: int):
    """The uploaded photo of a public facility (stored outside the web root). Its URL carries
    the file's version, so browsers and proxies may keep it for a day."""
    facility = get_object_or_404(Facility.objects.exclude(photo=""), pk=pk, is_public=True)
    try:
        handle = facility.photo.open("rb")
    except FileNotFoundError:
        raise Http404("写真が見つかりません。") from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def unit_calendar(request, pk: int, year: int | None = None, month: int | None = None):
    unit = get_object_or_404(Unit.objects.select_related("facility"), pk=pk, is_active=True, facility__is_public=True)
    today = timezone.localdate()
    first = parse_month(year, month) if year else today.replace(day=1)
    if first is None:
        raise Http404("その月は表示できません。")
    days = services.availability(unit, first.year, first.month)
    prev_month = (first - dt.timedelta(days=1)).replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    groups = Group.objects.filter(owner=request.user, status=Group.Status.VERIFIED) if request.user.is_authenticated else []
    ctx = {"unit": unit, "facility": unit.facility, "first": first, "days": days, "prev": prev_month, "next": next_month, "groups": groups}
    # Months as every resident page writes them: 「令和9年（2027年）7月」.
    ctx.update(first_label=month_label(first), prev_label=month_label(prev_month), next_label=month_label(next_month))
    if _is_htmx(request):
        return render(request, "reservations/_calendar.html", ctx)
    return render(request, "reservations/calendar.html", ctx)


@login_required
@require_POST
def hold(request, pk: int):
    unit = get_object_or_404(Unit.objects.select_related("facility"), pk=pk)
    form = HoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, "時間枠を選び直してください。" + " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("reservations:calendar", pk=unit.pk)
    group = None
    if form.cleaned_data.get("group"):
        group = Group.objects.filter(pk=form.cleaned_data["group"], owner=request.user).first()
    if not Registration.objects.filter(user=request.user).exists():
        messages.warning(request, "施設を予約するには、先に利用者登録をしてください。")
        return redirect(f"{_url('reservations:register')}?next={_url('reservations:calendar', pk=unit.pk)}")
    day = form.cleaned_data["date"]
    try:
        booking = services.hold(request.user, services.HoldRequest(unit, day, form.cleaned_data["start"], group=group))
    except BookingError as e:
        messages.error(request, e.message)
        return redirect("reservations:calendar_month", pk=unit.pk, year=day.year, month=day.month)
    return redirect("reservations:confirm", code=booking.code)


def _url(name, **kwargs):
    from django.urls import reverse

    return reverse(name, kwargs=kwargs or None)


def _my_booking(request, code: str) -> Booking:
    return get_object_or_404(Booking.objects.select_related("unit__facility"), code=code, user=request.user)


def _back_to_calendar(request, booking: Booking, error: BookingError):
    """A hold that ran out: say so and send the resident to the unit's calendar for that month
    (わたしの予約 does not list expired holds, so sending them there would hide what happened)."""
    messages.error(request, error.message)
    return redirect("reservations:calendar_month", pk=booking.unit_id, year=booking.date.year, month=booking.date.month)


@login_required
def confirm(request, code: str):
    booking = _my_booking(request, code)
    if booking.status == Booking.Status.EXPIRED or (booking.status == Booking.Status.HELD and services.confirm_problem(booking)):
        return _back_to_calendar(request, booking, services.hold_expired_error())
    if booking.status not in (Booking.Status.HELD, Booking.Status.WON):
        return redirect("reservations:my")
    groups = list(Group.objects.filter(owner=request.user, status=Group.Status.VERIFIED))
    rules = list(ExemptionRule.objects.filter(municipality=booking.unit.facility.municipality_id, is_active=True))
    form = ConfirmForm(request.POST or None, initial={"purpose": booking.purpose}, groups=groups, rules=rules)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        group_id = data.pop("group", "")
        data["group"] = next((g for g in groups if str(g.pk) == group_id), None)
        try:
            services.confirm(booking, **data)
        except BookingError as e:
            if e.rule == "hold_expired":
                return _back_to_calendar(request, booking, e)
            form.add_error("attendees" if e.rule == "capacity" else None, e.message)
        else:
            messages.success(request, f"予約を受け付けました。予約番号は {booking.code} です。確認のメールを送りました。")
            return redirect("reservations:my")
    return render(request, "reservations/confirm.html", {"booking": booking, "form": form})


@login_required
def cancel(request, code: str):
    booking = _my_booking(request, code)
    fee = services.cancellation_fee(booking)
    if request.method == "POST":
        try:
            services.cancel(booking, request.user)
        except BookingError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "予約を取り消しました。")
        return redirect("reservations:my")
    refund = services.refund_amount(booking, fee)
    return render(request, "reservations/cancel.html", {"booking": booking, "fee": fee, "refund": refund})


@login_required
def booking_ics(request, code: str):
    booking = _my_booking(request, code)
    resp = HttpResponse(services.booking_ics(booking), content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="booking-{booking.code}.ics"'
    return resp


@login_required
def my(request):
    bookings = booking_payments.attach(
        Booking.objects.filter(user=request.user).exclude(status=Booking.Status.EXPIRED).select_related("unit__facility").order_by("-date", "-start")[:100]
    )
    visits = Visit.objects.filter(user=request.user).select_related("slot__counter").order_by("-slot__date", "-slot__start")[:50]
    applications = LotteryApplication.objects.filter(user=request.user).select_related("lottery__facility").prefetch_related("wishes__unit")
    groups = Group.objects.filter(owner=request.user)
    registration = Registration.objects.filter(user=request.user).first()
    return render(
        request,
        "reservations/my.html",
        {"bookings": bookings, "visits": visits, "applications": applications, "groups": groups, "registration": registration, "now": timezone.now()},
    )


@login_required
def register(request):
    instance = Registration.objects.filter(user=request.user).first()
    form = RegistrationForm(request.POST or None, instance=instance, initial={"phone": getattr(request.user, "phone", "")})
    if request.method == "POST" and form.is_valid():
        reg = form.save(commit=False)
        reg.user = request.user
        reg.municipality = _municipality()
        reg.save()
        messages.success(request, "利用者登録を保存しました。")
        nxt = request.GET.get("next", "")
        return redirect(nxt if nxt.startswith("/reservations/") else "reservations:my")
    return render(request, "reservations/register.html", {"form": form})


@login_required
def group_new(request):
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        group = form.save(commit=False)
        group.owner = request.user
        group.municipality = _municipality()
        group.save()
        messages.success(request, "団体登録を受け付けました。職員が確認してからメールでお知らせします。")
        return redirect("reservations:my")
    return render(request, "reservations/group_form.html", {"form": form})


# --- lottery -------------------------------------------------------------------------------
def lottery_detail(request, pk: int):
    lottery = get_object_or_404(Lottery.objects.select_related("facility"), pk=pk, facility__is_public=True)
    picker = None
    mine = None
    if lottery.status == Lottery.Status.OPEN:
        # Step by step (day → frame → next wish), kept in the session: no JavaScript needed.
        picker = lottery_picker.Picker(lottery, request.session, services.lottery_frames(lottery))
    if request.user.is_authenticated:
        mine = LotteryApplication.objects.filter(lottery=lottery, user=request.user).prefetch_related("wishes__unit").first()
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if picker is not None and action in ("add", "remove", "up"):
            return _pick(request, lottery, picker, action)
        if not request.user.is_authenticated:
            return redirect(f"{_url('accounts:login')}?next={request.path}") if _has_login() else redirect(request.path)
        if action == "withdraw":
            try:
                services.withdraw_lottery_application(lottery, request.user)
            except BookingError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, "抽選の申込を取り消しました。申込期間中は申し込み直せます。")
            return redirect("reservations:lottery", pk=lottery.pk)
        keys = [k for k in (request.POST.get(f"wish{i}", "") for i in range(1, lottery.max_wishes + 1)) if k]
        if not keys and picker is not None:
            keys = picker.keys  # the wishes chosen step by step
        try:
            if not keys:
                raise ValueError
            wishes = []
            for k in keys:
                unit_id, day, start = k.split("/")
                unit = lottery.facility.units.get(pk=int(unit_id))
                wishes.append((unit, dt.date.fromisoformat(day), dt.time.fromisoformat(start)))
            services.apply_lottery(lottery, request.user, wishes)
        except (ValueError, Unit.DoesNotExist):
            error = "希望の時間枠を一覧から選んでください。"
        except BookingError as e:
            error = e.message
        else:
            if picker is not None:
                picker.clear()
            messages.success(request, "抽選に申し込みました。結果は抽選日にメールでお知らせします。")
            return redirect("reservations:lottery", pk=lottery.pk)
    winners = lottery.result.get("winners", {}) if lottery.status == Lottery.Status.DRAWN else {}
    units = {u.pk: u.name for u in lottery.facility.units.all()} if winners else {}
    day = picker.parse_day(request.GET.get("day", "")) if picker else None
    return render(
        request,
        "reservations/lottery.html",
        {
            "lottery": lottery,
            "picker": picker,
            "wishes": picker.wishes if picker else [],
            "days": picker.days(day) if picker else [],
            "day": day,
            "day_label": lottery_picker.day_label(day) if day else "",
            "day_groups": picker.day_groups(day) if picker else [],
            "mine": mine,
            "error": error,
            "winners": sorted((lottery_picker.frame_label(key, units), app) for key, app in winners.items()),
            "mine_won": bool(mine and str(mine.pk) in winners.values()),
        },
        status=400 if error else 200,
    )


def _pick(request, lottery, picker, action):
    """One step of choosing wishes (add a frame, remove one, move one up); back to the page."""
    try:
        index = int(request.POST.get("index", ""))
    except ValueError:
        index = -1
    if action == "add":
        problem = picker.add(request.POST.get("frame", ""))
        if problem:
            messages.error(request, problem)
            day = request.POST.get("day", "")
            return redirect(
                f"{_url('reservations:lottery', pk=lottery.pk)}?day={day}#pick-h" if picker.parse_day(day) else _url("reservations:lottery", pk=lottery.pk)
            )
        messages.success(request, f"第{len(picker.keys)}希望に追加しました。")
    elif action == "remove":
        picker.remove(index)
        messages.success(request, "希望を外しました。")
    elif action == "up":
        picker.move_up(index)
    return redirect(f"{_url('reservations:lottery', pk=lottery.pk)}#wishes-h")


def _has_login() -> bool:
    try:
        _url("accounts:login")
        return True
    except Exception:
        return False


def lottery_inputs(request, pk: int):
    """The published inputs of a drawn lottery: enough for anyone to re-run ``draw``."""
    lottery = get_object_or_404(Lottery, pk=pk, status=Lottery.Status.DRAWN, facility__is_public=True)
    data = services.lottery_published_inputs(lottery)
    resp = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    resp["Content-Disposition"] = f'attachment; filename="lottery-{lottery.pk}-inputs.json"'
    return resp


def lottery_verify(request, pk: int):
    """Re-run the draw here from the published inputs, for anyone (検証)."""
    lottery = get_object_or_404(Lottery.objects.select_related("facility"), pk=pk, status=Lottery.Status.DRAWN, facility__is_public=True)
    checks = lottery_mod.verify(services.lottery_published_inputs(lottery))
    return render(request, "reservations/lottery_verify.html", {"lottery": lottery, "checks": checks, "passed": all(c[1] for c in checks)})


# --- counters and queue --------------------------------------------------------------------
def counters(request):
    items = Counter.objects.filter(municipality=_municipality(), is_public=True).select_related("section")
    return render(request, "reservations/counters.html", {"counters": items})


def counter_detail(request, slug: str):
    counter = get_object_or_404(Counter.objects.select_related("section", "municipality"), municipality=_municipality(), slug=slug, is_public=True)
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else today
    except ValueError:
        day = today
        messages.error(request, "日付は 2027-06-09 の形で指定してください。")
    day = min(max(day, today), today + dt.timedelta(days=counter.booking_window_days))
    days = services.counter_dates(counter)
    if not request.GET.get("date"):  # open on the first day the office is open
        day = next((d["date"] for d in days if not d["closed"]), day)
    # A link may fill in 手続き・相談の内容 (guide's 一回の来庁: the procedures and what to bring).
    prefill = request.GET.get("procedure", "")[:200]
    form = VisitForm(request.POST or None, initial={"procedure": prefill} if prefill else None)
    if not counter.allows_online:
        form.fields["mode"].choices = [c for c in form.fields["mode"].choices if c[0] == Visit.Mode.IN_PERSON]
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{_url('accounts:login')}?next={request.path}")
        if form.is_valid():
            try:
                visit = services.book_visit(
                    request.user, counter, day, form.cleaned_data["start"], mode=form.cleaned_data["mode"], procedure=form.cleaned_data["procedure"]
                )
            except BookingError as e:
                form.add_error("start", e.message)
            else:
                messages.success(request, f"予約しました。予約番号は {visit.code} です。QRコードをメールで送りました。")
                return redirect("reservations:my")
    week, closed_days = services.visits.counter_hours(counter)
    return render(
        request,
        "reservations/counter.html",
        {
            "counter": counter,
            "day": services.counter_day(counter, day),
            "form": form,
            "days": days,
            "selected": day,
            "week": week,  # 月〜金: 土日 are closed days
            "closed_days": closed_days,
            "prefill": prefill,  # kept when another day is picked
        },
    )


@login_required
def cancel_visit(request, code: str):
    visit = get_object_or_404(Visit.objects.select_related("slot__counter"), code=code, user=request.user)
    if request.method == "POST":
        try:
            services.cancel_visit(visit, request.user)
        except BookingError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "予約を取り消しました。")
        return redirect("reservations:my")
    return render(request, "reservations/cancel_visit.html", {"visit": visit})


@login_required
def visit_qr(request, code: str):
    visit = get_object_or_404(Visit, code=code, user=request.user)
    return HttpResponse(services.qr_png(visit.code), content_type="image/png")


def queue_board(request, slug: str):
    counter = get_object_or_404(Counter, municipality=_municipality(), slug=slug)
    ctx = services.queue_state(counter)
    if _is_htmx(request):
        return render(request, "reservations/_queue_board.html", ctx)
    return render(request, "reservations/queue_board.html", ctx)


def ticket(request, token: str):
    t = get_object_or_404(QueueTicket.objects.select_related("counter"), token=token)
    ctx = {"ticket": t, "position": services.ticket_position(t), "state": services.queue_state(t.counter)}
    if _is_htmx(request):
        return render(request, "reservations/_ticket_status.html", ctx)
    return render(request, "reservations/ticket.html", ctx)


def ticket_qr(request, token: str):
    """QR code of the ticket's own page, shown at the counter for the resident's phone."""
    t = get_object_or_404(QueueTicket, token=token)
    url = request.build_absolute_uri(_url("reservations:ticket", token=t.token))
    return HttpResponse(services.qr_png_for(url), content_type="image/png")


def json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
