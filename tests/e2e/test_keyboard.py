"""Keyboard only: every control of a form page is reachable with Tab, shows a visible focus
indicator, and the form can be started and moved through with the keyboard alone."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONTROLS = "input:not([type=hidden]), select, textarea, button"


def _visible_controls(page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            CONTROLS,
            "els => els.filter(e => !e.disabled && e.offsetParent !== null).map(e => e.id || e.name + '=' + (e.value || e.textContent.trim()))",
        )
    )


def _tab_through(page, limit=120) -> tuple[set[str], list[str]]:
    """Press Tab until focus wraps; return the controls reached and those without a focus ring."""
    reached, no_ring = set(), []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => { const e = document.activeElement; if (!e || e === document.body) return null;
               const s = getComputedStyle(e);
               return {key: e.id || e.name + '=' + (e.value || e.textContent.trim()), tag: e.tagName,
                       ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 || s.boxShadow !== 'none'}; }"""
        )
        if info is None:
            continue
        if info["key"] in reached and info["tag"] != "A":
            break
        reached.add(info["key"])
        if not info["ring"]:
            no_ring.append(info["key"])
    return reached, no_ring


def _tab_to(page, text: str, limit=120):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => (document.activeElement.textContent || '').trim()") == text:
            return
    raise AssertionError(f"「{text}」 is not reachable with Tab")


def test_form_is_usable_with_keyboard_only(live_server, page, demo):
    page.goto(live_server.url + "/procedures/goiken/")
    _tab_to(page, "オンラインで申請する")
    page.keyboard.press("Enter")
    page.wait_for_url("**/fill/0/")
    missing_total, errors_seen = [], []
    for _ in range(5):  # every page of the form
        wanted = _visible_controls(page)
        reached, no_ring = _tab_through(page)
        missing_total += sorted(wanted - reached)
        assert not no_ring, f"no visible focus indicator on {no_ring} at {page.url}"
        if "/confirm/" in page.url:
            break
        # move on with the keyboard: the primary button is reachable and Enter activates it
        label = "入力内容を確認する" if page.get_by_role("button", name="入力内容を確認する").count() else "次へ進む"
        page.focus("body")
        _tab_to(page, label)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        if page.locator("[aria-invalid='true']").count():
            # errors: focus lands on the summary (announced as an alert); its first link, followed
            # with Tab + Enter, takes the keyboard to the field in trouble
            assert page.evaluate("() => document.activeElement.id") == "error-summary"
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            target = page.evaluate("() => location.hash.slice(1)")
            assert target and page.locator(f"[id='{target}']").count() == 1
            errors_seen.append(target)
            break
    assert not missing_total, f"controls not reachable with Tab: {missing_total}"
    assert errors_seen, "the empty required fields were not reported"
