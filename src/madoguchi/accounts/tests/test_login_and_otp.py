from base64 import b32encode

import pyotp
import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.accounts.testing import login_staff
from madoguchi.core.models import AuditLog

from .conftest import PASSWORD


def _login(client, email, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, **extra)


def _code(device, offset=0):
    totp = pyotp.TOTP(b32encode(device.bin_key).decode())
    import time

    return totp.at(time.time() + offset * 30)


@pytest.mark.django_db
def test_login_rate_limited_per_account_with_retry_time(client, resident, settings):
    settings.LOGIN_RATE_LIMIT = 3
    for _ in range(3):
        response = _login(client, resident.email, "wrong-password")
        assert "メールアドレスまたはパスワードが正しくありません" in response.content.decode()
    # Now even the right password is refused, with when to retry.
    response = _login(client, resident.email)
    html = response.content.decode()
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "以降" in html and "分後" in html
    # Another account from another address is unaffected.
    response = _login(client, "other@example.jp", "x", REMOTE_ADDR="192.0.2.9")
    assert "一時的に受け付けを停止" not in response.content.decode()


@pytest.mark.django_db
def test_login_rate_limited_per_address_and_no_enumeration(client, resident, settings):
    settings.LOGIN_RATE_LIMIT = 2
    settings.LOGIN_IP_RATE_LIMIT = 3
    unknown = _login(client, "nobody@example.jp", "wrong-password").content.decode()
    known = _login(client, resident.email, "wrong-password").content.decode()
    assert "メールアドレスまたはパスワードが正しくありません" in unknown and "メールアドレスまたはパスワードが正しくありません" in known
    _login(client, "someone@example.jp", "wrong-password")
    response = _login(client, resident.email)  # 3 failures from this address
    assert "一時的に受け付けを停止" in response.content.decode()


@pytest.mark.django_db
def test_resident_login_success_and_next(client, resident):
    response = client.post(
        reverse("accounts:login") + "?next=/accounts/profile/", {"username": "RESIDENT@example.jp", "password": PASSWORD, "next": "/accounts/profile/"}
    )
    assert response.status_code == 302 and response.url == "/accounts/profile/"
    response = client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session
    response = _login(client, resident.email)
    assert response.url == reverse("web:home")
    client.post(reverse("accounts:logout"))
    response = client.post(reverse("accounts:login"), {"username": resident.email, "password": PASSWORD, "next": "https://evil.example/"})
    assert response.url == reverse("web:home")


@pytest.mark.django_db
def test_staff_without_device_enrols_then_reaches_staff_pages(client, clerk):
    response = _login(client, clerk.email)
    assert response.url == reverse("accounts:otp_enrol")
    # Staff pages redirect to the code page until verified.
    assert client.get(reverse("web:staff_home")).url == reverse("accounts:otp_verify")
    page = client.get(reverse("accounts:otp_enrol"))
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html and "data-totp-secret" in html
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    response = client.post(reverse("accounts:otp_enrol"), {"token": "000000" if _code(device) != "000000" else "111111"})
    assert "確認コードが正しくありません" in response.content.decode()
    response = client.post(reverse("accounts:otp_enrol"), {"token": _code(device)})
    assert response.status_code == 302 and response.url == reverse("web:staff_home")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("web:staff_home")).status_code == 200
    assert AuditLog.objects.filter(action=AuditLog.Action.UPDATE, target_id=str(clerk.pk), detail__two_factor="enrolled").exists()


@pytest.mark.django_db
def test_staff_login_requires_totp(client, clerk):
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    response = _login(client, clerk.email)
    assert response.url == reverse("accounts:otp_verify")
    assert client.get(reverse("web:staff_home")).url == reverse("accounts:otp_verify")
    wrong = "123456" if _code(device) != "123456" else "654321"
    response = client.post(reverse("accounts:otp_verify"), {"token": wrong})
    assert response.status_code == 200 and "確認コードが正しくありません" in response.content.decode()
    assert 'aria-describedby="id_token_helptext id_token_error"' in response.content.decode()
    response = client.post(reverse("accounts:otp_verify"), {"token": "12ab"})
    assert "6桁の数字" in response.content.decode()
    assert client.get(reverse("web:staff_home")).status_code == 302
    response = client.post(reverse("accounts:otp_verify"), {"token": _code(device), "next": "/staff/"})
    assert response.status_code == 302 and response.url == "/staff/"
    assert client.get(reverse("web:staff_home")).status_code == 200
    actions = list(AuditLog.objects.filter(target_id=str(clerk.pk)).values_list("action", "detail"))
    assert (AuditLog.Action.LOGIN, {"factor": "password"}) in actions
    assert (AuditLog.Action.LOGIN_FAILED, {"reason": "totp"}) in actions
    assert (AuditLog.Action.LOGIN, {"factor": "totp"}) in actions
    assert not any(PASSWORD in str(d) for _, d in actions)


