"""申請の統計 in real Chromium at 360 px (issue #12 item 11): three charts within the screen,
no sideways scrolling, axe-clean."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from madoguchi.accounts.testing import staff_login_in_browser
from madoguchi.core.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_statistics_page_fits_360px_and_is_accessible(live_server, page, axe_check, reflow_check):
    from madoguchi.applications.factories import ProcedureFactory, SubmissionFactory
    from madoguchi.applications.models import Submission
    from madoguchi.core.factories import MunicipalityFactory, SectionFactory, StaffFactory
    from madoguchi.core.wareki import fiscal_year

    city = MunicipalityFactory(name="みどり野市", is_default=True)
    shimin = SectionFactory(municipality=city, name="市民課")
    names = ["転入届", "転出届", "住民票の写しの請求", "印鑑登録証明書の交付申請", "戸籍証明書の請求", "マイナンバーカードの交付予約"]
    procedures = [ProcedureFactory(section=shimin, name=name) for name in names]
    year = fiscal_year(timezone.localdate())
    for i in range(24):
        month = 4 + i % 12
        moment = dt.datetime(year + (month > 12), (month - 1) % 12 + 1, 10, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
        channel = [Submission.Channel.ONLINE, Submission.Channel.COUNTER, Submission.Channel.API][i % 3]
        SubmissionFactory(procedure=procedures[i % len(procedures)], submitted_at=moment, channel=channel)
    clerk = StaffFactory(section=shimin)
    staff_login_in_browser(page, live_server.url, clerk.email, PASSWORD)
    page.goto(f"{live_server.url}/staff/applications/statistics/")
    assert page.locator("figure.chart svg[role=img]").count() == 3
    reflow_check(page, "application statistics")
    axe_check(page, "application statistics")
