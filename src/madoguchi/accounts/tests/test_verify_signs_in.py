"""Issue #12 item 10: verifying the address in the browser that signed up signs the resident in
(no second password prompt); a link opened elsewhere, or a second time, only verifies."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from madoguchi.accounts.services import make_verification_token

from .conftest import PASSWORD

User = get_user_model()
pytestmark = pytest.mark.django_db


def _signup(client, email="hanako@example.jp"):
    response = client.post(reverse("accounts:signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    return User.objects.get(email=email)


def test_same_browser_is_signed_in_after_verification(client):
    user = _signup(client)
    response = client.get(reverse("accounts:verify_email", args=[make_verification_token(user)]), follow=True)
    user.refresh_from_db()
    assert user.email_verified
    assert client.session["_auth_user_id"] == str(user.pk)
    assert response.redirect_chain[-1][0] == reverse("accounts:profile")
    assert "ログインしています" in response.content.decode()


def test_another_browser_only_verifies(client, django_user_model):
    from django.test import Client

    user = _signup(client)
    other = Client()
    response = other.get(reverse("accounts:verify_email", args=[make_verification_token(user)]))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert "_auth_user_id" not in other.session
    user.refresh_from_db()
    assert user.email_verified


def test_a_second_click_does_not_sign_in(client):
    user = _signup(client)
    token = make_verification_token(user)
    client.get(reverse("accounts:verify_email", args=[token]))
    client.logout()
    session = client.session
    session["signup_email"] = user.email  # even if the address were still in the session
    session.save()
    client.get(reverse("accounts:verify_email", args=[token]))
    assert "_auth_user_id" not in client.session
