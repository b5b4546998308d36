"""Reservations API (/api/reservations): facilities, units, availability, the signed-in user's
bookings, counters, and staff endpoints. Refusals answer 4xx with the rule and a Japanese
message, never 5xx."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.security import django_auth
from pydantic import Field

from madoguchi.core import audit, permissions, tenancy
from madoguchi.core.api_auth import is_staff_verified
from madoguchi.core.cachecontrol import no_personal_data
from madoguchi.core.models import AuditLog, Municipality

from . import availability, queries, services
from .models import Booking, Counter, Facility, Fee, Lottery, Unit, Visit
from .services import BookingError
from .services import payments as booking_payments

router = Router(tags=["reservations"])

ID = Path(..., ge=1, le=2_147_483_647)
CODE = Path(..., min_length=1, max_length=12, pattern=r"^[A-Za-z0-9]+$")


class ErrorOut(Schema):
    rule: str
    detail: str


class FeeOut(Schema):
    category: str
    amount: int


class UnitOut(Schema):
    id: int
    name: str
    capacity: int
    frame_mode: str
    equipment: str
    fees: list[FeeOut]


class FacilityOut(Schema):
    id: int
    code: str
    name: str
    name_kana: str
    kind: str
    area: str
    purposes: list[str]
    postal_code: str
    address: str
    latitude: float | None
    longitude: float | None
    phone: str
    url: str
    accessibility: str
    photo_url: str = Field("", description="施設の写真（アップロードされたもの、なければ市のサイトの写真のURL）")
    photo_alt: str = Field("", description="写真の説明（代替テキスト）")
    opening_hours: dict[str, str]
    units: list[UnitOut]


class FrameOut(Schema):
    start: str
    end: str
    label: str
    state: str = Field(description="free / taken / lottery / past / window")


class DayOut(Schema):
    date: dt.date
    closed: str | None
    frames: list[FrameOut]


class BookingIn(Schema):
    unit_id: int = Field(ge=1, le=2_147_483_647)
    date: dt.date
    start: dt.time
    purpose: str = Field("", max_length=100)
    attendees: int | None = Field(None, ge=1, le=10000)


class BookingOut(Schema):
    code: str
    unit_id: int
    unit: str
    date: dt.date
    start: str
    end: str
    status: str
    fee: int
    payment: str
    pay_deadline: dt.datetime | None = Field(None, description="支払期限（抽選当選で使用料のある枠のみ。過ぎると取り消し）")
    cancellation_fee: int
    cancellation_fee_paid_at: dt.datetime | None = Field(None, description="取消料の収納日時（未収なら null）")
    refund_amount: int = Field(0, description="返金額（支払い済みの予約を取り消したとき: 使用料 − 取消料）")
    refunded_at: dt.datetime | None = Field(None, description="返金日時（未返金なら null）")


class SlotOut(Schema):
    start: str
    end: str
    remaining: int


class CounterOut(Schema):
    slug: str
    name: str
    kind: str
    section: str
    procedures: str
    location: str
    slot_minutes: int


class StaffBookingOut(BookingOut):
    user_name: str
    user_email: str
    purpose: str
    attendees: int | None


def _err(e: BookingError) -> tuple[int, dict]:
    status = 409 if e.rule in ("taken", "full", "limit_day", "limit_month", "lottery_duplicate") else 400
    return status, {"rule": e.rule, "detail": e.message}


def _facility_out(f: Facility) -> dict:
    return dict(
        id=f.pk,
        code=f.code,
        name=f.name,
        name_kana=f.name_kana,
        kind=f.kind,
        area=f.area,
        purposes=f.purpose_list,
        postal_code=f.postal_code,
        address=f.address,
        latitude=float(f.latitude) if f.latitude is not None else None,
        longitude=float(f.longitude) if f.longitude is not None else None,
        phone=f.phone,
        url=f.url,
        accessibility=f.accessibility,
        photo_url=f"{reverse('reservations:facility_photo', args=[f.pk])}?v={f.photo_version}" if f.photo else f.photo_url,
        photo_alt=f.photo_alt,
        opening_hours={str(h.weekday): f"{h.opens:%H:%M}-{h.closes:%H:%M}" for h in f.opening_hours.all()},
        units=[
            dict(
                id=u.pk,
                name=u.name,
                capacity=u.capacity,
                frame_mode=u.frame_mode,
                equipment=u.equipment,
                fees=[{"category": x.category, "amount": x.amount} for x in u.fees.all()],
            )
            for u in f.units.all()
            if u.is_active
        ],
    )


def _facilities():
    m = Municipality.current()
    return Facility.objects.filter(municipality=m, is_public=True).prefetch_related(
        "opening_hours", Prefetch("units", queryset=Unit.objects.prefetch_related(Prefetch("fees", queryset=Fee.objects.order_by("category"))))
    )


def _booking_out(b: Booking) -> dict:
    return dict(
        code=b.code,
        unit_id=b.unit_id,
        unit=str(b.unit),
        date=b.date,
        start=f"{b.start:%H:%M}",
        end=f"{b.end:%H:%M}",
        status=b.status,
        fee=b.fee,
        payment=b.payment,
        pay_deadline=b.pay_deadline,
        cancellation_fee=b.cancellation_fee,
        cancellation_fee_paid_at=b.cancellation_fee_paid_at,
        refund_amount=b.refund_amount,
        refunded_at=b.refunded_at,
    )


@router.get("/facilities", response=list[FacilityOut], summary="施設の一覧（公共施設一覧の項目を含む）")
@decorate_view(no_personal_data)  # the same for everyone: caches may keep it
def list_facilities(request, purpose: str = Query("", max_length=50), area: str = Query("", max_length=50)):
    qs = _facilities()
    if purpose:
        qs = qs.filter(purposes__icontains=purpose)
    if area:
        qs = qs.filter(area=area)
    return [_facility_out(f) for f in qs]


@router.get("/facilities/{facility_id}", response={200: FacilityOut, 404: ErrorOut}, summary="施設")
@decorate_view(no_personal_data)  # the same for everyone: caches may keep it
def get_facility(request, facility_id: int = ID):
    f = _facilities().filter(pk=facility_id).first()
    if f is None:
        return 404, {"rule": "not_found", "detail": "施設が見つかりません。"}
    return _facility_out(f)


@router.get("/units/{unit_id}/availability", response={200: list[DayOut], 304: None, 404: ErrorOut}, summary="部屋・コートの月ごとの空き状況")
@decorate_view(no_personal_data)  # the same for everyone: caches may keep it
def unit_availability(request, unit_id: int = ID, year: int = Query(..., ge=2000, le=2100), month: int = Query(..., ge=1, le=12)):
    """The month from the cache kept per calendar version (``reservations.availability``): one
    small query and one cache get when nothing changed. Answers ``If-None-Match`` with 304 and
    lets a reverse proxy keep it for ``RESERVATIONS_CALENDAR_MAX_AGE`` seconds (browsers revalidate)."""
    city = tenancy.current_id()
    found = None if city is None else availability.unit_version(unit_id, city)
    cal = None if found is None else availability.month(unit_id, year, month, municipality_id=city, version=found[1], api_only=True)
    if cal is None:
        return 404, {"rule": "not_found", "detail": "部屋・コートが見つかりません。"}
    return availability.response(request, cal)


class UnitMonthOut(Schema):
    unit_id: int
    unit: str
    days: list[DayOut]


@router.get(
    "/facilities/{facility_id}/availability", response={200: list[UnitMonthOut], 304: None, 404: ErrorOut}, summary="施設の全部屋・コートの月ごとの空き状況"
)
@decorate_view(no_personal_data)  # the same for everyone: caches may keep it
def facility_availability(request, facility_id: int = ID, year: int = Query(..., ge=2000, le=2100), month: int = Query(..., ge=1, le=12)):
    """Every unit's month, each from the same cache as the unit's own calendar."""
    city = tenancy.current_id()
    cal = None if city is None else availability.facility_month(facility_id, year, month, municipality_id=city)
    if cal is None:
        return 404, {"rule": "not_found", "detail": "施設が見つかりません。施設の一覧から選び直してください。"}
    return availability.response(request, cal)


class LotteryOut(Schema):
    id: int
    facility_id: int
    month: str = Field(description="YYYY-MM")
    status: str = Field(description="open / drawn")
    opens_at: dt.datetime
    closes_at: dt.datetime
    draw_at: dt.datetime
    max_wishes: int
    max_wins: int
    seed_commitment: str = Field(description="SHA-256 of the secret seed, published before the draw")
    draw_seed: str = Field(description="the seed the draw used (after the draw)")
    verify_url: str


@router.get("/lotteries", response=list[LotteryOut], summary="抽選の一覧（事前公開するシードのハッシュを含む）")
def list_lotteries(request):
    lots = Lottery.objects.filter(facility__municipality=Municipality.current(), facility__is_public=True).order_by("-month")[:100]
    return [_lottery_out(lot) for lot in lots]


@router.get("/lotteries/{lottery_id}/inputs", response={200: dict, 404: ErrorOut}, summary="抽選の入力と結果（だれでも再抽選して検証できる）")
def lottery_inputs(request, lottery_id: int = ID):
    lot = Lottery.objects.select_related("facility").filter(pk=lottery_id, status=Lottery.Status.DRAWN, facility__is_public=True).first()
    if lot is None:
        return 404, {"rule": "not_found", "detail": "抽選済みの抽選が見つかりません（結果は抽選後に公開します）。"}
    return services.lottery_published_inputs(lot)


def _lottery_out(lot: Lottery) -> dict:
    return dict(
        id=lot.pk,
        facility_id=lot.facility_id,
        month=lot.month.strftime("%Y-%m"),
        status=lot.status,
        opens_at=lot.opens_at,
        closes_at=lot.closes_at,
        draw_at=lot.draw_at,
        max_wishes=lot.max_wishes,
        max_wins=lot.max_wins,
        seed_commitment=lot.seed_commitment,
        draw_seed=lot.draw_seed,
        verify_url=reverse("reservations:lottery_verify", args=[lot.pk]),
    )


@router.get("/bookings", response=list[BookingOut], auth=django_auth, summary="わたしの予約")
def my_bookings(request):
    qs = Booking.objects.filter(user=request.user).exclude(status=Booking.Status.EXPIRED).select_related("unit__facility").order_by("-date", "-start")[:200]
    return [_booking_out(b) for b in booking_payments.attach(qs)]


@router.post("/bookings", response={201: BookingOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=django_auth, summary="先着順で予約する")
def create_booking(request, data: BookingIn):
    # The opening rush's hot path: the unit, its facility and the day in one round trip.
    now = timezone.now()
    found = queries.unit_day(data.unit_id, data.date, data.start, now)
    if found is None:
        return 404, {"rule": "not_found", "detail": "部屋・コートが見つかりません。"}
    unit = found[0]
    if data.attendees and unit.capacity and data.attendees > unit.capacity:
        return 400, {"rule": "capacity", "detail": f"利用人数が定員（{unit.capacity}人）を超えています。"}
    wanted = services.HoldRequest(unit, data.date, data.start, purpose=data.purpose, attendees=data.attendees, unit_day=found)
    try:
        b = services.book(request.user, wanted, now=now)
    except BookingError as e:
        return _err(e)
    return 201, _booking_out(b)


@router.post("/bookings/{code}/cancel", response={200: BookingOut, 400: ErrorOut, 404: ErrorOut}, auth=django_auth, summary="予約を取り消す")
def cancel_booking(request, code: str = CODE):
    b = Booking.objects.select_related("unit__facility").filter(code=code.upper(), user=request.user).first()
    if b is None:
        return 404, {"rule": "not_found", "detail": "予約が見つかりません。"}
    try:
        b = services.cancel(b, request.user)
    except BookingError as e:
        return 400, {"rule": e.rule, "detail": e.message}
    return _booking_out(b)


@router.get("/counters", response=list[CounterOut], summary="来庁・相談予約の窓口")
def list_counters(request):
    qs = Counter.objects.filter(municipality=Municipality.current(), is_public=True).select_related("section")
    return [
        dict(slug=c.slug, name=c.name, kind=c.kind, section=c.section.name, procedures=c.procedures, location=c.location, slot_minutes=c.slot_minutes)
        for c in qs
    ]


@router.get("/counters/{slug}/slots", response={200: list[SlotOut], 404: ErrorOut}, summary="窓口の予約枠（残り）")
def counter_slots(request, slug: str = Path(..., max_length=40, pattern=r"^[-a-zA-Z0-9_]+$"), date: dt.date = Query(...)):
    c = Counter.objects.filter(municipality=Municipality.current(), slug=slug, is_public=True).first()
    if c is None:
        return 404, {"rule": "not_found", "detail": "窓口が見つかりません。"}
    day = services.counter_day(c, date)
    return [dict(start=f"{s['start']:%H:%M}", end=f"{s['end']:%H:%M}", remaining=s["remaining"]) for s in day["slots"]]


def _staff_ok(request) -> bool:
    return is_staff_verified(request.user)


@router.get(
    "/staff/facilities/{facility_id}/bookings",
    response={200: list[StaffBookingOut], 403: ErrorOut, 404: ErrorOut},
    auth=django_auth,
    summary="（職員）施設のある日の予約",
)
def staff_bookings(request, facility_id: int = ID, date: dt.date = Query(...)):
    if not _staff_ok(request):
        return 403, {"rule": "staff", "detail": "職員（二要素認証済み）だけが使えます。"}
    f = permissions.scope(request.user, Facility.objects.all(), "section").filter(pk=facility_id).first()
    if f is None:
        return 404, {"rule": "not_found", "detail": "担当する施設に見つかりません。"}
    qs = booking_payments.attach(
        Booking.objects.filter(unit__facility=f, date=date).exclude(status=Booking.Status.EXPIRED).select_related("unit__facility", "user")
    )
    if qs:
        audit.record(AuditLog.Action.VIEW, f, request=request, detail={"bookings": [b.pk for b in qs], "via": "api"})
    return [
        dict(_booking_out(b), user_name=getattr(b.user, "full_name", "") or "", user_email=b.user.email, purpose=b.purpose, attendees=b.attendees) for b in qs
    ]


@router.get(
    "/staff/counters/{counter_id}/visits", response={200: list[dict], 403: ErrorOut, 404: ErrorOut}, auth=django_auth, summary="（職員）窓口のある日の予約"
)
def staff_visits(request, counter_id: int = ID, date: dt.date = Query(...)):
    if not _staff_ok(request):
        return 403, {"rule": "staff", "detail": "職員（二要素認証済み）だけが使えます。"}
    c = permissions.scope(request.user, Counter.objects.all(), "section").filter(pk=counter_id).first()
    if c is None:
        return 404, {"rule": "not_found", "detail": "担当する窓口に見つかりません。"}
    qs = list(Visit.objects.filter(slot__counter=c, slot__date=date).select_related("slot", "user"))
    if qs:
        audit.record(AuditLog.Action.VIEW, c, request=request, detail={"visits": [v.pk for v in qs], "via": "api"})
    return [
        {"code": v.code, "start": f"{v.slot.start:%H:%M}", "status": v.status, "mode": v.mode, "user_email": v.user.email, "procedure": v.procedure} for v in qs
    ]
