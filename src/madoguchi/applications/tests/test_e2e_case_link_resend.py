"""照会用リンクの再送 in real Chromium at 360 px (issue #11 item 7): axe-clean with errors and after
sending, fits the width."""

from __future__ import annotations

import pytest

from madoguchi.core.factories import MunicipalityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_resend_page_is_accessible(live_server, page, axe_check):
    MunicipalityFactory()
    page.goto(f"{live_server.url}/my/applications/link-resend/")
    axe_check(page, "case link resend")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="照会用リンクを送る").click()
    page.wait_for_selector("#error-summary")
    axe_check(page, "case link resend with errors")
    page.fill("#id_receipt_number", "2026-000001")
    page.fill("#id_email", "someone@example.jp")
    page.get_by_role("button", name="照会用リンクを送る").click()
    page.wait_for_selector("text=新しい照会用リンクをそのアドレスにお送りしました")
    axe_check(page, "case link resend sent")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
