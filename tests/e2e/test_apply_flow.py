"""The main citizen flow on a 360 px phone in real Chromium, axe-core on every page:
sign in → find a procedure → fill a multi-page form (prefilled from the profile, one error
shown next to its field) → confirm → submit → receipt number on "my applications"."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_resident_applies_on_a_phone(live_server, page, axe_check, demo):
    base = live_server.url
    page.goto(base + "/accounts/login/?next=/procedures/")
    axe_check(page, "login")
    page.get_by_label("メールアドレス").fill("resident@example.jp")
    page.get_by_label("パスワード").fill("madoguchi-demo-2026")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/procedures/")

    page.get_by_label("手続名・キーワード").fill("かいごほけん")
    page.get_by_role("button", name="さがす").click()
    axe_check(page, "catalogue search")
    page.get_by_role("link", name="介護保険被保険者証の再交付申請").click()
    axe_check(page, "procedure")
    page.get_by_role("button", name="オンラインで申請する").click()

    # Page 1: prefilled from the profile ("once-only"); break the kana to see an error.
    page.wait_for_url("**/fill/0/")
    assert page.get_by_label("氏名").input_value() == "緑野 さくら"
    page.get_by_label("ふりがな").fill("abc")
    page.get_by_label("郵便番号").fill("100-0001")
    page.locator("[name='address__address']").fill("東京都千代田区千代田1-1")
    page.get_by_label("日中に連絡がとれる電話番号").fill("03-1234-5678")
    page.get_by_role("button", name="次へ進む").click()
    page.locator("#error-summary").wait_for()  # the same URL comes back with errors
    assert page.locator("[aria-invalid='true']").count() >= 1
    assert "ふりがな" in page.locator(".field__error").first.inner_text()
    axe_check(page, "form with an error")
    page.get_by_label("ふりがな").fill("みどりの さくら")
    page.get_by_role("button", name="次へ進む").click()

    page.wait_for_url("**/fill/1/")
    axe_check(page, "form page 2")
    page.get_by_label("紛失").check()
    page.get_by_role("button", name="次へ進む").click()

    page.wait_for_url("**/fill/2/")
    page.get_by_label("個人情報の取扱いに同意します").check()
    page.get_by_role("button", name="入力内容を確認する").click()

    page.wait_for_url("**/confirm/")
    axe_check(page, "confirm")
    assert "みどりの" in page.content()
    page.get_by_role("button", name="申請する").click()

    page.wait_for_url("**/my/applications/*/")
    axe_check(page, "my application")
    assert "受付番号" in page.content() and "受付済" in page.content()
    page.goto(base + "/my/applications/")
    axe_check(page, "my applications")
