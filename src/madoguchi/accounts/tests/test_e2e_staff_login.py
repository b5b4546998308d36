"""Real Chromium: a demo staff member signs in with password + TOTP; account pages pass axe."""

import pytest

from madoguchi.accounts.testing import staff_login_in_browser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_login_with_totp_and_accessible_pages(live_server, page, axe_check, demo):
    from madoguchi.core import demo as core_demo

    base = live_server.url
    # Public account pages, with errors showing (error summary + aria-describedby).
    for path in ("/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"):
        page.goto(base + path)
        page.click("main button[type=submit]")
        page.wait_for_selector("#error-summary")
        axe_check(page, path + " (errors)")

    # Staff page before sign-in → login; then password + code.
    page.goto(base + "/accounts/login/")
    staff_login_in_browser(page, base, f"admin@{core_demo.STAFF_DOMAIN}", core_demo.DEMO_PASSWORD, next_url="/accounts/staff/")
    assert page.url.endswith("/accounts/staff/")
    axe_check(page, "staff list")
    page.goto(base + "/core/audit/")
    assert page.locator("table caption").inner_text().startswith("監査ログ")
    assert page.locator("tbody tr").count() >= 2  # the password and TOTP logins just made
    axe_check(page, "audit log")
    page.goto(base + "/accounts/otp/setup/")  # has a device: sends back, never re-enrols
    assert "/accounts/otp/setup/" not in page.url


def test_new_staff_enrols_authenticator_in_browser(live_server, page, axe_check, sections):
    from .conftest import PASSWORD, make_staff

    make_staff("newcomer@city.test", sections["shimin"])
    page.goto(live_server.url + "/staff/")
    assert "/accounts/login/" in page.url  # staff pages need a login first
    page.fill("#id_username", "newcomer@city.test")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/otp/setup/**")
    assert page.locator("img.otp-qr").get_attribute("src").startswith("data:image/svg+xml")
    axe_check(page, "TOTP enrolment")
    staff_login_in_browser(page, live_server.url, "newcomer@city.test", PASSWORD)
    assert page.url.rstrip("/").endswith("/staff")
