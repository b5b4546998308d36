"""Procedure search on a phone (issue #12 item 5): at 360 px the first result starts within the
first screen, right after the search box, and the page is axe-clean."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_results_are_the_first_thing_after_the_search_box(live_server, page, axe_check, demo_catalogue):
    page.goto(f"{live_server.url}/procedures/")
    page.fill("#q", "保育園")
    page.click("form[role=search] button[type=submit] >> nth=0")
    page.wait_for_url("**/procedures/?q=*")
    first = page.locator(".catalogue-results .card").first
    assert "保育施設等の利用申込" in first.inner_text()
    assert first.bounding_box()["y"] < 640
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "procedure search results at 360 px")
    # The life events are a compact grid of buttons, not a column of 16 bare links.
    chips = page.locator(".event-grid a")
    assert chips.count() == 16
    assert chips.first.bounding_box()["height"] >= 44
    assert page.locator(".event-grid").bounding_box()["height"] < 500
    page.goto(f"{live_server.url}/procedures/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "procedure catalogue at 360 px")


def test_counter_only_procedure_page_links_to_booking_at_360(live_server, page, axe_check, demo_catalogue):
    from madoguchi.applications.models import Procedure
    from madoguchi.reservations.factories import CounterFactory

    procedure = Procedure.objects.get(slug="tennyu")
    CounterFactory(
        section=procedure.section, slug="tennyu-tenshutsu", name="市民課 転入・転出", procedures="転入届;転出届;転居届", location="本庁舎1階 2番窓口"
    )
    page.goto(f"{live_server.url}/procedures/tennyu/")
    link = page.get_by_role("link", name="市民課 転入・転出の来庁予約をする").first
    assert link.get_attribute("href") == "/reservations/counters/tennyu-tenshutsu/"
    assert "本庁舎1階 2番窓口" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "counter-only procedure page at 360 px")
