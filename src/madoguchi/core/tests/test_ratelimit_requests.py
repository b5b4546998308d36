"""Issue #11 item 3: one rate-limit mechanism for every anonymous write (per address and URL
pattern, in the shared cache, per city) with a Japanese message, 429 and Retry-After; a view
escapes it only through ``ratelimit.exempt(reason)``, and this walk lists every URL pattern."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from madoguchi.core import ratelimit, tenancy
from madoguchi.core.factories import MunicipalityFactory

# Views outside the anonymous-write limit, each with its own protection (see the reason given to
# ratelimit.exempt). Adding one here is a security review.
EXEMPT = {"accounts:login", "alerts:line_webhook", "payments:notify"}

SAMPLES = {"int": "1", "uuid": "00000000-0000-4000-8000-000000000001", "slug": "x", "str": "x", "path": "x"}


def _patterns(resolvers, prefix=""):
    for p in resolvers:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _url(route: str) -> str:
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "1"), route).lstrip("^").rstrip("$")


@pytest.mark.django_db
def test_every_anonymous_post_endpoint_is_limited(settings):
    """Fill each URL pattern's counter for this address up to the limit, then one anonymous POST
    must be refused before the view runs — for every pattern there is and every one added later."""
    settings.ANON_WRITE_RATE_LIMIT = 2
    city = MunicipalityFactory()
    client = Client(raise_request_exception=False)
    checked, exempt = 0, set()
    for route in sorted(set(_patterns(get_resolver().url_patterns))):
        url = _url(route)
        match = resolve(url)
        if getattr(match.func, "ratelimit_exempt", None):
            exempt.add(match.view_name)
            continue
        with tenancy.using(city):
            for _ in range(2):
                ratelimit.hit("anon-write", f"{match.route}|127.0.0.1", 600)
        response = client.post(url, {"email": "x@example.jp"})
        assert response.status_code == 429, f"anonymous POST {url} ({match.view_name}) is not limited: {response.status_code}"
        assert response.has_header("Retry-After"), url
        checked += 1
    assert exempt == EXEMPT
    assert checked > 50


@pytest.mark.django_db
def test_push_subscribe_is_limited_per_address_in_json(settings):
    """The probe's case: 400 push subscriptions from one address. Now the limit's worth, then 429."""
    settings.ANON_WRITE_RATE_LIMIT = 3
    MunicipalityFactory()
    client = Client()
    body = '{"endpoint": "https://push.example/x", "keys": {"p256dh": "a", "auth": "b"}, "topics": ["none"]}'
    for _ in range(3):
        assert client.post("/api/alerts/push/subscribe", body, content_type="application/json").status_code == 422
    response = client.post("/api/alerts/push/subscribe", body, content_type="application/json")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "短い時間に続いたため" in response.json()["detail"] and "もう一度お試しください" in response.json()["detail"]
    # Another address, and other endpoints from this address, are unaffected.
    assert client.post("/api/alerts/push/subscribe", body, content_type="application/json", REMOTE_ADDR="192.0.2.1").status_code == 422
    assert client.post("/api/alerts/push/unsubscribe", '{"endpoint": "x"}', content_type="application/json").status_code == 200


@pytest.mark.django_db
def test_signed_in_writes_are_not_counted(settings):
    from madoguchi.core.factories import UserFactory

    settings.ANON_WRITE_RATE_LIMIT = 1
    MunicipalityFactory()
    client = Client()
    client.force_login(UserFactory())
    body = '{"endpoint": "https://push.example/x", "keys": {"p256dh": "a", "auth": "b"}, "topics": ["none"]}'
    for _ in range(3):
        assert client.post("/api/alerts/push/subscribe", body, content_type="application/json").status_code == 422


@pytest.mark.django_db
def test_limit_window_ends(settings):
    import time_machine

    settings.ANON_WRITE_RATE_LIMIT = 1
    MunicipalityFactory()
    client = Client()
    with time_machine.travel("2026-12-04 10:00:00+09:00", tick=False) as clock:
        assert client.post("/alerts/confirm/x/").status_code == 404
        response = client.post("/alerts/confirm/x/")
        assert response.status_code == 429 and int(response["Retry-After"]) == 600
        assert "10時10分以降" in response.content.decode()
        clock.shift(601)
        assert client.post("/alerts/confirm/x/").status_code == 404
