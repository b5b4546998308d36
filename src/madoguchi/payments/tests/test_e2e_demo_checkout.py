"""In real Chromium at 360 px: pay a fee through the demo provider's checkout (pay page → demo
checkout → 承認 → result page), each page axe-clean and without sideways scrolling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from madoguchi.core.factories import MunicipalityFactory, ResidentFactory, SectionFactory
from madoguchi.payments import services
from madoguchi.payments.models import Payment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_demo_checkout_in_the_browser(live_server, page, axe_check, settings):
    settings.SITE_URL = live_server.url  # the provider's redirects lead back to this server
    city = MunicipalityFactory()
    section = SectionFactory(municipality=city, name="生涯学習スポーツ課")
    resident = ResidentFactory()
    payment = services.request_payment(section, "施設使用料", 1200, section, resident, timezone.now() + dt.timedelta(days=3))
    client = Client()
    client.force_login(resident)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])

    page.goto(f"{live_server.url}/payments/{payment.pk}/pay/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "pay page")
    page.get_by_role("button", name="支払画面へ進む").click()
    page.wait_for_url("**/demo-provider/checkout/**")
    axe_check(page, "demo checkout")
    page.get_by_role("button", name="承認").click()
    page.wait_for_url(f"**/payments/{payment.pk}/result/")
    assert "お支払いが完了しました" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "result page")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
