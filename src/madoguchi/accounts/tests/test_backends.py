"""The authentication backend's per-request user read (core.rawsql) gives the ORM's user."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from madoguchi.accounts.backends import ModelBackend

pytestmark = pytest.mark.django_db


def _fields(user):
    return {f.attname: getattr(user, f.attname) for f in user._meta.concrete_fields}


def test_get_user_reads_what_the_orm_reads():
    User = get_user_model()
    user = User.objects.create_user(email="raw@example.jp", password="pw-123456789", family_name="山田", given_name="花子", birth_date=dt.date(1950, 4, 1))
    got = ModelBackend().get_user(str(user.pk))
    assert got is not None and got._state.adding is False and got._state.db == "default"
    assert _fields(got) == _fields(User.objects.get(pk=user.pk))
    assert got.check_password("pw-123456789")
    assert got.get_session_auth_hash() == user.get_session_auth_hash()


def test_get_user_refuses_inactive_missing_and_malformed_ids():
    User = get_user_model()
    user = User.objects.create_user(email="gone@example.jp", password=None, is_active=False)
    backend = ModelBackend()
    assert backend.get_user(user.pk) is None
    assert backend.get_user(999999) is None
    assert backend.get_user("not-a-number") is None


def test_signed_in_request_uses_it(client):
    User = get_user_model()
    user = User.objects.create_user(email="me@example.jp", password="pw-123456789", email_verified=True)
    client.force_login(user)
    assert client.get("/api/accounts/me").json()["email"] == "me@example.jp"


def test_in_a_city_the_read_also_says_whether_the_account_holds_a_role_there():
    from madoguchi.core import tenancy
    from madoguchi.core.factories import MunicipalityFactory, SectionFactory, StaffFactory

    here, elsewhere = MunicipalityFactory(name="ここ市"), MunicipalityFactory(name="よそ市")
    with tenancy.using(here):
        staff = StaffFactory(email="staff@example.lg.jp", section=SectionFactory(municipality=here, name="市民課"))
    resident = get_user_model().objects.create_user(email="r@example.jp", password="pw-123456789")
    for city, user, holds in ((here, staff, True), (here, resident, False), (elsewhere, staff, False)):
        with tenancy.using(city):
            got = ModelBackend().get_user(user.pk)
            assert got.staff_role_here == (city.pk, holds) == (city.pk, got.staff_roles.exists())
            assert _fields(got) == _fields(get_user_model().objects.get(pk=user.pk))
    assert not hasattr(ModelBackend().get_user(staff.pk), "staff_role_here")  # no city: not asked


def test_the_one_permission_check_uses_what_the_read_said(django_assert_num_queries):
    from madoguchi.core import tenancy
    from madoguchi.core.factories import MunicipalityFactory, SectionFactory, StaffFactory
    from madoguchi.core.permissions import is_staff_member

    here, elsewhere = MunicipalityFactory(name="ここ市"), MunicipalityFactory(name="よそ市")
    with tenancy.using(here):
        staff = StaffFactory(email="staff2@example.lg.jp", section=SectionFactory(municipality=here, name="市民課"))
    resident = get_user_model().objects.create_user(email="r2@example.jp", password="pw-123456789")
    with tenancy.using(here):
        read = {u.pk: ModelBackend().get_user(u.pk) for u in (staff, resident)}
        with django_assert_num_queries(0):
            assert is_staff_member(read[staff.pk]) and not is_staff_member(read[resident.pk])
    with tenancy.using(elsewhere), django_assert_num_queries(1):  # read for another city: asked again
        assert not is_staff_member(read[staff.pk])


def test_a_residents_first_request_asks_nothing_more_and_writes_no_session(client):
    from madoguchi.core import twofactor
    from madoguchi.core.factories import MunicipalityFactory

    MunicipalityFactory(name="みどり野市", is_default=True)
    resident = get_user_model().objects.create_user(email="first@example.jp", password="pw-123456789", email_verified=True)
    client.force_login(resident)
    response = client.get("/api/accounts/me")
    assert response.status_code == 200 and twofactor._SESSION_KEY not in client.session
