"""Session expiry and lost cookies in the middle of a long form (issue #12 item 1), on a 360 px
phone in real Chromium, axe-clean:

- the session expires: 次へ sends the resident to sign in (next= the same page); after signing
  in the page comes back with what was typed (web/keep-input.js, this tab's sessionStorage);
  the マイナンバー is never kept; a successful 次へ clears what was kept;
- every cookie is gone: 次へ gets the Japanese CSRF page, the typed values are still in the
  browser, and 「入力画面に戻ってやり直す」 leads through sign-in back to the form, restored."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MY_NUMBER = "123456789018"  # passes the check digit
KEPT = "madoguchi:keep:"


def _sign_in(page):
    page.locator("#id_username").fill("resident@example.jp")
    page.locator("#id_password").fill("madoguchi-demo-2026")
    page.locator("main").get_by_role("button", name="ログイン").click()


def _kept(page) -> dict:
    return page.evaluate(
        "(prefix) => Object.fromEntries(Object.keys(sessionStorage).filter(k => k.startsWith(prefix)).map(k => [k, sessionStorage.getItem(k)]))",
        KEPT,
    )


def _fits(page):
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def _start(page, base) -> str:
    page.goto(base + "/accounts/login/?next=/procedures/jidoteate-nintei/")
    _sign_in(page)
    page.wait_for_url("**/procedures/jidoteate-nintei/")
    page.get_by_role("button", name="オンラインで申請する").click()
    page.wait_for_url("**/fill/*/")
    fill_page = urlparse(page.url).path.rsplit("/fill/", 1)[0] + "/fill/1/"
    page.goto(base + fill_page)
    return fill_page


def _type_answers(page, bank: str):
    page.get_by_label("お子さんの氏名").fill("緑野 はな")
    page.get_by_label("お子さんのふりがな").fill("みどりの はな")
    page.get_by_label("お子さんの生年月日").fill("R2.4.1")
    page.get_by_label("出生").check()
    page.get_by_label("請求者の個人番号（マイナンバー）").fill(MY_NUMBER)
    page.get_by_label("振込先の金融機関・支店").fill(bank)
    page.get_by_label("口座番号（7桁）").fill("1234567")


def test_session_expiry_keeps_what_was_typed(live_server, page, axe_check, demo):
    base = live_server.url
    fill_page = _start(page, base)
    _type_answers(page, "みどり銀行 本店")
    kept = json.dumps(_kept(page), ensure_ascii=False)
    assert "みどり銀行 本店" in kept and MY_NUMBER not in kept

    # The session expires (the session cookie is gone; the CSRF cookie stays).
    cookies = [c for c in page.context.cookies() if c["name"] != "sessionid"]
    page.context.clear_cookies()
    page.context.add_cookies(cookies)
    page.get_by_role("button", name="次へ進む").click()
    page.wait_for_url("**/accounts/login/**")
    assert parse_qs(urlparse(page.url).query)["next"] == [fill_page]
    axe_check(page, "login after the session expired")
    assert "みどり銀行 本店" in json.dumps(_kept(page), ensure_ascii=False)

    _sign_in(page)
    page.wait_for_url("**" + fill_page)
    assert page.get_by_label("振込先の金融機関・支店").input_value() == "みどり銀行 本店"
    assert page.get_by_label("お子さんの氏名").input_value() == "緑野 はな"
    assert page.get_by_label("口座番号（7桁）").input_value() == "1234567"
    assert page.get_by_label("出生").is_checked()
    assert page.get_by_label("請求者の個人番号（マイナンバー）").input_value() == ""  # never kept
    assert "前回入力した内容を" in page.locator(".keep-input-notice").inner_text()
    axe_check(page, "form restored after signing in")
    _fits(page)

    # Retype the マイナンバー and go on: the kept values are cleared.
    page.get_by_label("請求者の個人番号（マイナンバー）").fill(MY_NUMBER)
    page.get_by_role("button", name="次へ進む").click()
    page.wait_for_url("**/fill/2/")
    assert _kept(page) == {}


def test_lost_cookies_get_the_japanese_csrf_page_and_keep_the_input(live_server, page, axe_check, demo):
    base = live_server.url
    fill_page = _start(page, base)
    _type_answers(page, "あおば信用金庫 駅前支店")

    page.context.clear_cookies()  # every cookie: session and CSRF
    page.get_by_role("button", name="次へ進む").click()
    page.get_by_role("heading", name="入力内容を送信できませんでした").wait_for()
    assert urlparse(page.url).path == fill_page
    assert "Forbidden" not in page.content()
    axe_check(page, "CSRF failure page")
    _fits(page)
    assert "あおば信用金庫 駅前支店" in json.dumps(_kept(page), ensure_ascii=False)

    page.get_by_role("link", name="入力画面に戻ってやり直す").click()
    page.wait_for_url("**/accounts/login/**")  # the session went with the cookies
    _sign_in(page)
    page.wait_for_url("**" + fill_page)
    assert page.get_by_label("振込先の金融機関・支店").input_value() == "あおば信用金庫 駅前支店"
    assert page.get_by_label("請求者の個人番号（マイナンバー）").input_value() == ""


def test_no_my_number_is_kept_and_leaving_the_form_drops_the_rest(live_server, page, demo):
    base = live_server.url
    _start(page, base)
    page.get_by_label("振込先の金融機関・支店").fill("みどり銀行 本店")
    page.get_by_label("お子さんの氏名").fill("１２３４ ５６７８ ９０１８")  # a 個人番号 typed in the wrong box
    kept = json.dumps(_kept(page), ensure_ascii=False)
    assert "みどり銀行 本店" in kept and "９０１８" not in kept
    page.goto(base + "/")
    assert _kept(page) == {}
