"""Every public page fits a 360 px phone (issue #12 item 6): the URL map is walked for every
page that takes no arguments, plus the detail pages of the demo's objects (plans, procedures,
facilities and their calendars, lotteries, counters, notices), first as a visitor, then the
pages that asked for a login as the demo resident (わたしの予約, 申請状況, …). Each page must not
scroll sideways (document scrollWidth <= 360), no table cell may be squeezed to a character or
two per line, and it must pass axe-core. The header menu folds
behind 「メニュー」, usable with the keyboard, and the favicon is linked and served."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import Error as PlaywrightError

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 360
# Back office, machine endpoints and actions: not pages a resident reads.
SKIP = re.compile(
    r"(^/(api|operator|i18n|core|admin)/)|/staff|logout|webhook|postal-code|healthz|favicon|/delete/|"
    r"\.(rss|atom|xml|js|json|png|ics|csv|xlsx|pdf)$"
)


def _static_routes(resolver=None, prefix="/"):
    """Every URL pattern without converters (no <…>) — the pages that take no arguments."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _static_routes(p, prefix + route)
        elif isinstance(p, URLPattern) and "<" not in route and not route.startswith("^"):
            yield prefix + route


def _demo_detail_urls() -> list[str]:
    from madoguchi.alerts.models import Notice
    from madoguchi.applications.models import Procedure
    from madoguchi.plans.models import Plan
    from madoguchi.reservations.models import Counter, Facility, Lottery, Unit

    urls = [reverse("plans:public_detail", args=[p.pk]) for p in Plan.objects.filter(is_public=True, is_example=False)]
    urls += [reverse("applications:procedure", args=[p.slug]) for p in Procedure.objects.filter(is_published=True)]
    urls += [reverse("reservations:facility", args=[f.pk]) for f in Facility.objects.filter(is_public=True)]
    urls += [reverse("reservations:calendar", args=[u.pk]) for u in Unit.objects.filter(facility__is_public=True)[:3]]
    urls += [reverse("reservations:lottery", args=[lot.pk]) for lot in Lottery.objects.filter(facility__is_public=True)]
    urls += [reverse("reservations:lottery_verify", args=[lot.pk]) for lot in Lottery.objects.filter(facility__is_public=True, status=Lottery.Status.DRAWN)]
    urls += [reverse("reservations:counter", args=[c.slug]) for c in Counter.objects.filter(is_public=True)]
    urls += [reverse("reservations:queue", args=[c.slug]) for c in Counter.objects.filter(is_public=True)[:1]]
    urls += [reverse("alerts:notice_detail", args=[n.pk]) for n in Notice.objects.filter(status__in=[Notice.Status.SENDING, Notice.Status.SENT])]
    from madoguchi.participation.models import Consultation, Proposal

    for c in Consultation.objects.filter(is_published=True)[:1]:
        urls += [reverse("participation:consultation_detail", args=[c.pk]), reverse("participation:opinion_form", args=[c.pk])]
    urls += [reverse("participation:proposal_detail", args=[p.pk]) for p in Proposal.objects.all()[:2]]
    return urls


def _check(page, axe_check, url: str, problems: list[str]) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > WIDTH:
        wide = page.evaluate(
            """(w) => Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w + 1)
                 .slice(0, 3).map(e => e.tagName + '.' + e.className)""",
            WIDTH,
        )
        problems.append(f"{url}: {width} px wide at {WIDTH} px ({wide})")
    # 「one character per line」: a table cell with words in it squeezed below three characters.
    squeezed = page.evaluate(
        """() => Array.from(document.querySelectorAll('td, th')).filter(c => c.offsetParent !== null
             && c.innerText.trim().length > 2 && c.getBoundingClientRect().width < 3 * parseFloat(getComputedStyle(c).fontSize))
             .slice(0, 3).map(c => c.innerText.trim().slice(0, 12))"""
    )
    if squeezed:
        problems.append(f"{url}: table cells squeezed to a character or two per line: {squeezed}")
    try:
        axe_check(page, url)
    except pytest.fail.Exception as exc:
        problems.append(str(exc))


def _visit(page, axe_check, base: str, url: str, problems: list[str]) -> str:
    """'login' when the page asked for a login, 'page' when checked, 'skip' otherwise."""
    try:
        response = page.goto(base + url)
    except PlaywrightError as exc:
        if "Download is starting" in str(exc):  # a file answered as an attachment (a CRL, an export): not a page
            return "skip"
        raise
    if response is None or response.status >= 500:
        problems.append(f"{url} answered {response and response.status}")
        return "skip"
    if urlparse(page.url).path == reverse("accounts:login") and urlparse(url).path != reverse("accounts:login"):
        return "login"
    if response.status >= 400 or "html" not in (response.headers.get("content-type") or ""):
        return "skip"
    _check(page, axe_check, url, problems)
    return "page"


def test_every_public_page_fits_360px_and_passes_axe(live_server, page, axe_check, demo):
    base = live_server.url
    urls = sorted({u for u in _static_routes() if not SKIP.search(u)}) + _demo_detail_urls()
    problems, needs_login, checked = [], [], []
    for url in urls:
        outcome = _visit(page, axe_check, base, url, problems)
        if outcome == "login":
            needs_login.append(url)
        elif outcome == "page":
            checked.append(url)
    assert {"/", "/plans/", "/reservations/", "/accounts/login/"} <= set(checked), checked
    assert any(u.startswith("/plans/") and u != "/plans/" for u in checked), "no plan detail page was checked"

    page.goto(base + reverse("accounts:login"))
    page.locator("#id_username").fill("resident@example.jp")
    page.locator("#id_password").fill("madoguchi-demo-2026")
    page.locator("main").get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda u: "/accounts/login/" not in u)
    signed_in = [u for u in needs_login if _visit(page, axe_check, base, u, problems) == "page"]
    assert reverse("reservations:my") in signed_in, needs_login
    assert not problems, "\n".join(problems)


def test_header_menu_folds_and_works_with_the_keyboard(live_server, page, axe_check, demo):
    page.goto(live_server.url + "/")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 120, f"the header takes {header['height']} px at {WIDTH} px"
    toggle = page.get_by_role("button", name="メニュー")
    nav_link = page.locator("#site-nav").get_by_role("link", name="施設予約")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not nav_link.is_visible()

    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav_link.is_visible()
    axe_check(page, "menu open")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#site-nav') !== null")
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("() => document.activeElement.classList.contains('site-menu-toggle')")
    assert not nav_link.is_visible()

    # A wide screen shows the menu without the button.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert nav_link.is_visible() and not toggle.is_visible()


def test_favicon_is_linked_and_served(live_server, page, demo):
    page.goto(live_server.url + "/")
    icons = page.eval_on_selector_all("link[rel~=icon]", "els => els.map(e => e.href)")
    assert any(h.endswith(".svg") for h in icons) and any(h.endswith(".ico") for h in icons), icons
    for href in icons:
        response = page.request.get(href)
        assert response.status == 200 and response.headers["content-type"].startswith("image/"), href
    assert page.request.get(live_server.url + "/favicon.ico").status == 200
