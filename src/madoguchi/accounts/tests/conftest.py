import pytest

from madoguchi.core.factories import (
    PASSWORD,
    DepartmentFactory,
    InformationPolicySectionFactory,
    MunicipalityFactory,
    SectionFactory,
    StaffFactory,
    UserFactory,
)
from madoguchi.core.models import StaffRole

__all__ = ["PASSWORD", "make_staff"]


@pytest.fixture
def city(db):
    return MunicipalityFactory(name="テスト市")


@pytest.fixture
def sections(city):
    dept = DepartmentFactory(municipality=city, name="総務部")
    return {
        "ip": InformationPolicySectionFactory(parent=dept),
        "shimin": SectionFactory(parent=dept, name="市民課"),
        "hoiku": SectionFactory(parent=dept, name="保育課"),
    }


def make_staff(email, section=None, role=StaffRole.Role.CLERK, **extra):
    return StaffFactory(email=email, section=section, role=role, **extra)


@pytest.fixture
def admin_user(sections):
    return make_staff("admin@city.test", sections["ip"], StaffRole.Role.MANAGER, admin=True, family_name="情報", given_name="太郎")


@pytest.fixture
def clerk(sections):
    return make_staff("clerk@city.test", sections["shimin"], family_name="市民", given_name="花子")


@pytest.fixture
def manager(sections):
    return make_staff("boss@city.test", sections["shimin"], StaffRole.Role.MANAGER)


@pytest.fixture
def resident(db):
    return UserFactory(email="resident@example.jp")  # profile left empty: the tests fill it in


@pytest.fixture
def demo_staff(db):
    """The demo city's staff accounts with the demo TOTP device (core and accounts demo.py only;
    the ``demo`` fixture loads every app's demo data)."""
    from madoguchi.accounts import demo
    from madoguchi.core import demo as core_demo

    municipality = core_demo.load()
    demo.load(municipality)
    return municipality


@pytest.fixture(autouse=True)
def _no_device_backoff(settings):
    # django_otp's per-device back-off (1 s, 2 s, …) would make a right code right after a
    # wrong one fail; our cache-based limit is tested on its own.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
