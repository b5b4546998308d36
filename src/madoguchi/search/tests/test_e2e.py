"""The search page in a real browser at 360 px: results announced, axe-clean, suggestions
appear as one types (htmx)."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_search_results_and_suggestions_at_360px(live_server, page, axe_check, demo):
    from madoguchi.search import services

    services.index_all(demo)
    page.goto(f"{live_server.url}/search/?q=住民票")
    assert page.get_by_role("status").inner_text().startswith("「住民票」に一致するページが")
    assert page.locator("ol.card-list mark").first.inner_text() == "住民票"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page)
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("調べたいこと").press_sequentially("そだいごみ")
    page.locator("#suggestions a").first.wait_for()
    assert "粗大ごみ" in page.locator("#suggestions").inner_text()
    axe_check(page)
