import pytest
from django.contrib.auth import get_user_model

from madoguchi.core.models import Municipality, Section, StaffRole

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def city(db):
    return Municipality.objects.create(name="テスト市", code="131016", is_default=True)


@pytest.fixture
def sections(city):
    dept = Section.objects.create(municipality=city, name="総務部", kind=Section.Kind.DEPARTMENT)
    return {
        "ip": Section.objects.create(municipality=city, parent=dept, name="情報政策課", is_information_policy=True),
        "shimin": Section.objects.create(municipality=city, parent=dept, name="市民課"),
        "hoiku": Section.objects.create(municipality=city, parent=dept, name="保育課"),
    }


def make_staff(email, section=None, role=StaffRole.Role.CLERK, **extra):
    user = get_user_model().objects.create_user(email=email, password=PASSWORD, is_staff=True, email_verified=True, **extra)
    if section is not None:
        StaffRole.objects.create(user=user, section=section, role=role)
    return user


@pytest.fixture
def admin_user(sections):
    return make_staff("admin@city.test", sections["ip"], StaffRole.Role.MANAGER, is_platform_admin=True, family_name="情報", given_name="太郎")


@pytest.fixture
def clerk(sections):
    return make_staff("clerk@city.test", sections["shimin"], family_name="市民", given_name="花子")


@pytest.fixture
def manager(sections):
    return make_staff("boss@city.test", sections["shimin"], StaffRole.Role.MANAGER)


@pytest.fixture
def resident(db):
    return get_user_model().objects.create_user(email="resident@example.jp", password=PASSWORD, email_verified=True)


@pytest.fixture(autouse=True)
def _no_device_backoff(settings):
    # django_otp's per-device back-off (1 s, 2 s, …) would make a right code right after a
    # wrong one fail; our cache-based limit is tested on its own.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
