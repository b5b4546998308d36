"""The rendered form in real Chromium: no WCAG A/AA violation (with and without errors), show_if
toggling and the postal-code lookup work through the static JS under the strict CSP."""

import pytest
from playwright.sync_api import expect

from madoguchi.forms import services

from .conftest import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_preview_page_accessible_and_enhanced(live_server, page, axe_check, org, sample_schema, client):
    form = services.create_form("住民票の写しの交付請求", sample_schema, section=org["shimin"])
    staff_login(client, org["users"]["shimin"])
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])

    page.goto(f"{live_server.url}/forms/staff/{form.pk}/preview/?page=0")
    axe_check(page, "form preview page 1")
    page.fill("#f-address-postal_code", "1900012")
    page.click("[data-postal-lookup]")
    # expect() polls through Playwright's injected script; a string wait_for_function would
    # eval() in the page on a later poll, which the strict CSP forbids (slow hosts hit that).
    expect(page.locator("#f-address-address")).to_have_value("東京都立川市曙町")

    page.get_by_role("button", name="入力内容を確かめる").click()  # name etc. missing: errors with a summary
    page.wait_for_selector("#error-summary")
    assert page.locator("#error-summary a[href='#f-name']").count() == 1
    axe_check(page, "form preview page 1 with errors")

    page.goto(f"{live_server.url}/forms/staff/{form.pk}/preview/?page=1")
    assert page.locator("#f-purpose_other-field").is_hidden()
    page.select_option("#f-purpose", "other")
    assert page.locator("#f-purpose_other-field").is_visible()
    axe_check(page, "form preview page 2")
