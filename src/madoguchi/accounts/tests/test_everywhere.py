"""One resident account across the cities of a 共同運営: its records of every city in one place,
each city showing only its own on its own host."""

from __future__ import annotations

import pytest

from madoguchi.core import tenancy
from madoguchi.core.models import MunicipalityDomain


@pytest.fixture
def resident_in_two_cities(db, django_user_model):
    from madoguchi.applications.factories import SubmissionFactory
    from madoguchi.core.factories import MunicipalityFactory

    a = MunicipalityFactory(name="みどり野市")
    b = MunicipalityFactory(name="あおば台町")
    MunicipalityDomain.objects.create(municipality=a, domain="midorino.localhost")
    MunicipalityDomain.objects.create(municipality=b, domain="aobadai.localhost")
    resident = django_user_model.objects.create_user(email="r@example.jp", password="x-Passw0rd-x")
    with tenancy.using(a):
        sa = SubmissionFactory(applicant=resident, procedure__municipality=a, procedure__name="転出届")
    with tenancy.using(b):
        sb = SubmissionFactory(applicant=resident, procedure__municipality=b, procedure__name="転入届")
    return a, b, resident, sa, sb


def test_the_resident_sees_every_citys_records_in_one_place(client, resident_in_two_cities, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    a, b, resident, sa, sb = resident_in_two_cities
    client.force_login(resident)
    page = client.get("/accounts/everywhere/", HTTP_HOST="aobadai.localhost").content.decode()
    assert "転出届" in page and "転入届" in page and "みどり野市" in page and "あおば台町" in page
    assert f"http://midorino.localhost:8000/my/applications/{sa.uuid}/" in page  # each on its own city's host
    # Each city's own list shows only its own case.
    mine_b = client.get("/my/applications/", HTTP_HOST="aobadai.localhost").content.decode()
    assert "転入届" in mine_b and "転出届" not in mine_b
    assert client.get(f"/my/applications/{sa.uuid}/", HTTP_HOST="aobadai.localhost").status_code == 404


def test_other_residents_records_never_appear(client, resident_in_two_cities, django_user_model):
    other = django_user_model.objects.create_user(email="o@example.jp", password="x-Passw0rd-x")
    client.force_login(other)
    page = client.get("/accounts/everywhere/", HTTP_HOST="aobadai.localhost").content.decode()
    assert "転出届" not in page and "まだ申請や予約はありません" in page
