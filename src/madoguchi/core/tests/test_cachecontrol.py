"""Issue #11 item 8: every signed-in response is ``Cache-Control: no-store`` unless its view is
marked ``@no_personal_data`` (pages, API answers, files and exports alike)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from madoguchi.core.cachecontrol import NoStoreMiddleware, no_personal_data
from madoguchi.core.factories import MunicipalityFactory, UserFactory


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def resident(db):
    MunicipalityFactory()
    return UserFactory(email="resident@example.jp")


@pytest.mark.django_db
def test_signed_in_api_answer_and_pages_are_no_store(client, resident):
    client.force_login(resident)
    for url in ["/api/accounts/me", "/my/applications/", "/reservations/my/", "/accounts/everywhere/", "/alerts/mine/", "/procedures/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), url
        assert "private" in response["Cache-Control"], url


@pytest.mark.django_db
def test_marked_answers_keep_their_caching(client, resident):
    client.force_login(resident)
    response = client.get("/api/alerts/notices")
    assert response.status_code == 200 and not _no_store(response)


@pytest.mark.django_db
def test_facility_calendar_is_marked(client, resident):
    from madoguchi.reservations.factories import UnitFactory

    unit = UnitFactory()
    client.force_login(resident)
    response = client.get(f"/api/reservations/units/{unit.pk}/availability", {"year": 2027, "month": 1})
    assert response.status_code == 200 and not _no_store(response)
    assert _no_store(client.get("/api/reservations/bookings"))  # the resident's own: never cached


@pytest.mark.django_db
def test_anonymous_answers_are_left_alone(client, resident):
    response = client.get("/api/alerts/notices")
    assert not _no_store(response)


@pytest.mark.django_db
def test_no_account_case_opened_through_its_link_is_no_store():
    """No account, but the session holds the case (item 7's link): page and PDF are personal."""
    from urllib.parse import urlsplit

    from django.test import Client
    from django.urls import reverse

    from madoguchi.applications import services
    from madoguchi.applications.factories import SubmissionFactory
    from madoguchi.applications.models import Submission

    MunicipalityFactory()
    case = SubmissionFactory(applicant=None, applicant_name="窓口 花子", applicant_email="hanako@example.jp", status=Submission.Status.RECEIVED)
    browser = Client()
    assert not _no_store(browser.get("/api/alerts/notices"))  # no session yet: public
    browser.get(urlsplit(services.case_url(case)).path)
    for url in [reverse("applications:my_detail", args=[case.uuid]), reverse("applications:my_pdf", args=[case.uuid])]:
        response = browser.get(url)
        assert response.status_code == 200 and _no_store(response), url


@pytest.mark.django_db
def test_staff_export_download_is_no_store(client, settings):
    from madoguchi.accounts.testing import login_staff
    from madoguchi.core.factories import InformationPolicySectionFactory, StaffFactory

    MunicipalityFactory()
    admin = StaffFactory(section=InformationPolicySectionFactory(), admin=True)
    login_staff(client, admin)
    response = client.get("/core/audit/export.csv")
    assert response.status_code == 200 and _no_store(response)


def test_view_caching_headers_are_replaced_unless_marked():
    """A view saying ``public, max-age`` for a signed-in request is overridden; a marked one is not."""

    class Signed:
        is_authenticated = True

    def public_view(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "public, max-age=300"
        return response

    request = RequestFactory().get("/")
    request.user = Signed()
    response = NoStoreMiddleware(public_view)(request)
    assert _no_store(response) and "public" not in response["Cache-Control"]
    response = NoStoreMiddleware(no_personal_data(public_view))(request)
    assert response["Cache-Control"] == "public, max-age=300"
