"""The lottery wish picker, the facility and counter pages at 360 px in real Chromium: usable
without JavaScript-only widgets, no horizontal scrolling, axe-clean (issue #12 item 9)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from madoguchi.reservations.models import Lottery

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_wish_picker_and_resident_pages_at_360(live_server, page, axe_check, facility, unit, hourly_unit, counter, now):
    facility.accessibility = "車いす用トイレ;スロープ"
    facility.save()
    counter.procedures = "転入届;転出届;転居届"
    counter.save()
    lottery = Lottery.objects.create(
        facility=facility,
        month=dt.date(2027, 7, 1),
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=5),
        draw_at=now + dt.timedelta(days=6),
    )
    base = live_server.url
    page.goto(f"{base}/reservations/lotteries/{lottery.pk}/")
    assert page.locator("select").count() == 0
    assert fits(page)
    axe_check(page, "lottery, step 1 (days)")
    page.locator(".lottery-days a", has_text="7(水)").click()
    page.get_by_label("10:00〜").first.check()
    page.get_by_role("button", name="第1希望に追加する").click()
    expect(page.locator(".wish-list")).to_contain_text("第1希望: 会議室A 7月7日(水) 10:00〜")
    assert fits(page)
    axe_check(page, "lottery with one wish")
    page.locator(".lottery-days a", has_text="8(木)").click()
    expect(page.locator("fieldset.lottery-unit legend", has_text="大ホール")).to_have_count(1)
    assert fits(page)
    axe_check(page, "lottery, step 2 (frames of a day)")
    for url in (f"/reservations/facilities/{facility.pk}/", "/reservations/counters/", f"/reservations/counters/{counter.slug}/"):
        page.goto(base + url)
        assert fits(page), url
        axe_check(page, url)
