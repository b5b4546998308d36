"""相互利用協定 (共同運営, issue #10 item 3): a registered resident of city B books city A's
facility on A's host at the category A agreed with B; without an agreement (or with one of a
third city) they need A's 利用者登録 as today."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory
from madoguchi.reservations import services
from madoguchi.reservations.models import Registration, UseAgreement, UserCategory
from madoguchi.reservations.services import BookingError

D, T9 = dt.date(2027, 6, 9), dt.time(9)  # a Wednesday, 8 days after NOW


@pytest.fixture
def b_resident(make_user):
    """Registered (市内在住) in city B only."""
    b = MunicipalityFactory(name="あおば台町")
    user = make_user("b@example.jp", register=False)
    with tenancy.using(b, database=True):
        Registration.objects.create(user=user, municipality=b, is_resident=True, phone="090-0000-0002")
    return b, user


def _book(city, user, unit, now):
    with tenancy.using(city, database=True):
        return services.book(user, services.HoldRequest(unit, D, T9), now=now)


def _agree(city, partner, category):
    with tenancy.using(city, database=True):
        return UseAgreement.objects.create(municipality=city, partner=partner, partner_residents_category=category)


def test_no_agreement_means_the_rules_of_today(city, unit, b_resident, now):
    b, user = b_resident
    with pytest.raises(BookingError) as e:
        _book(city, user, unit, now)
    assert e.value.rule == "registration"


def test_registered_here_as_non_resident_pays_the_non_resident_fee(city, unit, make_user, now):
    assert _book(city, make_user("x@example.jp", resident=False), unit, now).fee == 6000


@pytest.mark.parametrize(("category", "fee"), [(UserCategory.RESIDENT, 3000), (UserCategory.NON_RESIDENT, 6000)])
def test_agreement_gives_the_agreed_category(city, unit, b_resident, now, category, fee):
    b, user = b_resident
    _agree(city, b, category)
    booking = _book(city, user, unit, now)
    assert (booking.category, booking.fee) == (category, fee)


def test_inactive_agreement_or_one_of_a_third_city_does_not_apply(city, unit, b_resident, now):
    b, user = b_resident
    c = MunicipalityFactory(name="第三町")
    _agree(c, b, UserCategory.RESIDENT)  # C agrees with B: nothing to do with A's facility
    a_with_c = _agree(city, c, UserCategory.RESIDENT)  # A agrees with C, the user lives in B
    assert a_with_c.partner_id != b.pk
    with pytest.raises(BookingError):
        _book(city, user, unit, now)
    inactive = _agree(city, b, UserCategory.RESIDENT)
    with tenancy.using(city, database=True):
        UseAgreement.objects.filter(pk=inactive.pk).update(active=False)
    with pytest.raises(BookingError):
        _book(city, user, unit, now)


def test_non_resident_registration_in_the_partner_does_not_count(city, unit, make_user, now):
    b = MunicipalityFactory(name="あおば台町")
    user = make_user("n@example.jp", register=False)
    with tenancy.using(b, database=True):
        Registration.objects.create(user=user, municipality=b, is_resident=False, phone="090-0000-0003")
    _agree(city, b, UserCategory.RESIDENT)
    with pytest.raises(BookingError):
        _book(city, user, unit, now)


def test_unregistered_anywhere_is_refused_as_today(city, unit, make_user, now):
    b = MunicipalityFactory(name="あおば台町")
    _agree(city, b, UserCategory.RESIDENT)
    with pytest.raises(BookingError) as e:
        _book(city, make_user("u@example.jp", register=False), unit, now)
    assert e.value.rule == "registration"
