"""Every public page reachable from the top page (two clicks deep) passes axe-core's WCAG 2.x
A/AA rules, reflows without horizontal scrolling on a 360 px phone at 200% zoom (a 180 CSS px
viewport), and starts with a keyboard-reachable skip link."""

from urllib.parse import urljoin, urlparse

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SKIP_PREFIXES = ("/api/", "/static/", "/staff/", "/accounts/logout", "/i18n/", "/admin/")


def _public_links(page, base):
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href)
        parsed = urlparse(url)
        if parsed.netloc != urlparse(base).netloc or parsed.path.startswith(SKIP_PREFIXES) or "/staff" in parsed.path:
            continue
        if parsed.path.endswith((".ics", ".pdf", ".csv", ".xlsx", ".xml", ".rss", ".atom", ".json")) or "/feed" in parsed.path:
            continue
        found.append(url.split("#")[0])
    return found


def test_public_pages_are_accessible_and_reflow(live_server, page, axe_check, reflow_check, demo):
    base = live_server.url
    queue, seen = [base + "/"], set()
    depth = {base + "/": 0}
    while queue and len(seen) < 25:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response is not None and response.status < 500, f"{url} answered {response and response.status}"
        if response.status >= 400 or "html" not in (response.headers.get("content-type") or ""):
            continue
        axe_check(page, url)
        if depth[url] < 2:
            for link in _public_links(page, base):
                if link not in depth:
                    depth[link] = depth[url] + 1
                    queue.append(link)
    assert len(seen) >= 3, seen

    # 200% zoom on a 360 px phone: 180 CSS px of viewport; nothing may need horizontal scrolling.
    page.set_viewport_size({"width": 180, "height": 640})
    for url in sorted(seen):
        page.goto(url)
        reflow_check(page, f"{url} at 200% zoom")


def test_keyboard_skip_link(live_server, page, demo):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className + '|' + document.activeElement.getAttribute('href')")
    assert focused.startswith("skip-link|#main")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
