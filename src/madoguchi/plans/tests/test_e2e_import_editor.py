"""The import preview with its structure editor in real Chromium at 360 px (issue #13 item 7):
upload the seed 000, the preview fits the screen and axe-core finds no WCAG A/AA violation; a fix
made with the keyboard-usable form is replayed on the next page."""

import pytest

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
    page.click("button[name=structure_op]")
    page.wait_for_load_state()
    assert "基本施策 → 施策 → 取組 → 取組項目" in page.content()
    assert "修正を反映しました" in page.content()
    axe_check(page, "import preview after a fix")
