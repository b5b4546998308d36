"""Demo facilities and counters of the fictional みどり野市 (all names and places invented)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from madoguchi.core import calendar as office_calendar
from madoguchi.core.models import Section

from .models import (
    Booking,
    ClosedPeriod,
    Counter,
    CounterSlot,
    ExemptionRule,
    Facility,
    Fee,
    FrameDefinition,
    Group,
    Lottery,
    OpeningHours,
    Registration,
    Unit,
    UserCategory,
    Visit,
)

FIXED = [("午前", 9, 12), ("午後", 13, 17), ("夜間", 18, 21)]

# code, name, kana, kind, area, address, lat, lon, purposes, closed weekday, holidays closed, units
FACILITIES = [
    (
        "MD-F001", "みどり野市中央公民館", "ミドリノシチュウオウコウミンカン", Facility.Kind.COMMUNITY, "中央", "東京都みどり野市中央一丁目2番3号（架空）",
        "35.785000", "139.275000", "会議;講演会;ダンス;音楽;調理;趣味の教室", 0, False,
        [("大ホール", 200, "fixed", "舞台・音響設備・ピアノ", (6000, 4000, 12000)), ("第1会議室", 30, "fixed", "プロジェクター", (1200, 800, 2400)),
         ("第2会議室", 18, "fixed", "", (900, 600, 1800)), ("調理室", 24, "fixed", "調理台6台", (1500, 1000, 3000))],
    ),
    (
        "MD-F002", "みどり野市総合体育館", "ミドリノシソウゴウタイイクカン", Facility.Kind.GYM, "東", "東京都みどり野市東町五丁目1番（架空）",
        "35.790100", "139.290300", "バスケットボール;バレーボール;バドミントン;卓球;ダンス", 1, False,
        [("メインアリーナ（全面）", 300, "fixed", "", (8000, 6000, 16000)), ("サブアリーナ", 80, "hourly", "", (800, 600, 1600))],
    ),
    (
        "MD-F003", "みどり野市北公園テニスコート", "ミドリノシキタコウエンテニスコート", Facility.Kind.TENNIS, "北", "東京都みどり野市北が丘二丁目（架空）",
        "35.801200", "139.270800", "テニス;ソフトテニス", None, False,
        [("Aコート", 8, "hourly", "砂入り人工芝・夜間照明", (600, 500, 1200)), ("Bコート", 8, "hourly", "砂入り人工芝", (600, 500, 1200))],
    ),
    (
        "MD-F004", "みどり野市西コミュニティセンター", "ミドリノシニシコミュニティセンター", Facility.Kind.MEETING, "西", "東京都みどり野市西原三丁目4番（架空）",
        "35.781500", "139.258400", "会議;自治会;勉強会;囲碁・将棋", 0, True,
        [("和室", 20, "fixed", "座卓", (700, 500, 1400)), ("多目的室", 40, "fixed", "鏡張り", (1100, 800, 2200))],
    ),
]  # fmt: skip

COUNTERS = [
    (
        "tennyu-tenshutsu",
        "市民課 転入・転出",
        "市民課",
        Counter.Kind.VISIT,
        "転入届;転出届;転居届;マイナンバーカードの住所変更",
        "本庁舎1階 2番窓口",
        20,
        3,
        False,
    ),
    ("shomeisho", "市民税課 証明書", "市民税課", Counter.Kind.VISIT, "課税証明書;非課税証明書;納税証明書", "本庁舎2階 5番窓口", 15, 2, False),
    (
        "kosodate-soudan",
        "子育て相談",
        "子育て支援課",
        Counter.Kind.CONSULTATION,
        "子育て・保育園・発達の相談（来庁またはオンライン）",
        "本庁舎2階 相談室",
        60,
        1,
        True,
    ),
]


# name, percent, documents (the city's 減免基準; invented for the demo)
EXEMPTION_RULES = [
    ("障害者手帳をお持ちの方やその団体の活動", 100, "障害者手帳・療育手帳・精神障害者保健福祉手帳"),
    ("市内の子ども会・高齢者クラブ・自治会の活動", 50, "団体の規約と会員名簿"),
    ("市・市教育委員会との共催事業", 100, "共催承認書"),
]


def load(municipality) -> None:
    sports = Section.objects.get(municipality=municipality, name="生涯学習スポーツ課")
    for code, name, kana, kind, area, address, lat, lon, purposes, closed_wd, holidays, units in FACILITIES:
        facility, _ = Facility.objects.update_or_create(
            municipality=municipality,
            code=code,
            defaults=dict(
                section=sports, name=name, name_kana=kana, kind=kind, area=area, address=address, latitude=lat, longitude=lon, purposes=purposes,
                postal_code="190-0000", phone="0428-00-1000", closes_on_holidays=holidays,
                accessibility="車いす用トイレ;スロープ;エレベーター" if kind != Facility.Kind.TENNIS else "車いす用トイレ",
                description=f"{name}は、みどり野市の公共施設です（架空のデモ）。", hours_note="年末年始は休館",
            ),
        )  # fmt: skip
        for wd in range(7):
            if wd == closed_wd:
                continue
            OpeningHours.objects.update_or_create(facility=facility, weekday=wd, defaults={"opens": dt.time(9), "closes": dt.time(21)})
        for label, s, e in FIXED:
            FrameDefinition.objects.update_or_create(facility=facility, start=dt.time(s), defaults={"label": label, "end": dt.time(e)})
        for order, (uname, cap, mode, equipment, fees) in enumerate(units):
            unit, _ = Unit.objects.update_or_create(
                facility=facility, name=uname, defaults={"capacity": cap, "frame_mode": mode, "equipment": equipment, "order": order}
            )
            for category, amount in zip([UserCategory.RESIDENT, UserCategory.RESIDENT_GROUP, UserCategory.NON_RESIDENT], fees, strict=True):
                Fee.objects.update_or_create(unit=unit, category=category, defaults={"amount": amount})
    # A lottery for the gym two months ahead, accepting applications now.
    gym = Facility.objects.get(municipality=municipality, code="MD-F002")
    today = timezone.localdate()
    month = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    now = timezone.now()
    if not Lottery.objects.filter(facility=gym, month=month).exists():
        Lottery.objects.create(
            facility=gym, month=month, opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=9), draw_at=now + dt.timedelta(days=10)
        )
    for slug, name, section_name, kind, procedures, location, minutes, capacity, online in COUNTERS:
        section = Section.objects.get(municipality=municipality, name=section_name)
        Counter.objects.update_or_create(
            municipality=municipality,
            slug=slug,
            defaults=dict(
                section=section, name=name, kind=kind, procedures=procedures, location=location, slot_minutes=minutes, capacity=capacity, allows_online=online,
                opens=dt.time(9) if kind == Counter.Kind.CONSULTATION else dt.time(8, 30),
                closes=dt.time(16) if kind == Counter.Kind.CONSULTATION else dt.time(17),
            ),
        )  # fmt: skip
    for order, (name, percent, documents) in enumerate(EXEMPTION_RULES):
        ExemptionRule.objects.update_or_create(municipality=municipality, name=name, defaults={"percent": percent, "documents": documents, "order": order})
    hall = Facility.objects.get(municipality=municipality, code="MD-F001")
    # A maintenance closure three weeks ahead, entered "by staff" (keyed on its reason: idempotent).
    start = today + dt.timedelta(days=21)
    ClosedPeriod.objects.update_or_create(
        facility=hall, reason="空調設備の定期点検（デモ）", defaults={"unit": None, "start": start, "end": start + dt.timedelta(days=1)}
    )
    _load_resident(municipality, today)


def _load_resident(municipality, today) -> None:
    """The demo resident: registered, one verified and one pending group, a court booking
    and an online consultation, so "my bookings" and the staff pages have something to show."""
    from django.contrib.auth import get_user_model

    from madoguchi.core.demo import RESIDENT_EMAIL

    from . import services

    resident = get_user_model().objects.filter(email=RESIDENT_EMAIL).first()
    if resident is None:
        return
    # One 利用者登録 per user and city (共同運営): each demo city registers the resident.
    Registration.objects.get_or_create(user=resident, municipality=municipality, defaults={"is_resident": True, "phone": "090-0000-0000"})
    Group.objects.get_or_create(
        municipality=municipality, owner=resident, name="みどり野バドミントンクラブ",
        defaults=dict(representative="緑野 さくら", member_count=18, resident_share=83, activity="バドミントンの練習（毎週土曜）", status=Group.Status.VERIFIED),
    )  # fmt: skip
    Group.objects.get_or_create(
        municipality=municipality, owner=resident, name="中央二丁目子ども会",
        defaults=dict(representative="緑野 さくら", member_count=25, resident_share=100, activity="子ども会の行事"),
    )  # fmt: skip
    # Created directly, not through services, so loading the demo queues no emails.
    court = Unit.objects.get(facility__municipality=municipality, facility__code="MD-F003", name="Aコート")
    if not Booking.objects.filter(user=resident, unit=court, status="confirmed").exists():
        for offset in range(3, 10):
            day = today + dt.timedelta(days=offset)
            if services.closed_reason(court.facility, day, court) or Booking.objects.filter(unit=court, date=day, start=dt.time(10)).exists():
                continue
            fee = services.fee_for(court, UserCategory.RESIDENT, dt.time(10), dt.time(11))
            Booking.objects.create(
                unit=court, date=day, start=dt.time(10), end=dt.time(11), user=resident, status=Booking.Status.CONFIRMED, confirmed_at=timezone.now(),
                purpose="テニス", attendees=4, base_fee=fee, fee=fee,
            )  # fmt: skip
            break
    counter = Counter.objects.get(municipality=municipality, slug="kosodate-soudan")
    if not Visit.objects.filter(user=resident, slot__counter=counter).exists():
        day = today + dt.timedelta(days=2)
        while office_calendar.closed_reason(day, municipality):
            day += dt.timedelta(days=1)
        slot, _ = CounterSlot.objects.get_or_create(counter=counter, date=day, start=dt.time(10), defaults={"end": dt.time(11), "capacity": counter.capacity})
        if CounterSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1):
            Visit.objects.create(
                slot=slot, user=resident, mode=Visit.Mode.ONLINE, procedure="保育園の入園について", meeting_url="https://meet.example.jp/midorino-kosodate-demo"
            )
