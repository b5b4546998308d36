import datetime as dt

import pytest
from django.utils import timezone

HOST = "pay.localhost"


@pytest.fixture
def city(db):
    from madoguchi.core.factories import MunicipalityFactory
    from madoguchi.core.models import MunicipalityDomain

    m = MunicipalityFactory(name="みどり野市", code="139998", is_default=True)
    MunicipalityDomain.objects.create(municipality=m, domain=HOST)
    return m


@pytest.fixture
def active(city):
    from madoguchi.core import tenancy

    with tenancy.using(city):
        yield city


@pytest.fixture
def sections(active):
    from madoguchi.core.factories import SectionFactory

    return {"sports": SectionFactory(name="生涯学習スポーツ課"), "shimin": SectionFactory(name="市民課")}


@pytest.fixture
def resident(active):
    from madoguchi.core.factories import ResidentFactory

    return ResidentFactory(email="sakura@example.jp")


@pytest.fixture
def payment(sections, resident):
    from madoguchi.payments import services

    booking = sections["sports"]  # any row stands for the paid object
    return services.request_payment(booking, "施設使用料", 1200, sections["sports"], resident, timezone.now() + dt.timedelta(days=3))
