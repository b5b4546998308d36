"""共同運営 (issue #10): two cities with the same procedure slug and forms on one deployment. On
one city's host nothing of the other's is found or listed: procedure pages, the API, cases,
the staff inbox and exports, uploaded files; receipt numbers are counted per city."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications import services
from madoguchi.applications.models import LifeEvent, Procedure, ReceiptCounter, Submission
from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, ResidentFactory, SectionFactory, StaffFactory
from madoguchi.core.models import MunicipalityDomain
from madoguchi.core.wareki import fiscal_year
from madoguchi.forms.factories import FormFactory
from madoguchi.forms.models import Form, Upload

pytestmark = pytest.mark.django_db

A, B = "midorino.localhost", "aobadai.localhost"


def _city(name: str, host: str, tag: str):
    city = MunicipalityFactory(name=name)
    MunicipalityDomain.objects.create(municipality=city, domain=host)
    section = SectionFactory(municipality=city, name="市民課", with_email=True)
    form = FormFactory(section=section, name=f"住民票の写しの交付請求（{tag}）")
    procedure = Procedure.objects.create(municipality=city, section=section, slug="juminhyo", name=f"住民票の写しの交付請求（{tag}）", summary="-", form=form)
    LifeEvent.objects.create(municipality=city, slug="moving", name=f"引越し（{tag}）")
    return city, section, procedure


@pytest.fixture
def cities(settings):
    settings.TENANCY_STRICT_HOSTS = True
    a = _city("みどり野市", A, "みどり野")
    b = _city("あおば台町", B, "あおば台")
    # A procedure only city A has.
    Procedure.objects.create(municipality=a[0], section=a[1], slug="a-only", name="みどり野だけの手続", summary="-", form=a[2].form)
    tenancy.clear_caches()
    return a, b


@pytest.fixture
def resident():
    """One account, used in both cities."""
    return ResidentFactory(email="both@example.jp")


def _apply(city, procedure, user) -> Submission:
    with tenancy.using(city, database=True):
        draft = services.start_draft(procedure, user=user)
        assert draft.municipality_id == city.pk
        return services.submit(draft, actor=user)


def test_procedures_forms_and_life_events_stay_in_their_city(client, cities):
    (a, _, proc_a), (b, _, proc_b) = cities
    page = client.get(reverse("applications:procedure", args=["juminhyo"]), HTTP_HOST=B)
    assert page.status_code == 200
    assert proc_b.name in page.content.decode() and proc_a.name not in page.content.decode()
    assert client.get(reverse("applications:procedure", args=["a-only"]), HTTP_HOST=B).status_code == 404
    assert client.get(reverse("applications:procedure", args=["a-only"]), HTTP_HOST=A).status_code == 200
    catalogue = client.get(reverse("applications:catalogue"), HTTP_HOST=B).content.decode()
    assert proc_b.name in catalogue and proc_a.name not in catalogue and "みどり野だけの手続" not in catalogue

    api = client.get("/api/applications/procedures", HTTP_HOST=B).json()
    assert [p["name"] for p in api] == [proc_b.name]
    assert client.get("/api/applications/procedures/a-only", HTTP_HOST=B).status_code == 404
    assert client.get("/api/applications/procedures/juminhyo", HTTP_HOST=B).json()["name"] == proc_b.name
    assert client.get("/api/applications/procedures/juminhyo", HTTP_HOST=A).json()["name"] == proc_a.name
    assert [e["name"] for e in client.get("/api/applications/life-events", HTTP_HOST=B).json()] == ["引越し（あおば台）"]
    # Forms: the definition API answers only for the host's own forms.
    assert client.get(f"/api/forms/{proc_a.form_id}", HTTP_HOST=B).status_code == 404
    assert client.get(f"/api/forms/{proc_b.form_id}", HTTP_HOST=B).status_code == 200
    assert client.get(f"/api/forms/{proc_a.form_id}", HTTP_HOST=A).json()["name"] == proc_a.form.name
    # Every row carries its city.
    assert Form.objects.get(pk=proc_a.form_id).municipality_id == a.pk
    assert proc_b.form.published_version().municipality_id == b.pk


def test_a_resident_of_both_cities_sees_each_citys_cases_on_its_host(client, cities, resident):
    (a, _, proc_a), (b, _, proc_b) = cities
    case_a, case_b = _apply(a, proc_a, resident), _apply(b, proc_b, resident)
    assert (case_a.municipality_id, case_b.municipality_id) == (a.pk, b.pk)
    assert case_a.events.get().municipality_id == a.pk
    client.force_login(resident)

    mine_b = client.get(reverse("applications:my_list"), HTTP_HOST=B).content.decode()
    assert proc_b.name in mine_b and proc_a.name not in mine_b
    mine_a = client.get(reverse("applications:my_list"), HTTP_HOST=A).content.decode()
    assert proc_a.name in mine_a and proc_b.name not in mine_a
    assert [s["id"] for s in client.get("/api/applications/my/submissions", HTTP_HOST=B).json()] == [str(case_b.uuid)]

    # City A's case, by its uuid, on city B's host: not found (page, PDF, API).
    assert client.get(reverse("applications:my_detail", args=[case_a.uuid]), HTTP_HOST=B).status_code == 404
    assert client.get(reverse("applications:my_pdf", args=[case_a.uuid]), HTTP_HOST=B).status_code == 404
    assert client.get(f"/api/applications/my/submissions/{case_a.uuid}", HTTP_HOST=B).status_code == 404
    assert client.get(reverse("applications:my_detail", args=[case_a.uuid]), HTTP_HOST=A).status_code == 200


def test_receipt_numbers_restart_per_city(cities, resident):
    (a, _, proc_a), (b, _, proc_b) = cities
    first_a, first_b, second_a = _apply(a, proc_a, resident), _apply(b, proc_b, resident), _apply(a, proc_a, ResidentFactory())
    fy = fiscal_year(first_a.submitted_at.date())
    assert first_a.receipt_number == first_b.receipt_number == f"{fy}-000001"
    assert second_a.receipt_number == f"{fy}-000002"
    with tenancy.unscoped():
        assert sorted(ReceiptCounter.objects.values_list("municipality_id", "last")) == sorted([(a.pk, 2), (b.pk, 1)])


def test_staff_inbox_and_exports_list_only_their_city(client, cities, resident):
    (a, _, proc_a), (b, section_b, proc_b) = cities
    case_a, case_b = _apply(a, proc_a, resident), _apply(b, proc_b, resident)
    login_staff(client, StaffFactory(section=section_b, role="manager"))
    inbox = client.get(reverse("applications:staff_inbox"), HTTP_HOST=B).content.decode()
    assert proc_b.name in inbox and proc_a.name not in inbox
    assert client.get(reverse("applications:staff_detail", args=[case_a.uuid]), HTTP_HOST=B).status_code == 404
    assert client.get(reverse("applications:staff_detail", args=[case_b.uuid]), HTTP_HOST=B).status_code == 200
    csv = client.get(reverse("applications:staff_export", args=["csv"]), HTTP_HOST=B).content.decode("utf-8-sig")
    assert proc_b.name in csv and proc_a.name not in csv
    assert [s["id"] for s in client.get("/api/applications/staff/submissions", HTTP_HOST=B).json()] == [str(case_b.uuid)]


def test_uploads_are_stored_and_served_per_city(client, cities, resident):
    (a, _, _), (b, _, _) = cities
    with tenancy.using(a, database=True):
        upload = Upload(owner=resident, original_name="a.png", size=3, content_type="image/png", sha256="0" * 64)
        upload.file.save("a.png", ContentFile(b"png"), save=False)
        upload.save()
    assert upload.municipality_id == a.pk and upload.file.name.startswith(f"uploads/{a.code}/")
    client.force_login(resident)
    url = reverse("forms:upload", args=[upload.pk])
    assert client.get(url, HTTP_HOST=B).status_code == 404
    assert client.get(url, HTTP_HOST=A).status_code == 200
    with tenancy.using(b, database=True):
        assert not Upload.objects.filter(pk=upload.pk).exists()
