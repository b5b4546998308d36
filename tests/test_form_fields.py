"""Every app's Django forms render through core/_field.html and core/_errors.html: each input's
aria-describedby points at help and error texts that are on the page, an invalid input is
marked aria-invalid, and the summary links to the inputs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest


class _Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str, list[str]]] = []
        self.invalid: list[str] = []
        self.summary_links: list[str] = []
        self._in_summary = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if a.get("aria-describedby"):
            self.described.append((tag, a.get("name") or a.get("id") or "", a["aria-describedby"].split()))
        if a.get("aria-invalid") == "true":
            self.invalid.append(a.get("name", ""))
        if a.get("id") == "error-summary":
            self._in_summary = 1
        elif self._in_summary:
            self._in_summary += tag == "div"
            if tag == "a":
                self.summary_links.append(a["href"].lstrip("#"))

    def handle_endtag(self, tag):
        if self._in_summary and tag == "div":
            self._in_summary -= 1


def _check(html: str) -> _Page:
    page = _Page(html)
    assert page.described, "no input is described"
    for tag, name, ids in page.described:
        for i in ids:
            assert i in page.ids, f"<{tag} {name}> aria-describedby={i!r} is not on the page"
    for target in page.summary_links:
        assert target in page.ids, f"the error summary links to #{target}, which is not on the page"
    return page


@pytest.fixture
def city(db):
    """What the pages' forms offer choices from: a city with alert topics and areas."""
    from madoguchi.alerts.factories import AreaFactory, TopicFactory
    from madoguchi.core.factories import MunicipalityFactory

    city = MunicipalityFactory()
    for slug in ("bousai", "gomi"):
        TopicFactory(municipality=city, slug=slug)
    AreaFactory(municipality=city, name="中央一丁目")
    AreaFactory(municipality=city, name="川辺町")
    return city


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "data", "invalid"),
    [
        ("/accounts/signup/", {"email": "not-an-address", "password1": "a", "password2": "b"}, "email"),
        ("/accounts/login/", {"username": "", "password": ""}, "username"),
        ("/alerts/subscribe/", {"channel": "email", "email": "x"}, "email"),
    ],
)
def test_public_forms_link_help_and_errors(client, city, url, data, invalid):
    first = _Page(client.get(url).content.decode())
    assert not first.invalid  # nothing is marked invalid before the resident has typed
    page = _check(client.post(url, data).content.decode())
    assert invalid in page.invalid and page.summary_links


@pytest.mark.django_db
def test_signed_in_forms_link_help_and_errors(client, city, django_user_model):
    user = django_user_model.objects.create_user(email="fields@example.jp", password="pw-123456789", email_verified=True)
    client.force_login(user)
    page = _check(client.post("/reservations/register/", {"phone": "abc"}).content.decode())
    assert page.invalid and page.summary_links
