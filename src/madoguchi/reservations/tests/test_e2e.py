"""Booking on a 360 px phone, checked with axe-core on every page of the flow."""

import pytest
from playwright.sync_api import expect

from madoguchi.reservations.models import Booking

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": live_server.url}])


def test_booking_flow_on_phone(live_server, page, axe_check, reflow_check, unit, hourly_unit, resident, counter):
    _login(page, live_server, resident)
    page.goto(live_server.url + "/reservations/")
    axe_check(page, "facility search")
    page.get_by_label("利用目的・キーワード").fill("ダンス")
    page.get_by_role("button", name="さがす").click()
    page.locator("#results h3").wait_for()
    assert "大ホール" in page.locator("#results").inner_text()
    page.goto(f"{live_server.url}/reservations/units/{unit.pk}/")
    axe_check(page, "month calendar")
    if page.locator("button.frame-button").count() == 0:
        page.locator(".month-nav a").nth(1).click()
        page.wait_for_load_state()
    page.locator("button.frame-button").first.click()
    page.wait_for_url("**/reservations/bookings/**")
    axe_check(page, "confirm")
    page.get_by_role("button", name="予約する").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe_check(page, "confirm with errors")
    page.get_by_label("利用目的").fill("ダンスの練習")
    page.get_by_label("利用人数").fill("12")
    page.get_by_role("button", name="予約する").click()
    page.wait_for_url("**/reservations/my/")
    axe_check(page, "my bookings")
    booking = Booking.objects.get(user=resident)
    assert booking.status == "confirmed" and booking.code in page.content()
    page.goto(f"{live_server.url}/reservations/queue/{counter.slug}/")
    axe_check(page, "queue board")
    page.set_viewport_size({"width": 180, "height": 640})  # 200% zoom on a 360 px phone
    for path in (
        "/reservations/",
        f"/reservations/units/{unit.pk}/",
        "/reservations/my/",
        f"/reservations/counters/{counter.slug}/",
        f"/reservations/queue/{counter.slug}/",
    ):
        page.goto(live_server.url + path)
        reflow_check(page, path)


def test_lottery_and_ticket_pages_on_phone(live_server, page, axe_check, reflow_check, facility, unit, make_user, counter):
    """Apply for a lottery, see the result and re-run it on the verification page; watch a
    queue ticket. axe on each page."""
    import datetime as dt

    from django.utils import timezone

    from madoguchi.reservations import services
    from madoguchi.reservations.models import Lottery

    now = timezone.now()
    month = (timezone.localdate().replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    lot = Lottery.objects.create(
        facility=facility, month=month, opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=5), draw_at=now + dt.timedelta(days=6)
    )
    resident = make_user("lottery@example.jp")
    _login(page, live_server, resident)
    page.goto(f"{live_server.url}/reservations/lotteries/{lot.pk}/")
    axe_check(page, "lottery application")
    for rank in (1, 2):  # a day, then a frame of that day, added as the next wish
        page.locator(".lottery-days a").nth(rank).click()
        page.locator("input[name=frame]").first.check()
        page.get_by_role("button", name=f"第{rank}希望に追加する").click()
    page.get_by_role("button", name="この希望で抽選に申し込む").click()
    page.get_by_text("申込済みです").wait_for()
    services.run_lottery(lot, now=now + dt.timedelta(days=6))
    page.goto(f"{live_server.url}/reservations/lotteries/{lot.pk}/")
    assert "当選しました" in page.content()
    axe_check(page, "lottery result")
    page.get_by_role("link", name="この場で抽選をやり直して、公表した結果と同じになるか確かめる").click()
    page.get_by_text("すべての確認項目が一致しました").wait_for()
    axe_check(page, "lottery verification")
    ticket = services.issue_ticket(counter)
    page.goto(f"{live_server.url}/reservations/ticket/{ticket.token}/")
    axe_check(page, "queue ticket")
    # 200% zoom on a 360 px phone: long seeds and hashes must wrap, not scroll sideways
    page.set_viewport_size({"width": 180, "height": 640})
    for path in (f"/reservations/lotteries/{lot.pk}/", f"/reservations/lotteries/{lot.pk}/verify/", f"/reservations/ticket/{ticket.token}/"):
        page.goto(live_server.url + path)
        reflow_check(page, path)


