"""The import preview with its structure editor in real Chromium at 360 px (issue #13 item 7):
upload the seed 000, the preview fits the screen and axe-core finds no WCAG A/AA violation; a fix
made with the keyboard-usable form is replayed on the next page; a level and a schedule fixed
from the tree itself with the keyboard alone."""

import re

import pytest
from playwright.sync_api import expect

from madoguchi.accounts.testing import staff_login_in_browser
from madoguchi.core.factories import PASSWORD

from .test_importer_outline import CORPUS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_import_preview_editor_fits_360px_and_is_accessible(live_server, page, axe_check, reflow_check, org):
    staff_login_in_browser(page, live_server.url, org["users"]["ip"].email, PASSWORD)
    page.goto(f"{live_server.url}/plans/staff/import/")
    page.set_input_files("input[type=file]", str(next(CORPUS.glob("000_*"))))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/plans/staff/import/" in page.url and "体系を直す" in page.content()
    reflow_check(page, "import preview with the structure editor")
    axe_check(page, "import preview with the structure editor")

    page.select_option("#st-op", "rename_level")
    page.select_option("#st-depth", "3")
    page.fill("#st-name", "取組項目")
    page.click(".structure-editor button[name=structure_op]")
    page.wait_for_load_state()
    assert "基本施策 → 施策 → 取組 → 取組項目" in page.content()
    assert "修正を反映しました" in page.content()
    axe_check(page, "import preview after a fix")

    # A misread level, fixed from the tree with the keyboard: the button beside the level.
    promote = page.locator("button[name=structure_quick][value^='promote|']:not([disabled])").first
    name = promote.inner_text()
    assert name.startswith("上の階層へ")
    promote.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#tree$"))
    expect(page.get_by_text("修正を反映しました（一つ上の階層に上げる）")).to_be_visible()
    # A misread schedule: open 「スケジュールを直す」 on the first item, write it, Enter.
    summary = page.locator("details.schedule-fix summary").first
    summary.focus()
    page.keyboard.press("Enter")
    box = page.locator("details.schedule-fix[open] input[name=schedule]")
    expect(box).to_be_visible()
    page.keyboard.press("Tab")
    expect(box).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("R8 検討、R9〜R10 運用")
    page.keyboard.press("Enter")
    expect(page.get_by_text("修正を反映しました（取組のスケジュールを書き直す）")).to_be_visible()
    expect(page.locator("#tree ~ ol .plan-tree__items li").first).to_contain_text("令和9年度: 運用")
    reflow_check(page, "import preview after fixes from the tree")
    axe_check(page, "import preview after fixes from the tree")
