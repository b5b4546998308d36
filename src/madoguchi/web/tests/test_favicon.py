"""The favicon (issue #12 item 10): linked from every page (SVG and ICO) and served at
/favicon.ico, where browsers ask for it whatever the page links."""

import pytest
from django.contrib.staticfiles import finders

from madoguchi.core.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def test_every_page_links_the_favicon(client):
    MunicipalityFactory(is_default=True)
    html = client.get("/").content.decode()
    assert 'rel="icon" href="/static/web/favicon.svg" type="image/svg+xml"' in html
    assert 'rel="icon" href="/static/web/favicon.ico"' in html
    for name in ("web/favicon.svg", "web/favicon.ico", "web/apple-touch-icon.png"):
        assert finders.find(name), name


def test_favicon_ico_at_the_root(client):
    MunicipalityFactory(is_default=True)
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/web/favicon.ico"
