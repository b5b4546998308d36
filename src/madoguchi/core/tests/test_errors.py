"""Error pages (issue #12 item 1): with DEBUG off every 400/403/404/500 and CSRF failure is a
Japanese page in the site's layout saying what happened and what to do next; the 500 page
renders with the database unreachable; ``LoginRequired`` sends the visitor to sign in and back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings

from madoguchi.core.factories import MunicipalityFactory, ResidentFactory

pytestmark = [pytest.mark.django_db]

ERRORS_URLS = "madoguchi.core.tests.errors_urls"


@pytest.fixture
def city(db):
    return MunicipalityFactory(name="みどり野市", is_default=True)


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def _page(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<html lang="ja"' in html
    assert 'class="site-header"' in html, "the error page is in the site's layout"
    assert "トップページへ戻る" in html
    return html


@override_settings(DEBUG=False, ROOT_URLCONF=ERRORS_URLS)
def test_404_is_japanese_in_the_layout(client, city):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = _page(response)
    assert "ページが見つかりません" in html
    assert "みどり野市" in html
    assert "Not Found" not in html


@override_settings(DEBUG=False, ROOT_URLCONF=ERRORS_URLS)
def test_403_is_japanese_in_the_layout(client, city):
    response = client.get("/test-errors/forbidden/")
    assert response.status_code == 403
    html = _page(response)
    assert "このページは表示できません" in html
    assert "ログインしてから" in html  # nobody is signed in: say so


@override_settings(DEBUG=False, ROOT_URLCONF=ERRORS_URLS)
@pytest.mark.parametrize("url", ["/test-errors/bad/", "/test-errors/suspicious/"])
def test_400_is_japanese_in_the_layout(client, city, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "リクエストを処理できませんでした" in _page(response)


@override_settings(DEBUG=False, ROOT_URLCONF=ERRORS_URLS)
def test_500_is_japanese_in_the_layout(client, city):
    response = client.get("/test-errors/boom/")
    assert response.status_code == 500
    html = _page(response)
    assert "システムでエラーが発生しました" in html
    assert "Server Error" not in html


def _refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("the database is down (test)")


@override_settings(DEBUG=False, ROOT_URLCONF=ERRORS_URLS)
def test_500_renders_with_the_database_down(client, city):
    client.force_login(ResidentFactory())
    with connection.execute_wrapper(_refuse_every_query):
        response = client.get("/test-errors/db-down/")
        assert response.status_code == 500
        html = _page(response)
    assert "システムでエラーが発生しました" in html


@override_settings(DEBUG=False, ROOT_URLCONF=ERRORS_URLS)
def test_500_renders_when_the_city_cannot_be_resolved(client, city):
    """The database fails before any view runs (the city is read from the host name)."""
    from madoguchi.core import tenancy

    tenancy.clear_caches()
    with connection.execute_wrapper(_refuse_every_query):
        response = client.get("/", HTTP_HOST="unknown.localhost")
        assert response.status_code == 500
        assert "システムでエラーが発生しました" in response.content.decode()


@override_settings(DEBUG=False, ROOT_URLCONF=ERRORS_URLS)
def test_csrf_failure_is_japanese_and_offers_to_go_back(city):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = client.post("/accounts/login/", {"username": "a@example.jp", "password": "x"}, HTTP_REFERER="http://testserver/accounts/login/?next=/my/")
    assert response.status_code == 403
    html = _page(response)
    assert "入力内容を送信できませんでした" in html
    assert "Cookie" in html
    assert 'href="http://testserver/accounts/login/?next=/my/"' in html  # back to the form
    assert "CSRF verification failed" not in html


@override_settings(DEBUG=False, ROOT_URLCONF=ERRORS_URLS)
def test_csrf_failure_never_links_to_another_site(city):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = client.post("/accounts/login/", {}, HTTP_REFERER="https://evil.example.com/")
    assert response.status_code == 403
    assert "evil.example.com" not in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_login_required_redirects_to_login_and_back(client, city, settings, debug):
    settings.DEBUG = debug
    settings.ROOT_URLCONF = ERRORS_URLS
    response = client.post("/test-errors/needs-login/?x=1", {"answer": "typed"})
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert target.path == "/accounts/login/"
    assert parse_qs(target.query)["next"] == ["/test-errors/needs-login/?x=1"]


@override_settings(DEBUG=False, ROOT_URLCONF=ERRORS_URLS)
def test_login_required_for_a_signed_in_user_is_a_403_page(client, city):
    client.force_login(ResidentFactory())
    response = client.get("/test-errors/needs-login/")
    assert response.status_code == 403
    assert "このページは表示できません" in _page(response)


def test_500_falls_back_to_a_page_without_templates(rf, monkeypatch):
    """Even the template engine failing leaves a Japanese page with a way back."""
    from madoguchi.core import errors

    def broken(*args, **kwargs):
        raise RuntimeError("templates unavailable")

    monkeypatch.setattr(errors.loader, "render_to_string", broken)
    response = errors.server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="ja">' in html and "しばらく待ってから" in html and 'href="/"' in html
