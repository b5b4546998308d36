"""In real Chromium at 360 px: the pay link of a 事後決済 booking (issue #15) — pay link page →
the payments app's pay page → demo checkout → わたしの予約 shows 「支払済」 and the receipt link;
each page axe-clean and without sideways scrolling."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from madoguchi.reservations import services
from madoguchi.reservations.models import Unit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def _open_day() -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=3)
    while day.weekday() == 0 or (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3):
        day += dt.timedelta(days=1)  # the fixture's facility closes on Mondays and at the year's end
    return day


def test_postpaid_pay_link_at_360(live_server, page, axe_check, settings, city, unit, resident):
    settings.SITE_URL = live_server.url  # the demo provider's redirects lead back here
    city.is_fictional = True  # the demo provider is offered to a fictional city
    city.save()
    unit.payment_timing = Unit.PaymentTiming.AFTER
    unit.save()
    booking = services.book(resident, services.HoldRequest(unit, _open_day(), dt.time(9)))
    client = Client()
    client.force_login(resident)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])

    page.goto(f"{live_server.url}/reservations/bookings/{booking.code}/pay/")
    assert fits(page)
    axe_check(page, "booking pay link")
    page.get_by_role("button", name="支払い方法を選ぶ").click()
    page.wait_for_url("**/payments/*/pay/")
    page.get_by_role("button", name="支払画面へ進む").click()
    page.wait_for_url("**/demo-provider/checkout/**")
    page.get_by_role("button", name="承認").click()
    page.wait_for_url("**/payments/*/result/")
    page.goto(f"{live_server.url}/reservations/my/")
    assert "支払済" in page.content() and "領収書（PDF）" in page.content()
    assert fits(page)
    axe_check(page, "my bookings, paid")
