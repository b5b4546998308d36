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
