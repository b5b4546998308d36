"""The error pages (issue #12 item 1) on a 360 px phone: in the site's layout, in Japanese,
axe-clean, no sideways scrolling (DEBUG is off in tests, as in production)."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/no-such-page/", 404, "ページが見つかりません"),
        ("/test-errors/forbidden/", 403, "このページは表示できません"),
        ("/test-errors/bad/", 400, "リクエストを処理できませんでした"),
        ("/test-errors/boom/", 500, "システムでエラーが発生しました"),
    ],
)
def test_error_page_on_a_phone(live_server, page, axe_check, settings, demo, path, status, heading):
    settings.ROOT_URLCONF = "madoguchi.core.tests.errors_urls"
    response = page.goto(live_server.url + path)
    assert response.status == status
    page.get_by_role("heading", level=1, name=heading).wait_for()
    assert page.locator(".site-header").is_visible()
    assert page.get_by_role("link", name="トップページへ戻る").is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    axe_check(page, f"{status} page")
