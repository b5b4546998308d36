import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.factories import MunicipalityFactory, SectionFactory, UserFactory
from madoguchi.reservations.factories import CounterFactory, FacilityFactory, RegistrationFactory, UnitFactory
from madoguchi.reservations.models import Unit, UserCategory

# A fixed "now" (Tuesday 2027-06-01 10:00 JST) so no test depends on the clock.
NOW = timezone.make_aware(dt.datetime(2027, 6, 1, 10, 0))


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def city(db):
    return MunicipalityFactory(name="テスト市", is_fictional=False)


@pytest.fixture
def section(city):
    return SectionFactory(municipality=city, name="生涯学習スポーツ課")


@pytest.fixture
def other_section(city):
    return SectionFactory(municipality=city, name="市民課")


@pytest.fixture
def facility(city, section):
    return FacilityFactory(
        section=section, code="F001", name="中央公民館", name_kana="チュウオウコウミンカン", purposes="会議;講演会;ダンス", area="中央",
        address="テスト市中央1-1", latitude="35.700000", longitude="139.300000", phone="0428-00-0001",
        booking_window_days=60, max_frames_per_day=2, max_bookings_per_month=4, cancel_deadline_days=3, cancel_fee_percent=50,
    )  # fmt: skip


@pytest.fixture
def unit(facility):
    fees = {UserCategory.RESIDENT: 3000, UserCategory.RESIDENT_GROUP: 2000, UserCategory.NON_RESIDENT: 6000}
    return UnitFactory(facility=facility, name="大ホール", capacity=100, fees=fees)


@pytest.fixture
def hourly_unit(facility):
    return UnitFactory(facility=facility, name="会議室A", capacity=20, frame_mode=Unit.FrameMode.HOURLY, fees={UserCategory.RESIDENT: 500})


@pytest.fixture
def make_user(db, city):
    def make(email="r@example.jp", resident=True, register=True):
        user = UserFactory(email=email, raw_password=None, email_verified=False, family_name="緑野", given_name="さくら")
        if register:
            RegistrationFactory(user=user, municipality=city, is_resident=resident, phone="090-0000-0000")
        return user

    return make


@pytest.fixture
def resident(make_user):
    return make_user()


@pytest.fixture
def counter(city, other_section):
    return CounterFactory(
        section=other_section, slug="tennyu", name="転入・転出", opens=dt.time(9), closes=dt.time(12), slot_minutes=30, capacity=2, service_minutes=5
    )
