"""Tenants (共同運営): the municipality comes from the request's host name."""

from __future__ import annotations

import pytest

from madoguchi.core import links, tenancy
from madoguchi.core.models import Municipality, MunicipalityDomain, Task
from madoguchi.core.tasks import enqueue


@pytest.fixture
def two_cities(db, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    a = Municipality.objects.create(name="みどり野市", code="139998", is_default=True, is_fictional=True)
    b = Municipality.objects.create(name="あおば台町", code="139980", is_fictional=True)
    MunicipalityDomain.objects.create(municipality=a, domain="midorino.localhost")
    MunicipalityDomain.objects.create(municipality=b, domain="Aobadai.localhost.")  # normalised on save
    return a, b


def test_each_host_shows_its_own_city(client, two_cities):
    a, b = two_cities
    page_a = client.get("/", HTTP_HOST="midorino.localhost:8000").content.decode()
    page_b = client.get("/", HTTP_HOST="aobadai.localhost").content.decode()
    assert "みどり野市" in page_a and "あおば台町" not in page_a
    assert "あおば台町" in page_b and "みどり野市" not in page_b


def test_unknown_host_is_the_default_city_unless_strict(client, two_cities, settings):
    a, _ = two_cities
    assert "みどり野市" in client.get("/", HTTP_HOST="localhost").content.decode()
    settings.TENANCY_STRICT_HOSTS = True
    response = client.get("/", HTTP_HOST="nowhere.localhost")
    assert response.status_code == 404
    assert "このアドレスの自治体は見つかりません" in response.content.decode()
    assert client.get("/", HTTP_HOST="aobadai.localhost").status_code == 200


def test_current_follows_the_active_city_and_falls_back_to_the_default(two_cities):
    a, b = two_cities
    assert Municipality.current() == a
    with tenancy.using(b):
        assert Municipality.current() == b
    assert Municipality.current() == a


def test_links_go_to_the_citys_own_host(two_cities):
    a, b = two_cities
    assert links.absolute_url("reservations:my", municipality=b) == "http://aobadai.localhost:8000/reservations/my/"
    assert b.site_url == "http://aobadai.localhost:8000"
    nameless = Municipality.objects.create(name="名無し村", code="139971")
    assert links.absolute_url("reservations:my", municipality=nameless) == "http://127.0.0.1:8000/reservations/my/"


def test_a_task_runs_for_the_city_it_was_queued_for(two_cities, settings, run_tasks):
    a, b = two_cities
    settings.TASK_MODE = "redis-off"  # queue only; run below
    seen = []
    from madoguchi.core import registry

    @registry.tasks.register("test.tenant_probe", origin="test")
    class _Probe:
        name = "test.tenant_probe"
        max_attempts = 1
        every = None

        @staticmethod
        def func():
            seen.append(Municipality.current())

    try:
        with tenancy.using(b):
            task = enqueue("test.tenant_probe")
        assert Task.objects.get(pk=task.pk).municipality_id == b.pk
        from madoguchi.core.tasks import run_task

        run_task(task.pk)
        assert seen == [b]
    finally:
        registry.tasks.unregister("test.tenant_probe")


def test_the_manager_scopes_to_the_active_city_and_writes_stay_in_it(two_cities):
    from madoguchi.core.models import Section, fill_municipality

    a, b = two_cities
    Section.objects.create(municipality=a, name="市民課")
    Section.objects.create(municipality=b, name="町民課")
    assert Section.objects.count() == 2  # no city active: commands, the operator
    with tenancy.using(b):
        assert list(Section.objects.values_list("name", flat=True)) == ["町民課"]
        assert list(a.sections.values_list("name", flat=True)) == []  # reverse relations too
        with tenancy.unscoped():
            assert Section.objects.count() == 2
        row = Section(name="x")
        row.municipality_id = None
        fill_municipality(row)
        assert row.municipality_id == b.pk
        intruder = Section(name="y", municipality=a)
        with pytest.raises(PermissionError):
            fill_municipality(intruder)


def test_every_model_is_city_owned_or_declared_platform_wide():
    from madoguchi.core.tenancy import check_tenancy

    assert [m.obj._meta.label for m in check_tenancy()] == []


def test_staff_and_platform_admins_belong_to_their_own_city(client, two_cities, django_user_model):
    from madoguchi.accounts.testing import login_staff
    from madoguchi.core.models import Section, StaffRole
    from madoguchi.core.permissions import is_platform_admin, is_staff_member

    a, b = two_cities
    section_a = Section.objects.create(municipality=a, name="情報政策課", is_information_policy=True)
    admin_a = django_user_model.objects.create_user(email="admin@a.example.jp", password="x-Passw0rd-x", is_staff=True, is_platform_admin=True)
    StaffRole.objects.create(user=admin_a, section=section_a, role=StaffRole.Role.MANAGER)
    with tenancy.using(a):
        assert is_platform_admin(admin_a) and is_staff_member(admin_a)
    with tenancy.using(b):
        assert not is_platform_admin(admin_a) and not is_staff_member(admin_a)
    login_staff(client, admin_a)
    assert client.get("/staff/", HTTP_HOST="midorino.localhost").status_code == 200
    assert client.get("/staff/", HTTP_HOST="aobadai.localhost").status_code == 403
    assert client.get("/core/audit/", HTTP_HOST="aobadai.localhost").status_code == 403
    # A roleless platform admin counts only while the deployment serves one city.
    roleless = django_user_model.objects.create_user(email="root@example.jp", password="x-Passw0rd-x", is_staff=True, is_platform_admin=True)
    with tenancy.using(b):
        assert not is_platform_admin(roleless)


def test_one_citys_rush_is_limited_without_starving_the_others(client, two_cities, settings, monkeypatch):
    import madoguchi.core.ratelimit as rl

    monkeypatch.setattr(rl.time, "time", lambda: 1_800_000_000.0)  # one fixed second: no timing in tests
    settings.TENANCY_CITY_REQUESTS_PER_SECOND = 2
    assert [client.get("/", HTTP_HOST="midorino.localhost").status_code for _ in range(3)] == [200, 200, 503]
    busy = client.get("/", HTTP_HOST="midorino.localhost")
    assert busy["Retry-After"] == "1" and "混み合っています" in busy.content.decode()
    assert client.get("/", HTTP_HOST="aobadai.localhost").status_code == 200  # the neighbour is served
    settings.TENANCY_CITY_REQUESTS_PER_SECOND = 0
    assert client.get("/", HTTP_HOST="midorino.localhost").status_code == 200


def test_rate_limit_keys_are_per_city(two_cities):
    from madoguchi.core import ratelimit

    a, b = two_cities
    with tenancy.using(a):
        for _ in range(3):
            ratelimit.hit("otp", "7", 60)
        assert ratelimit.blocked("otp", "7", 3)
    with tenancy.using(b):
        assert ratelimit.blocked("otp", "7", 3) is None


def test_city_settings_are_edited_by_the_citys_own_admin(client, two_cities, django_user_model):
    import io

    from PIL import Image

    from madoguchi.accounts.testing import login_staff
    from madoguchi.core.models import Section, StaffRole

    a, b = two_cities
    admin_b = django_user_model.objects.create_user(email="admin@b.example.jp", password="x-Passw0rd-x", is_staff=True, is_platform_admin=True)
    StaffRole.objects.create(user=admin_b, section=Section.objects.create(municipality=b, name="情報政策課", is_information_policy=True), role="manager")
    login_staff(client, admin_b)
    assert client.get("/core/city/settings/", HTTP_HOST="midorino.localhost").status_code == 403  # not their city
    page = client.get("/core/city/settings/", HTTP_HOST="aobadai.localhost")
    assert page.status_code == 200 and "あおば台町" in page.content.decode()
    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "emblem.png"
    bad = client.post(
        "/core/city/settings/",
        {"name": "あおば台町", "theme": "green", "emblem": fake, "provider_settings_json": "{oops", "sender_email": "info@aobadai.example.jp"},
        HTTP_HOST="aobadai.localhost",
    )
    text = bad.content.decode()
    assert bad.status_code == 400 and "JSONとして読めません" in text and "PDF" in text and "info@aobadai.example.jp" in text
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(png, "PNG")
    png.seek(0)
    png.name = "emblem.png"
    ok = client.post(
        "/core/city/settings/",
        {
            "name": "あおば台町",
            "theme": "green",
            "emblem": png,
            "line_channel_secret": "s3cret",
            "sender_email": "info@aobadai.example.jp",
            "provider_settings_json": '{"payments": {"stripe": {"account": "acct_b"}}}',
        },
        HTTP_HOST="aobadai.localhost",
    )
    assert ok.status_code == 302
    b.refresh_from_db()
    assert b.theme == "green" and b.line_channel_secret == "s3cret" and b.sender_email == "info@aobadai.example.jp"
    assert tenancy.provider_settings("payments", "stripe", b) == {"account": "acct_b"}
    assert tenancy.city_setting("sender_email", a) != "info@aobadai.example.jp"  # the deployment's default for A
    home = client.get("/", HTTP_HOST="aobadai.localhost").content.decode()
    assert 'class="theme-green"' in home and "/core/emblem/" in home
    assert client.get("/core/emblem/", HTTP_HOST="aobadai.localhost")["Content-Type"] == "image/png"
    assert client.get("/core/emblem/", HTTP_HOST="midorino.localhost").status_code == 404
    assert "s3cret" not in client.get("/core/city/settings/", HTTP_HOST="aobadai.localhost").content.decode()


def test_a_queryset_made_at_import_time_is_scoped_when_used(two_cities):
    from django import forms

    from madoguchi.core.models import Section

    a, b = two_cities
    Section.objects.create(municipality=a, name="市民課")
    Section.objects.create(municipality=b, name="町民課")

    class PickSection(forms.Form):  # a class attribute: made with no city active
        section = forms.ModelChoiceField(queryset=Section.objects.order_by("name"))

    with tenancy.using(b):
        assert [label for _, label in PickSection().fields["section"].choices][1:] == ["町民課"]
        assert list(Section.objects.order_by("name").filter(name__endswith="課").values_list("name", flat=True)) == ["町民課"]
    with tenancy.unscoped():
        everything = Section.objects.all()
    with tenancy.using(b):
        assert everything.count() == 2  # made under unscoped(): stays unscoped


def test_views_are_imported_before_a_city_is_first_active(db, monkeypatch):
    """A form's class-level queryset made at import under city A would list A's rows on every
    host; the first activation of a city imports the URL conf (and so every view) city-less."""
    from django.urls import get_resolver

    from madoguchi.core.factories import MunicipalityFactory

    seen = []
    monkeypatch.setattr(tenancy, "_VIEWS_LOADED", False)
    resolver = get_resolver()
    monkeypatch.setattr(type(resolver), "url_patterns", property(lambda self: seen.append(tenancy.current_id()) or []))
    with tenancy.using(MunicipalityFactory()):
        with tenancy.using(MunicipalityFactory()):
            pass
    assert seen == [None]  # once, and while no city was active
