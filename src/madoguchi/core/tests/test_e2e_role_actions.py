"""Real Chromium (staff width 1280 px): a section clerk's top page offers only what the role
allows (no 職員の管理 / 監査ログ / 自治体の設定), the reservations page offers no 今すぐ抽選する,
the facility page's 休館期間 form opens without errors; each page passes axe (issue #12 item 7)."""

import pytest

from madoguchi.accounts.testing import staff_login_in_browser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_sees_only_what_the_role_allows(live_server, page, axe_check, demo):
    from madoguchi.core import demo as core_demo

    page.set_viewport_size({"width": 1280, "height": 900})
    base = live_server.url
    staff_login_in_browser(page, base, f"sports@{core_demo.STAFF_DOMAIN}", core_demo.DEMO_PASSWORD, next_url="/staff/")
    page.goto(base + "/staff/")
    tiles = page.locator("main .card-list").inner_text()
    assert "施設・窓口の予約管理" in tiles
    for hidden in ("職員の管理", "監査ログ", "自治体の設定"):
        assert hidden not in tiles
    axe_check(page, "staff top (clerk)")

    page.goto(base + "/reservations/staff/")
    assert page.get_by_role("button", name="今すぐ抽選する").count() == 0
    axe_check(page, "reservations staff (clerk)")

    page.locator("main a[href^='/reservations/staff/facilities/']").first.click()
    page.wait_for_load_state()
    assert page.locator(".field__error").count() == 0 and page.locator("[aria-invalid=true]").count() == 0
    axe_check(page, "facility day (clerk)")
