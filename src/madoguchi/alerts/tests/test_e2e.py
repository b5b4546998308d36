"""Public alerts pages on a 360 px phone with axe-core on each: notice list, notice detail,
subscribe (errors, then email with topic/area/language), confirmation, 受け取り設定."""

import pytest
from django.utils import timezone

from madoguchi.alerts import services
from madoguchi.alerts.models import Notice, Subscription, Topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_public_alert_pages_on_phone(live_server, page, axe_check, reflow_check, city, staff):
    notice = Notice.objects.create(
        municipality=city,
        section=staff["section"],
        topic=Topic.objects.get(municipality=city, slug="bousai"),
        severity="Severe",
        title="避難指示（川辺町）",
        body="川辺町に避難指示を発令しました。近くの避難所へ避難してください。",
        channels=["email"],
        all_areas=True,
        status=Notice.Status.SENT,
        sent_at=timezone.now(),
        created_by=staff["clerk"],
    )
    page.goto(live_server.url + "/alerts/")
    axe_check(page, "notice list")
    reflow_check(page, "notice list")
    page.get_by_role("link", name="避難指示（川辺町）").first.click()
    page.wait_for_url(f"**/alerts/{notice.pk}/")
    axe_check(page, "notice detail")
    reflow_check(page, "notice detail")

    page.goto(live_server.url + "/alerts/subscribe/")
    axe_check(page, "subscribe")
    page.get_by_role("button", name="登録する").click()
    page.locator("#error-summary").wait_for()
    summary = page.locator("#error-summary").inner_text()
    assert "分野" in summary and "メールアドレス" in summary
    axe_check(page, "subscribe with errors")
    reflow_check(page, "subscribe with errors")
    page.locator("input[name=topics]").first.check()
    page.locator("input[name=areas]").first.check()
    page.locator("input[name=language][value=en]").check()
    page.get_by_label("メールアドレス").fill("Hanako@Example.jp")
    page.get_by_role("button", name="登録する").click()
    page.get_by_role("heading", name="確認のメールを送りました").wait_for()
    axe_check(page, "subscribe done")
    sub = Subscription.objects.get(address="hanako@example.jp")
    assert sub.status == "pending" and sub.language == "en" and sub.topics.count() == 1 and sub.areas.count() == 1

    page.goto(f"{live_server.url}/alerts/confirm/{sub.token}/")
    axe_check(page, "confirm")
    page.get_by_role("button").filter(has_text="登録").first.click()
    page.wait_for_load_state()
    axe_check(page, "confirmed")
    reflow_check(page, "confirmed")
    sub.refresh_from_db()
    assert sub.status == "active"

    page.goto(f"{live_server.url}/alerts/manage/{services.manage_key(sub)}/")
    axe_check(page, "manage")
    reflow_check(page, "manage")
    page.locator("input[name=language][value=ja-easy]").check()
    page.get_by_role("button", name="設定を保存する").click()
    page.get_by_role("status").filter(has_text="保存しました").wait_for()
    axe_check(page, "manage saved")
    sub.refresh_from_db()
    assert sub.language == "ja-easy"

    # the signed-in resident's list, then both pages at 200% zoom (180 CSS px)
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_user(email="hanako@example.jp", password="x" * 12)
    Subscription.objects.filter(pk=sub.pk).update(user=user)
    c = Client()
    c.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": live_server.url}])
    page.goto(f"{live_server.url}/alerts/mine/")
    axe_check(page, "my subscriptions")
    page.get_by_role("link", name="メールの設定を変更").click()
    page.wait_for_url("**/alerts/manage/**")
    page.set_viewport_size({"width": 180, "height": 640})
    reflow_check(page, "manage at 200% zoom")
    page.goto(f"{live_server.url}/alerts/mine/")
    reflow_check(page, "my subscriptions at 200% zoom")
