"""The second wall (PostgreSQL row-level security): even a query that forgets the city filter
(raw SQL, a manager bypassed) sees only the active city's rows."""

from __future__ import annotations

import pytest
from django.db import connection

from madoguchi.core import tenancy
from madoguchi.core.models import Municipality, Section

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_cities(db):
    if connection.vendor != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    a = Municipality.objects.create(name="みどり野市", code="139998", is_default=True)
    b = Municipality.objects.create(name="あおば台町", code="139980")
    Section.objects.create(municipality=a, name="市民課")
    Section.objects.create(municipality=b, name="町民課")
    return a, b


def _raw_names():
    with connection.cursor() as cur:
        cur.execute(f"SELECT name FROM {Section._meta.db_table} ORDER BY name")  # no city filter on purpose
        return [r[0] for r in cur.fetchall()]


def test_the_test_role_is_bound_by_the_policies(two_cities):
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cur.fetchone() == (False, False)
        cur.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s", [Section._meta.db_table])
        assert cur.fetchone() == (True, True)


def test_raw_sql_sees_only_the_active_city(two_cities):
    a, b = two_cities
    assert _raw_names() == ["市民課", "町民課"]  # no city: commands, migrations, the operator
    with tenancy.using(b, database=True):
        assert _raw_names() == ["町民課"]
        assert list(Section.objects.values_list("name", flat=True)) == ["町民課"]  # the first wall too
        with tenancy.unscoped():
            assert Section.objects.count() == 1 and _raw_names() == ["町民課"]  # the database still holds the wall
    assert _raw_names() == ["市民課", "町民課"]


def test_a_request_sets_and_clears_the_city(client, two_cities):
    a, b = two_cities
    from madoguchi.core.models import MunicipalityDomain

    MunicipalityDomain.objects.create(municipality=b, domain="aobadai.localhost")
    assert client.get("/", HTTP_HOST="aobadai.localhost").status_code == 200
    assert _raw_names() == ["市民課", "町民課"]  # the connection carries no city after the request


def test_manager_scopes_and_refuses_writes_to_another_city(two_cities):
    a, b = two_cities
    with tenancy.using(a):
        assert list(Section.objects.values_list("name", flat=True)) == ["市民課"]
    from madoguchi.core.models import StaffRole  # noqa: F401  (CityOwned rows refuse another city: see test_tenancy)


def test_a_session_without_the_setting_sees_nothing(two_cities):
    """Fail closed: a connection that never said which city (a Citus worker without the
    setting, a misconfigured pool) sees no city's rows."""
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('madoguchi.city', '', false)")
    try:
        assert _raw_names() == []
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('madoguchi.city', '*', false)")
    assert _raw_names() == ["市民課", "町民課"]


def test_a_server_session_keeps_its_city_until_the_next_request_sets_another(client, two_cities, settings, django_assert_num_queries):
    a, b = two_cities
    from madoguchi.core import tenancy
    from madoguchi.core.models import MunicipalityDomain

    MunicipalityDomain.objects.create(municipality=a, domain="midorino.localhost")
    MunicipalityDomain.objects.create(municipality=b, domain="aobadai.localhost")
    settings.TENANCY_RESET_DB_CITY = False  # as a server runs
    client.get("/healthz", HTTP_HOST="aobadai.localhost")
    assert _raw_names() == ["町民課"]  # the session kept B: the next request sets its own
    with django_assert_num_queries(0):
        tenancy.set_database_city_if_changed(b.pk)  # same city again: no round trip
    client.get("/healthz", HTTP_HOST="midorino.localhost")
    assert _raw_names() == ["市民課"]
    tenancy.set_database_city(None)
