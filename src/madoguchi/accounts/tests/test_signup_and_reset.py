import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from .conftest import PASSWORD

User = get_user_model()


def _link(message) -> str:
    body = message["message"].get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.mark.django_db
def test_signup_verification_mail_over_smtp_then_login(client, smtp_email, run_tasks):
    response = client.post(reverse("accounts:signup"), {"email": "Hanako@Example.JP", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("accounts:signup_done")
    user = User.objects.get(email="hanako@example.jp")
    assert not user.email_verified and user.password.startswith("argon2")

    # Not verified yet: no session, a message and a resend link.
    response = client.post(reverse("accounts:login"), {"username": "hanako@example.jp", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "メールアドレスの確認がまだ済んでいません" in response.content.decode()
    assert reverse("accounts:resend_verification") in response.content.decode()

    run_tasks()
    messages = smtp_email.wait_for(1)
    assert len(messages) == 1 and messages[0]["to"] == ["hanako@example.jp"]
    assert "メールアドレスの確認" in messages[0]["message"]["subject"]
    response = client.get(_path(_link(messages[0])))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_verified

    response = client.post(reverse("accounts:login"), {"username": "hanako@example.jp", "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_signup_existing_address_gives_same_page_and_warns_owner(client, resident, smtp_email, run_tasks):
    response = client.post(reverse("accounts:signup"), {"email": resident.email, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("accounts:signup_done")
    assert User.objects.filter(email=resident.email).count() == 1
    run_tasks()
    (message,) = smtp_email.wait_for(1)
    assert "すでに登録されています" in message["message"].get_body(preferencelist=("plain",)).get_content()


@pytest.mark.django_db
def test_signup_errors_are_japanese_next_to_fields(client):
    response = client.post(reverse("accounts:signup"), {"email": "taro@example.jp", "password1": "12345678", "password2": "12345678"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_password1_error"' in html and 'aria-describedby="id_password1_helptext id_password1_error"' in html
    assert "短すぎます" in html or "10 文字" in html or "10文字" in html
    assert 'value="taro@example.jp"' in html  # the rest of the input is kept
    response = client.post(reverse("accounts:signup"), {"email": "not-an-email", "password1": PASSWORD, "password2": PASSWORD + "x"})
    html = response.content.decode()
    assert "メールアドレスの形式が正しくありません" in html and "一致しません" in html
    assert not User.objects.exists()


@pytest.mark.django_db
def test_forged_or_stale_verification_link_is_refused(client, resident):
    from madoguchi.accounts.services import make_verification_token

    assert client.get(reverse("accounts:verify_email", args=["forged"])).status_code == 400
    token = make_verification_token(resident)
    resident.email = "changed@example.jp"
    resident.save()
    assert client.get(reverse("accounts:verify_email", args=[token])).status_code == 400


@pytest.mark.django_db
def test_password_reset_flow_through_outbox(client, resident, smtp_email, run_tasks):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.jp"})
    assert response.status_code == 302
    response = client.post(reverse("accounts:password_reset"), {"email": resident.email})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    run_tasks()
    messages = smtp_email.wait_for(1)
    assert len(messages) == 1 and messages[0]["to"] == [resident.email]  # nothing to unknown addresses
    response = client.get(_path(_link(messages[0])), follow=True)
    assert response.status_code == 200 and 'name="new_password1"' in response.content.decode()
    new = "another-long-passphrase-42"
    response = client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_complete")
    resident.refresh_from_db()
    assert resident.check_password(new)
