"""What the performance work of issue #9 relies on, as behaviour (never timing): a city's main
host name is read once and then cached (every email and absolute link needs it) and forgotten
when a host name changes; a booking's confirmation is one task in the worker, not two; and on
PostgreSQL the connection prepares statements (server-side binding)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory
from madoguchi.core.models import MunicipalityDomain


@pytest.mark.django_db
def test_primary_domain_is_cached_and_forgotten_when_a_host_name_changes():
    city = MunicipalityFactory()
    assert city.primary_domain == ""
    MunicipalityDomain.objects.create(municipality=city, domain="B.Example.jp", is_primary=False)
    assert city.primary_domain == "b.example.jp"
    MunicipalityDomain.objects.create(municipality=city, domain="a.example.jp", is_primary=True)
    assert city.primary_domain == "a.example.jp"  # the primary one wins over the first by name
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert city.primary_domain == "a.example.jp"
    assert len(queries) == 0
    MunicipalityDomain.objects.get(domain="a.example.jp").delete()
    assert city.primary_domain == "b.example.jp"
    tenancy.clear_caches()
    assert city.primary_domain == "b.example.jp"


def test_postgresql_connections_prepare_statements(settings):
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("PostgreSQL only")
    assert db["OPTIONS"].get("server_side_binding") is True
    assert db["OPTIONS"].get("prepare_threshold", 0) > 0
