"""Issue #11 items 3, 4 and 9 for accounts: half-signed-in staff reach only the OTP page and
logout (pages and API); every password change is audited; sign-up hashes a password whether or
not the address is taken; mail-sending pages are limited per recipient and per address."""

from __future__ import annotations

import json
from unittest import mock

import pyotp
import pytest
from django.urls import reverse

from madoguchi.accounts.testing import FastArgon2PasswordHasher, verified_device
from madoguchi.core.models import AuditLog

from .conftest import PASSWORD

NEW_PASSWORD = "another-long-passphrase-42"


def _password_login(client, email):
    response = client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/otp/" in response.url
    return response


def _code(device):
    from base64 import b32encode

    return pyotp.TOTP(b32encode(device.bin_key).decode()).now()


# --- item 4: half-signed-in staff ---------------------------------------------------------------
@pytest.mark.django_db
def test_half_signed_in_staff_reach_only_the_otp_page_and_logout(client, clerk, sections):
    from madoguchi.alerts.factories import NoticeFactory

    device = verified_device(clerk)
    notice = NoticeFactory(section=sections["shimin"])
    _password_login(client, clerk.email)

    # Pages: every one redirects to the code page.
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response.url == reverse("accounts:otp_verify")
    response = client.post(reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_verify"))
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)

    # API: 403 with a Japanese message, nothing read or changed.
    response = client.put("/api/accounts/me", json.dumps({"family_name": "改ざん"}), content_type="application/json")
    assert response.status_code == 403 and "確認コード" in response.json()["detail"]
    assert client.get("/api/accounts/me").status_code == 403
    assert client.get(f"/api/alerts/notices/{notice.pk}/report").status_code == 403
    clerk.refresh_from_db()
    assert clerk.family_name != "改ざん"

    # The OTP page itself works, and after the code everything does.
    assert client.get(reverse("accounts:otp_verify")).status_code == 200
    response = client.post(reverse("accounts:otp_verify"), {"token": _code(device)})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.get("/api/accounts/me").status_code == 200


@pytest.mark.django_db
def test_half_signed_in_staff_can_log_out(client, clerk):
    verified_device(clerk)
    _password_login(client, clerk.email)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_staff_without_device_reach_only_enrolment(client, clerk):
    _password_login(client, clerk.email)
    assert client.get(reverse("accounts:otp_enrol")).status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert client.get("/api/accounts/me").status_code == 403


@pytest.mark.django_db
def test_residents_are_not_stopped(client, resident):
    client.force_login(resident)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.get("/api/accounts/me").status_code == 200


# --- item 4: every password change is audited ---------------------------------------------------
def _password_audits(user):
    return AuditLog.objects.filter(target_type="accounts.user", target_id=str(user.pk), detail__password="changed")


@pytest.mark.django_db
def test_password_change_page_is_audited(client, resident):
    client.force_login(resident)
    response = client.post(reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    entry = _password_audits(resident).get()
    assert entry.action == AuditLog.Action.UPDATE and entry.actor_id == resident.pk and entry.ip_address == "127.0.0.1"
    assert NEW_PASSWORD not in json.dumps(entry.detail) and PASSWORD not in json.dumps(entry.detail)


@pytest.mark.django_db
def test_password_reset_link_is_audited(client, resident):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    url = reverse("accounts:password_reset_confirm", args=[urlsafe_base64_encode(force_bytes(resident.pk)), default_token_generator.make_token(resident)])
    response = client.get(url, follow=True)
    response = client.post(response.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert _password_audits(resident).get().actor_id == resident.pk


@pytest.mark.django_db
def test_any_set_password_and_save_is_audited_but_not_a_new_account(resident):
    from madoguchi.core.factories import UserFactory

    new = UserFactory(email="new@example.jp")
    assert not _password_audits(new).exists()
    resident.set_password(NEW_PASSWORD)
    resident.save()
    assert _password_audits(resident).count() == 1
    resident.save()  # no new password: nothing more
    assert _password_audits(resident).count() == 1


# --- item 9: sign-up does the same work for a taken address -------------------------------------
@pytest.mark.django_db
def test_signup_hashes_a_password_whether_or_not_the_address_exists(client, resident):
    original = FastArgon2PasswordHasher.encode
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    with mock.patch.object(FastArgon2PasswordHasher, "encode", autospec=True, side_effect=original) as spy:
        response = client.post(reverse("accounts:signup"), {"email": "brand-new@example.jp", **data})
        assert response.status_code == 302
        assert spy.call_count == 1
        client.logout()
        response = client.post(reverse("accounts:signup"), {"email": resident.email.upper(), **data})
        assert response.status_code == 302
        assert spy.call_count == 2  # the taken address hashed too
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)  # and its password did not change


# --- item 3: mail-sending pages, per recipient and per address ----------------------------------
@pytest.mark.django_db
def test_password_reset_limited_per_recipient_with_retry_after(client, resident, settings):
    settings.MAIL_RATE_LIMIT = 2
    url = reverse("accounts:password_reset")
    for _ in range(2):
        assert client.post(url, {"email": resident.email}).status_code == 302
    response = client.post(url, {"email": resident.email.upper()})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.MAIL_RATE_WINDOW
    html = response.content.decode()
    assert "メールの送信が短い時間に続いたため" in html and "分後" in html
    # An unknown address counts the same (the limit tells nothing about accounts)...
    for _ in range(2):
        assert client.post(url, {"email": "nobody@example.jp"}).status_code == 302
    assert client.post(url, {"email": "nobody@example.jp"}).status_code == 429
    # ...and another recipient from another address is unaffected.
    assert client.post(url, {"email": "other@example.jp"}, REMOTE_ADDR="192.0.2.7").status_code == 302


@pytest.mark.django_db
def test_mail_pages_limited_per_address_across_recipients(client, settings):
    settings.MAIL_IP_RATE_LIMIT = 3
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    for n in range(3):
        assert client.post(reverse("accounts:signup"), {"email": f"person{n}@example.jp", **data}).status_code == 302
        client.logout()
    # The per-address count is shared by every mail-sending page.
    response = client.post(reverse("accounts:resend_verification"), {"email": "someone@example.jp"})
    assert response.status_code == 429 and response.has_header("Retry-After")
    assert client.post(reverse("accounts:password_reset"), {"email": "x@example.jp"}).status_code == 429


@pytest.mark.django_db
def test_correcting_form_errors_does_not_use_up_the_mail_limit(client, settings):
    settings.MAIL_RATE_LIMIT = 2
    url = reverse("accounts:signup")
    for _ in range(4):  # a person struggling with the password rules: no mail sent, not counted
        response = client.post(url, {"email": "slow@example.jp", "password1": "short", "password2": "short"})
        assert response.status_code == 200
    response = client.post(url, {"email": "slow@example.jp", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
