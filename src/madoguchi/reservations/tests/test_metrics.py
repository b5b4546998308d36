"""The figure reservations contributes to plan indicators (core.registry.metrics), computed from
real bookings: per municipality (through unit → facility) and per fiscal year of booking."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from madoguchi.core.models import Municipality, Section
from madoguchi.core.registry import compute_metric, metrics
from madoguchi.reservations.models import Booking, Facility, Unit

JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def units(db):
    result = {}
    for key, code in [("a", "139998"), ("b", "139980")]:
        muni = Municipality.objects.create(name=f"{key}市", code=code)
        section = Section.objects.create(municipality=muni, name="生涯学習スポーツ課")
        facility = Facility.objects.create(municipality=muni, section=section, code="F001", name="中央公民館")
        result[key] = Unit.objects.create(facility=facility, name="会議室", capacity=10)
    return result


def _booking(unit, user, n, source, created_at, status=Booking.Status.CONFIRMED):
    booking = Booking.objects.create(
        unit=unit, user=user, date=dt.date(2026, 5, 1) + dt.timedelta(days=n), start=dt.time(9), end=dt.time(12), source=source, status=status
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=created_at)  # auto_now_add


def test_online_booking_share_per_municipality_and_fiscal_year(units):
    user = get_user_model().objects.create_user(email="r@example.jp", password="x-pass-12345")
    S = Booking.Source
    in_2026 = dt.datetime(2026, 4, 1, 0, 30, tzinfo=JST)  # FY2026 in Japan, 3/31 in UTC
    for n, (source, status) in enumerate(
        [
            (S.FIRST_COME, Booking.Status.CONFIRMED),
            (S.LOTTERY, Booking.Status.WON),
            (S.FIRST_COME, Booking.Status.CONFIRMED),
            (S.STAFF, Booking.Status.CONFIRMED),  # taken at the counter (窓口)
            (S.FIRST_COME, Booking.Status.CANCELLED),  # never real: counts neither way
            (S.FIRST_COME, Booking.Status.HELD),
        ]
    ):
        _booking(units["a"], user, n, source, in_2026, status)
    _booking(units["a"], user, 20, S.STAFF, dt.datetime(2026, 3, 31, 23, 30, tzinfo=JST))  # FY2025
    _booking(units["b"], user, 0, S.STAFF, in_2026)

    assert compute_metric("online_booking_share", units["a"].facility.municipality, 2026) == Decimal("75.0")
    assert compute_metric("online_booking_share", units["a"].facility.municipality, 2025) == Decimal("0.0")
    assert compute_metric("online_booking_share", units["b"].facility.municipality, 2026) == Decimal("0.0")
    assert compute_metric("online_booking_share", units["a"].facility.municipality, 2024) is None  # no bookings: no share
    metric = metrics["online_booking_share"]
    assert (metric.label, metric.unit) == ("施設予約のオンライン比率", "%")
