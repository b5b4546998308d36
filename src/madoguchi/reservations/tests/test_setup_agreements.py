"""相互利用協定の画面 (共同運営, issue #10): the sections that run facilities list their city's
agreements; their 管理者 add and change them (audited); a clerk only reads; another section
gets a page that says why; another city's agreements never show."""

from __future__ import annotations

import pytest

from madoguchi.accounts.testing import login_staff
from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory
from madoguchi.core.models import AuditLog, StaffRole
from madoguchi.reservations.models import UseAgreement

from .test_setup import _staff

URL = "/reservations/staff/setup/agreements/"


@pytest.fixture
def manager(client, django_user_model, section):
    user = _staff(django_user_model, section)
    login_staff(client, user)
    return user


def test_manager_adds_and_changes_an_agreement(client, manager, facility, city):
    partner = MunicipalityFactory(name="あおば台町")
    page = client.get(URL + "new/").content.decode()
    assert "あおば台町" in page and f">{city.name}<" not in page  # never its own city
    r = client.post(URL + "new/", {"partner": "", "partner_residents_category": "resident", "active": "on"})
    assert r.status_code == 200 and "協定先の自治体を選んでください。" in r.content.decode()
    r = client.post(URL + "new/", {"partner": partner.pk, "partner_residents_category": "resident", "active": "on", "note": "令和8年4月締結"})
    assert r.status_code == 302
    agreement = UseAgreement.objects.get()
    assert agreement.municipality == city and agreement.partner == partner and agreement.partner_residents_category == "resident"
    listing = client.get(URL).content.decode()
    assert "あおば台町" in listing and "市内料金" in listing
    # a second agreement with the same partner is refused in words, not by a database error
    r = client.post(URL + "new/", {"partner": partner.pk, "partner_residents_category": "non_resident", "active": "on"})
    assert r.status_code == 200 and "すでに登録されています" in r.content.decode()
    r = client.post(f"{URL}{agreement.pk}/", {"partner": partner.pk, "partner_residents_category": "non_resident"})
    agreement.refresh_from_db()
    assert r.status_code == 302 and agreement.partner_residents_category == "non_resident" and not agreement.active
    assert AuditLog.objects.filter(target_type="reservations.useagreement").count() == 2


def test_clerk_reads_other_section_is_told_why_other_city_sees_nothing(client, django_user_model, section, other_section, facility, city):
    partner = MunicipalityFactory(name="あおば台町")
    agreement = UseAgreement.objects.create(municipality=city, partner=partner)
    login_staff(client, _staff(django_user_model, section, StaffRole.Role.CLERK))
    r = client.get(f"{URL}{agreement.pk}/")
    assert r.status_code == 200 and "閲覧のみできます" in r.content.decode()
    assert client.post(f"{URL}{agreement.pk}/", {}).status_code == 403
    assert client.get(URL + "new/").status_code == 403
    login_staff(client, _staff(django_user_model, other_section))
    r = client.get(URL)
    assert r.status_code == 403 and "施設を所管する課の職員だけ" in r.content.decode()
    # the partner city's own agreements are its own: on its rows, city A's agreement is invisible
    with tenancy.using(partner):
        assert not UseAgreement.objects.exists()
