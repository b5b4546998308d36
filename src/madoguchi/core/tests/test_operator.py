"""共同運営: the operator adds cities and sees their health, never residents' data."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from madoguchi.accounts.testing import login_staff
from madoguchi.core import cities
from madoguchi.core.models import Municipality, MunicipalityDomain, Section, StaffRole


@pytest.fixture
def operator(db, django_user_model):
    Municipality.objects.create(name="みどり野市", code="139998", is_default=True)
    return django_user_model.objects.create_user(email="op@example.jp", password="x-Passw0rd-x", is_operator=True)


def test_add_city_makes_city_host_section_and_first_admin(operator, smtp_email, run_tasks):
    city, admin = cities.add_city(
        cities.NewCity(name="あおば台町", code="139980", domain="Aobadai.localhost", admin_email="Joho@Aobadai.example.jp"), invite_by=operator
    )
    assert MunicipalityDomain.objects.get(municipality=city).domain == "aobadai.localhost"
    role = StaffRole.objects.get(user=admin)
    assert role.section.municipality == city and role.section.is_information_policy and role.role == StaffRole.Role.MANAGER
    assert admin.email == "joho@aobadai.example.jp" and not admin.is_platform_admin
    run_tasks()
    [mail] = smtp_email.wait_for(1)
    assert "http://aobadai.localhost" in mail["message"].get_body(preferencelist=("plain",)).get_content()  # the new city's host


def test_add_city_refuses_taken_code_host_and_other_citys_staff(operator):
    cities.add_city(cities.NewCity(name="あおば台町", code="139980", domain="aobadai.localhost", admin_email="a@example.jp"))
    with pytest.raises(ValidationError) as exc:
        cities.add_city(cities.NewCity(name="重複町", code="139980", domain="aobadai.localhost", admin_email="a@example.jp"))
    errors = exc.value.message_dict
    assert "139980" in errors["code"][0] and "aobadai.localhost" in errors["domain"][0] and "1つの自治体" in errors["admin_email"][0]
    with pytest.raises(ValidationError) as exc:
        cities.add_city(cities.NewCity(name="誤り町", code="139981", domain="x.localhost", admin_email="b@example.jp"))
    assert "code" in exc.value.message_dict  # check digit


def test_add_city_command(operator, capsys):
    call_command("add_city", "--name", "あおば台町", "--code", "139980", "--domain", "aobadai.localhost", "--admin-email", "a@example.jp")
    out = capsys.readouterr().out
    assert "あおば台町" in out and "http://aobadai.localhost" in out and "/accounts/" in out
    with pytest.raises(CommandError, match="139980"):
        call_command("add_city", "--name", "x", "--code", "139980", "--domain", "y.localhost", "--admin-email", "c@example.jp")


def test_operator_console_shows_counts_and_adds_a_city(client, operator):
    login_staff(client, operator)
    page = client.get("/operator/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "みどり野市" in text and "今年度の利用状況" in text
    bad = client.post("/operator/cities/add/", {"name": "あおば台町", "code": "139981", "domain": "aobadai.localhost", "admin_email": "a@example.jp"})
    assert bad.status_code == 400 and "あおば台町" in bad.content.decode()  # kept, with the error
    ok = client.post("/operator/cities/add/", {"name": "あおば台町", "code": "139980", "domain": "aobadai.localhost", "admin_email": "a@example.jp"})
    assert ok.status_code == 302
    assert Section.objects.filter(municipality__code="139980", is_information_policy=True).exists()


def test_only_operators_reach_the_console(client, db, django_user_model):
    Municipality.objects.create(name="みどり野市", code="139998", is_default=True)
    admin = django_user_model.objects.create_user(email="admin@example.jp", password="x-Passw0rd-x", is_staff=True, is_platform_admin=True)
    login_staff(client, admin)
    assert client.get("/operator/").status_code == 403
    client.logout()
    assert client.get("/operator/").status_code == 302


def test_operator_console_only_on_the_operator_host(client, operator, settings):
    """TENANCY_OPERATOR_HOSTS: the console answers only on the operator's host, which serves no
    city's pages; a city's host has no console."""
    settings.TENANCY_OPERATOR_HOSTS = "kyodo.localhost"
    settings.ALLOWED_HOSTS = ["*"]
    MunicipalityDomain.objects.create(municipality=Municipality.objects.get(code="139998"), domain="midorino.localhost")
    login_staff(client, operator)
    assert client.get("/operator/", HTTP_HOST="kyodo.localhost").status_code == 200
    assert client.get("/operator/", HTTP_HOST="midorino.localhost").status_code == 404
    assert client.get("/operator/", HTTP_HOST="127.0.0.1").status_code == 404
    page = client.get("/", HTTP_HOST="kyodo.localhost")
    assert page.status_code == 404 and "共同運営の管理用" in page.content.decode()
    assert client.get("/procedures/", HTTP_HOST="kyodo.localhost").status_code == 404
    assert client.get("/healthz", HTTP_HOST="kyodo.localhost").status_code == 200
    client.logout()
    assert client.get("/accounts/login/", HTTP_HOST="kyodo.localhost").status_code == 200
    assert client.get("/", HTTP_HOST="midorino.localhost").status_code == 200  # the city's site as before
