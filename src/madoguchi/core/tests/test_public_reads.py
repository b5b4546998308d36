"""This site's city as a public read (core/public_reads.py, core.publicread)."""

from madoguchi.core import publicread
from madoguchi.core.factories import MunicipalityFactory


def _served_by_public_read(response) -> bool:
    return not hasattr(response.wsgi_request, "session")  # the session middleware never ran


def test_the_city_is_answered_before_the_session_with_the_operations_bytes(client, db, monkeypatch, django_user_model):
    MunicipalityFactory(name="みどり野市", is_default=True)
    client.force_login(django_user_model.objects.create_user(email="r@example.jp", password="x" * 12))
    fast = client.get("/api/core/municipality")
    assert fast.status_code == 200 and _served_by_public_read(fast)
    assert fast["Content-Length"] == str(len(fast.content)) and not fast.cookies
    monkeypatch.setattr(publicread, "_routes", [])  # the full stack's operation, for comparison
    client.logout()
    full = client.get("/api/core/municipality")
    assert full.status_code == 200 and not _served_by_public_read(full)
    assert fast.content == full.content and fast["Content-Type"] == full["Content-Type"]
    assert set(fast.json()) == {"name", "name_kana", "code", "prefecture"}


def test_an_unknown_host_goes_on_to_the_full_stack(client, db, settings):
    MunicipalityFactory(name="みどり野市", is_default=True)
    settings.TENANCY_STRICT_HOSTS = True
    r = client.get("/api/core/municipality", HTTP_HOST="unknown.localhost")
    assert not _served_by_public_read(r)
