import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.models import Municipality, Section
from madoguchi.reservations.models import Counter, Facility, Fee, FrameDefinition, OpeningHours, Registration, Unit, UserCategory

# A fixed "now" (Tuesday 2027-06-01 10:00 JST) so no test depends on the clock.
NOW = timezone.make_aware(dt.datetime(2027, 6, 1, 10, 0))


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def city(db):
    m = Municipality.objects.create(name="テスト市", code="139998", is_default=True)
    return m


@pytest.fixture
def section(city):
    return Section.objects.create(municipality=city, name="生涯学習スポーツ課")


@pytest.fixture
def other_section(city):
    return Section.objects.create(municipality=city, name="市民課")


@pytest.fixture
def facility(city, section):
    f = Facility.objects.create(
        municipality=city, section=section, code="F001", name="中央公民館", name_kana="チュウオウコウミンカン", purposes="会議;講演会;ダンス", area="中央",
        address="テスト市中央1-1", latitude="35.700000", longitude="139.300000", phone="0428-00-0001",
        booking_window_days=60, max_frames_per_day=2, max_bookings_per_month=4, cancel_deadline_days=3, cancel_fee_percent=50,
    )  # fmt: skip
    for wd in range(7):
        if wd != 0:  # closed on Mondays
            OpeningHours.objects.create(facility=f, weekday=wd, opens=dt.time(9), closes=dt.time(21))
    for label, s, e in [("午前", 9, 12), ("午後", 13, 17), ("夜間", 18, 21)]:
        FrameDefinition.objects.create(facility=f, label=label, start=dt.time(s), end=dt.time(e))
    return f


@pytest.fixture
def unit(facility):
    u = Unit.objects.create(facility=facility, name="大ホール", capacity=100)
    Fee.objects.create(unit=u, category=UserCategory.RESIDENT, amount=3000)
    Fee.objects.create(unit=u, category=UserCategory.RESIDENT_GROUP, amount=2000)
    Fee.objects.create(unit=u, category=UserCategory.NON_RESIDENT, amount=6000)
    return u


@pytest.fixture
def hourly_unit(facility):
    u = Unit.objects.create(facility=facility, name="会議室A", capacity=20, frame_mode=Unit.FrameMode.HOURLY)
    Fee.objects.create(unit=u, category=UserCategory.RESIDENT, amount=500)
    return u


@pytest.fixture
def make_user(db, city):
    from django.contrib.auth import get_user_model

    def make(email="r@example.jp", resident=True, register=True):
        user = get_user_model().objects.create_user(email=email, password=None, family_name="緑野", given_name="さくら")
        if register:
            Registration.objects.create(user=user, municipality=city, is_resident=resident, phone="090-0000-0000")
        return user

    return make


@pytest.fixture
def resident(make_user):
    return make_user()


@pytest.fixture
def counter(city, other_section):
    return Counter.objects.create(
        municipality=city,
        section=other_section,
        slug="tennyu",
        name="転入・転出",
        opens=dt.time(9),
        closes=dt.time(12),
        slot_minutes=30,
        capacity=2,
        service_minutes=5,
    )