def test_staff_setup_pages_accessible(live_server, page, axe_check, django_user_model, section, facility, unit, hourly_unit):
    """The set-up screens (with their error states) pass axe; errors are announced in Japanese."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from madoguchi.accounts.testing import login_staff
    from madoguchi.core.models import StaffRole

    manager = django_user_model.objects.create_user(email="kacho@city.example.jp", password=None, is_staff=True)
    StaffRole.objects.create(user=manager, section=section, role=StaffRole.Role.MANAGER)
    TOTPDevice.objects.create(user=manager, name="t", confirmed=True)
    c = Client()
    login_staff(c, manager)
    page.context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": live_server.url}])
    base = f"{live_server.url}/reservations/staff/setup"
    page.goto(f"{base}/")
    axe_check(page, "setup list")
    page.goto(f"{base}/facilities/{facility.pk}/")
    page.get_by_label("名称（カナ）").fill("中央")
    page.get_by_label("緯度").fill("135")
    page.get_by_role("button", name="保存する").click()
    assert "名称（カナ）はカタカナで" in page.locator("#error-summary").inner_text()
    axe_check(page, "facility form with errors")
    # a photo chosen in the browser is uploaded, previewed for staff and shown to residents
    import io

    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (800, 500), (40, 110, 60)).save(jpeg, "JPEG")
    page.goto(f"{base}/facilities/{facility.pk}/")
    page.locator("#id_photo").set_input_files({"name": "hall.jpg", "mimeType": "image/jpeg", "buffer": jpeg.getvalue()})
    page.get_by_label("写真の説明（代替テキスト）").fill("板張りの大ホール")
    page.get_by_role("button", name="保存する").click()
    page.get_by_role("img", name="板張りの大ホール").wait_for()
    axe_check(page, "facility form with its photo")
    page.goto(f"{live_server.url}/reservations/facilities/{facility.pk}/")
    assert page.get_by_role("img", name="板張りの大ホール").evaluate("img => img.naturalWidth") == 800
    page.goto(f"{base}/facilities/{facility.pk}/hours/")
    page.get_by_label("火曜日の開館").fill("")
    page.get_by_role("button", name="保存する").click()
    assert "火曜日の開館時刻を入力するか" in page.locator("#error-summary").inner_text()
    axe_check(page, "hours with errors")
    page.goto(f"{base}/facilities/{facility.pk}/fees/")
    page.get_by_label("会議室A・市外の使用料（円）").fill("１２００")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url("**/fees/")
    assert hourly_unit.fees.get(category="non_resident").amount == 1200
    axe_check(page, "fees")
    page.goto(f"{base}/units/{unit.pk}/")
    axe_check(page, "unit form")
    page.goto(f"{base}/exemption-rules/new/")
    axe_check(page, "exemption rule form")


def test_counter_setup_and_counter_pages_accessible(live_server, page, axe_check, django_user_model, other_section, counter, resident):
    """窓口・相談の設定 (with errors), the counter's public page with its closed days, and the
    staff day list pass axe."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from madoguchi.accounts.testing import login_staff
    from madoguchi.core.models import StaffRole

    manager = django_user_model.objects.create_user(email="shimin-kacho@city.example.jp", password=None, is_staff=True)
    StaffRole.objects.create(user=manager, section=other_section, role=StaffRole.Role.MANAGER)
    TOTPDevice.objects.create(user=manager, name="t", confirmed=True)
    c = Client()
    login_staff(c, manager)
    page.context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": live_server.url}])
    base = f"{live_server.url}/reservations/staff/setup/counters"
    page.goto(f"{base}/")
    axe_check(page, "counter setup list")
    page.goto(f"{base}/{counter.pk}/")
    page.get_by_label("水曜日の受付開始").fill("")
    page.get_by_label("予約受付（何日先まで）").fill("400")
    page.get_by_role("button", name="保存する").click()
    summary = page.locator("#error-summary").inner_text()
    assert "水曜日の受付開始時刻を入力するか" in summary and "1〜365" in summary
    axe_check(page, "counter form with errors")
    page.get_by_label("水曜日の受付なし").check()
    page.get_by_label("予約受付（何日先まで）").fill("40")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url(f"**/setup/counters/{counter.pk}/")
    counter.refresh_from_db()
    assert counter.booking_window_days == 40 and not counter.weekday_hours.filter(weekday=2).exists()
    axe_check(page, "counter form")
    page.goto(f"{base}/new/")
    axe_check(page, "new counter form")
    page.goto(f"{live_server.url}/reservations/staff/counters/{counter.pk}/")
    axe_check(page, "counter day list")
    page.goto(f"{live_server.url}/reservations/counters/{counter.slug}/")
    assert page.locator(".day-picker__closed").count() > 0 and "水曜日は受付なし" in page.content()
    axe_check(page, "counter page with closed days")