@pytest.mark.django_db
def test_staff_failed_password_is_audited(client, clerk):
    _login(client, clerk.email, "wrong-password")
    entry = AuditLog.objects.get(action=AuditLog.Action.LOGIN_FAILED)
    assert entry.target_id == str(clerk.pk) and entry.detail == {"reason": "password"} and entry.ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_otp_attempts_are_rate_limited(client, clerk, settings):
    settings.OTP_RATE_LIMIT = 2
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    _login(client, clerk.email)
    code = _code(device)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        client.post(reverse("accounts:otp_verify"), {"token": wrong})
    response = client.post(reverse("accounts:otp_verify"), {"token": code})
    assert "一時的に受け付けを停止" in response.content.decode()
    assert client.get(reverse("web:staff_home")).status_code == 302


@pytest.mark.django_db
def test_login_staff_helper(client, clerk):
    login_staff(client, clerk)
    assert client.get(reverse("web:staff_home")).status_code == 200


@pytest.mark.django_db
def test_demo_gives_staff_the_demo_device_and_prints_code(demo, capsys, settings):
    from django.contrib.auth import get_user_model

    from madoguchi.accounts.demo import DEMO_TOTP_KEY_HEX

    staff = get_user_model().objects.filter(is_staff=True)
    assert staff.exists()
    for user in staff:
        assert TOTPDevice.objects.filter(user=user, confirmed=True, key=DEMO_TOTP_KEY_HEX).exists()
    call_command("demo_totp")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()
    settings.MADOGUCHI_ENV = "production"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("demo_totp")


@pytest.mark.django_db
def test_demo_staff_login_with_demo_code(client, demo_staff):
    from madoguchi.accounts.demo import current_code
    from madoguchi.core import demo as core_demo

    response = _login(client, f"admin@{core_demo.STAFF_DOMAIN}", core_demo.DEMO_PASSWORD)
    assert response.url == reverse("accounts:otp_verify")
    response = client.post(reverse("accounts:otp_verify"), {"token": current_code()})
    assert response.status_code == 302 and client.get(reverse("web:staff_home")).status_code == 200


@pytest.mark.django_db
def test_guessing_one_account_from_many_addresses_is_limited(client, resident, settings):
    settings.LOGIN_RATE_LIMIT = 1
    settings.LOGIN_ACCOUNT_RATE_LIMIT = 3
    for n in range(3):
        _login(client, resident.email, "wrong-password", REMOTE_ADDR=f"198.51.100.{n}")
    response = _login(client, resident.email, REMOTE_ADDR="198.51.100.200")
    assert "一時的に受け付けを停止" in response.content.decode() and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_otp_middleware_gives_the_user_behind_one_lazy_layer(rf, clerk, settings):
    """core.twofactor.OTPMiddleware: ``request.user`` resolves to the user object itself (not to
    the authentication middleware's lazy wrapper), with django-otp's fields on it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse
    from django.utils.functional import LazyObject

    from madoguchi.core.twofactor import OTPMiddleware

    session = SessionStore()
    session.update({SESSION_KEY: str(clerk.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0], HASH_SESSION_KEY: clerk.get_session_auth_hash()})
    seen = {}

    def view(request):
        seen["email"] = request.user.email
        seen["inner"] = request.user._wrapped
        seen["verified"] = request.user.is_verified()
        seen["device"] = request.user.otp_device
        return HttpResponse()

    request = rf.get("/")
    request.session = session
    AuthenticationMiddleware(OTPMiddleware(view))(request)
    assert seen["email"] == clerk.email
    assert not isinstance(seen["inner"], LazyObject) and seen["inner"].pk == clerk.pk
    assert seen["verified"] is False and seen["device"] is None  # password only: not verified

    anonymous = rf.get("/")
    anonymous.session = SessionStore()
    AuthenticationMiddleware(OTPMiddleware(lambda r: HttpResponse(str(r.user.is_authenticated))))(anonymous)
    assert anonymous.user.is_authenticated is False and anonymous.user.is_verified() is False
