"""Test factories for reservations (予約): facilities with their hours and 区分, units with fees,
counters, residents' registrations, exemption rules and lotteries.

    facility = FacilityFactory(section=sports)      # open 9–21 except Mondays; 午前・午後・夜間
    unit = UnitFactory(facility=facility)            # 3,000 円 per frame for 市内個人
    UnitFactory(facility=facility, frame_mode=Unit.FrameMode.HOURLY, fees={UserCategory.RESIDENT: 500})
    counter = CounterFactory(section=shimin)         # 来庁予約 9:00–12:00, 30-minute slots for 2
    RegistrationFactory(user=resident)               # 利用者登録 (市内) in the facility's city

A facility's (or counter's) municipality is its section's; units, hours, frames and fees belong
to their facility's city.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from madoguchi.core.factories import CityOwnedFactory, ResidentFactory, SectionFactory, current_municipality

from .models import Counter, ExemptionRule, Facility, Fee, FrameDefinition, Lottery, OpeningHours, Registration, Unit, UserCategory

# 区分 of a community hall (label, start hour, end hour)
FRAMES = [("午前", 9, 12), ("午後", 13, 17), ("夜間", 18, 21)]


class FacilityFactory(CityOwnedFactory):
    """施設 open 9–21 every day but Monday (定休日), with 午前・午後・夜間 frames
    (``opening_hours=False`` / ``frames=False`` for none)."""

    class Meta:
        model = Facility
        skip_postgeneration_save = True

    section = factory.SubFactory(SectionFactory, name="生涯学習スポーツ課")
    municipality = factory.SelfAttribute("section.municipality")
    code = factory.Sequence(lambda n: f"F{n + 1:03d}")
    name = factory.Sequence(lambda n: f"テスト公民館{n}")
    name_kana = "テストコウミンカン"
    kind = Facility.Kind.COMMUNITY
    purposes = "会議;講演会;ダンス"
    area = "中央"
    address = "テスト市中央1-1"
    latitude = "35.700000"
    longitude = "139.300000"
    phone = "0428-00-0001"

    @factory.post_generation
    def opening_hours(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            for weekday in range(1, 7):  # closed on Mondays
                OpeningHours.objects.create(facility=obj, weekday=weekday, opens=dt.time(9), closes=dt.time(21))

    @factory.post_generation
    def frames(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            for label, start, end in FRAMES:
                FrameDefinition.objects.create(facility=obj, label=label, start=dt.time(start), end=dt.time(end))


class UnitFactory(CityOwnedFactory):
    """部屋・コート with its 使用料 (``fees={category: amount}``; 3,000 円 for 市内個人 by default)."""

    class Meta:
        model = Unit
        skip_postgeneration_save = True

    facility = factory.SubFactory(FacilityFactory)
    name = factory.Sequence(lambda n: f"会議室{n}")
    capacity = 20

    @factory.post_generation
    def fees(obj, create, extracted, **kwargs):
        if create:
            for category, amount in (extracted if extracted is not None else {UserCategory.RESIDENT: 3000}).items():
                Fee.objects.create(unit=obj, category=category, amount=amount)


class CounterFactory(CityOwnedFactory):
    """来庁予約の窓口 of 市民課: 9:00–12:00 in 30-minute slots for two visitors at a time."""

    class Meta:
        model = Counter

    section = factory.SubFactory(SectionFactory, name="市民課")
    municipality = factory.SelfAttribute("section.municipality")
    slug = factory.Sequence(lambda n: f"counter-{n}")
    name = factory.Sequence(lambda n: f"テスト窓口{n}")
    opens = dt.time(9)
    closes = dt.time(12)
    slot_minutes = 30
    capacity = 2
    service_minutes = 5


class RegistrationFactory(CityOwnedFactory):
    """利用者登録 of a resident (市内在住) in the current city."""

    class Meta:
        model = Registration

    user = factory.SubFactory(ResidentFactory)
    municipality = factory.LazyFunction(current_municipality)
    is_resident = True
    phone = "090-0000-0000"


class ExemptionRuleFactory(CityOwnedFactory):
    class Meta:
        model = ExemptionRule

    municipality = factory.LazyFunction(current_municipality)
    name = factory.Sequence(lambda n: f"減免の理由{n}")
    percent = 50


class LotteryFactory(CityOwnedFactory):
    """抽選 for next month, taking applications now, drawn in ten days."""

    class Meta:
        model = Lottery

    facility = factory.SubFactory(FacilityFactory)
    month = factory.LazyFunction(lambda: (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1))
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=9))
    draw_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=10))
