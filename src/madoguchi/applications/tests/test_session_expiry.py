"""Session expiry mid-form (issue #12 item 1): with the session gone, 次へ on a page of the
resident's own application sends them to sign in and back to the same page (it was a 404 and
the answers were lost); after signing in the page opens again for that account only."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.applications.factories import SubmissionFactory
from madoguchi.applications.models import Submission
from madoguchi.core.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(resident):
    return SubmissionFactory(applicant=resident, status=Submission.Status.DRAFT, receipt_number=None, submitted_at=None)


def _login_next(response) -> str:
    assert response.status_code == 302, response.status_code
    target = urlparse(response["Location"])
    assert target.path == reverse("accounts:login")
    return parse_qs(target.query)["next"][0]


@pytest.mark.parametrize("debug", [False, True])
def test_next_with_the_session_gone_goes_to_login_and_back(draft, settings, debug):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)  # no session: it expired
    page = reverse("applications:fill", args=[draft.uuid, 1])
    response = client.post(page, {"action": "next", "note": "書きかけ"})
    assert _login_next(response) == page
    draft.refresh_from_db()
    assert "note" not in draft.answers  # nothing stored for a visitor who is not signed in


def test_confirm_with_the_session_gone_goes_to_login_and_back(draft):
    client = Client(raise_request_exception=False)
    page = reverse("applications:confirm", args=[draft.uuid])
    assert _login_next(client.post(page)) == page


def test_after_signing_in_the_same_page_opens(draft, resident):
    client = Client(raise_request_exception=False)
    page = reverse("applications:fill", args=[draft.uuid, 1])
    next_url = _login_next(client.get(page))
    client.force_login(resident)
    assert client.get(next_url).status_code == 200


def test_another_account_signing_in_gets_no_page(draft):
    client = Client(raise_request_exception=False)
    client.force_login(ResidentFactory())
    response = client.get(reverse("applications:fill", args=[draft.uuid, 1]))
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()
