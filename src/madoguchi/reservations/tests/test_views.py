import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.models import AuditLog, StaffRole
from madoguchi.reservations import services
from madoguchi.reservations.models import Booking, ClosedPeriod, Counter, ExemptionRule, Facility, Group, Lottery, Unit, Visit


@pytest.fixture
def demo_city(db):
    from madoguchi.core import demo as core_demo
    from madoguchi.reservations import demo

    m = core_demo.load()
    demo.load(m)
    demo.load(m)  # idempotent
    return m


def _future_free(unit):
    today = timezone.localdate()
    for month in (today, (today.replace(day=1) + dt.timedelta(days=32))):
        for d in services.availability(unit, month.year, month.month):
            for f in d["frames"]:
                if f["state"] == "free":
                    return d["date"], f["frame"].start
    raise AssertionError("no free frame")


def test_demo_and_public_pages(client, demo_city):
    assert Facility.objects.count() == 4 and Counter.objects.count() == 3
    assert ExemptionRule.objects.count() == 3 and ClosedPeriod.objects.count() == 1
    assert Lottery.objects.get().is_accepting()
    assert Booking.objects.filter(status="confirmed").count() == 1 and Visit.objects.get().meeting_url
    assert {g.status for g in Group.objects.all()} == {"verified", "pending"}
    assert set(Unit.objects.values_list("frame_mode", flat=True)) == {"fixed", "hourly"}
    assert all(f.name_kana and f.address and f.latitude and f.phone and f.opening_hours.exists() for f in Facility.objects.all())
    unit = Unit.objects.filter(frame_mode="fixed").first()
    for url in [
        "/reservations/",
        f"/reservations/facilities/{unit.facility_id}/",
        f"/reservations/units/{unit.pk}/",
        "/reservations/counters/",
        "/reservations/counters/tennyu-tenshutsu/",
        "/reservations/queue/shomeisho/",
        f"/reservations/lotteries/{Lottery.objects.get().pk}/",
    ]:
        r = client.get(url)
        assert r.status_code == 200, url
    r = client.get("/reservations/", {"purpose": "テニス", "date": "not-a-date"})
    assert "日付は 2027-06-09 の形で" in r.content.decode()
    r = client.get("/reservations/", {"purpose": "テニス"}, HTTP_HX_REQUEST="true")
    assert "Aコート" in r.content.decode() and "<html" not in r.content.decode()
    assert client.get(f"/reservations/units/{unit.pk}/2027/13/").status_code == 404
    assert client.get("/reservations/counters/tennyu-tenshutsu/?date=bad").status_code == 200


def test_booking_flow_through_pages(client, demo_city, run_tasks, mailoutbox):
    from django.contrib.auth import get_user_model

    from madoguchi.core.demo import RESIDENT_EMAIL

    user = get_user_model().objects.get(email=RESIDENT_EMAIL)
    client.force_login(user)
    unit = Unit.objects.get(name="第1会議室")
    day, start = _future_free(unit)
    r = client.post(f"/reservations/units/{unit.pk}/hold/", {"date": day.isoformat(), "start": start.strftime("%H:%M")})
    booking = Booking.objects.get(user=user, unit=unit)
    assert r.status_code == 302 and r["Location"].endswith(f"/bookings/{booking.code}/")
    r = client.post(f"/reservations/bookings/{booking.code}/", {"purpose": "", "attendees": "abc"})
    body = r.content.decode()
    assert "利用目的: 利用目的を入力してください" in body and "利用人数は半角数字" in body
    r = client.post(f"/reservations/bookings/{booking.code}/", {"purpose": "自治会の会議", "attendees": "999"})
    assert "定員（30人）" in r.content.decode()
    r = client.post(f"/reservations/bookings/{booking.code}/", {"purpose": "自治会の会議", "attendees": "12"})
    assert r.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert "text/calendar" in client.get(f"/reservations/bookings/{booking.code}/calendar.ics")["Content-Type"]
    assert booking.code in client.get("/reservations/my/").content.decode()
    # the same frame again is refused with a message naming the rule
    r = client.post(f"/reservations/units/{unit.pk}/hold/", {"date": day.isoformat(), "start": start.strftime("%H:%M")}, follow=True)
    assert "すでに予約されています" in r.content.decode()
    r = client.post(f"/reservations/units/{unit.pk}/hold/", {"date": "x", "start": "y"}, follow=True)
    assert r.status_code == 200
    client.post(f"/reservations/bookings/{booking.code}/cancel/")
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    run_tasks()
    assert len(mailoutbox) >= 2


def test_exemption_requested_on_page_and_decided_by_staff(client, demo_city, django_user_model, run_tasks, mailoutbox):
    from madoguchi.core.demo import RESIDENT_EMAIL
    from madoguchi.core.models import Section

    user = django_user_model.objects.get(email=RESIDENT_EMAIL)
    client.force_login(user)
    unit = Unit.objects.get(name="第2会議室")
    day, start = _future_free(unit)
    client.post(f"/reservations/units/{unit.pk}/hold/", {"date": day.isoformat(), "start": start.strftime("%H:%M")})
    booking = Booking.objects.get(user=user, unit=unit)
    page = client.get(f"/reservations/bookings/{booking.code}/").content.decode()
    assert "子ども会・高齢者クラブ" in page and "みどり野バドミントンクラブ" in page
    r = client.post(f"/reservations/bookings/{booking.code}/", {"purpose": "会議", "attendees": "5", "exemption_reason": "子ども会の行事"})
    assert "減免の理由を一覧から選んでください" in r.content.decode()
    rule = ExemptionRule.objects.get(percent=50)
    group = Group.objects.get(owner=user, status="verified")
    r = client.post(
        f"/reservations/bookings/{booking.code}/",
        {"purpose": "会議", "attendees": "5", "exemption_rule": str(rule.pk), "exemption_reason": "練習会", "group": str(group.pk)},
    )
    assert r.status_code == 302
    booking.refresh_from_db()
    assert booking.exemption == "requested" and booking.category == "resident_group" and booking.fee == 600
    # a clerk may not approve; an approver may
    sports = Section.objects.get(name="生涯学習スポーツ課")
    _otp_login(client, _staff(django_user_model, sports))
    assert "子ども会・高齢者クラブ" in client.get(f"/reservations/staff/facilities/{unit.facility_id}/").content.decode()
    page = client.get(f"/reservations/staff/facilities/{unit.facility_id}/").content.decode()
    assert "減免の判断は承認者以上の職員が行います" in page and "決定する" not in page  # not offered to a clerk
    r = client.post(f"/reservations/staff/bookings/{booking.pk}/exemption/", {"decision": "approve"}, follow=True)
    assert r.status_code == 200 and "課の承認者に依頼してください" in r.content.decode()  # refused in the page, not a bare 403
    booking.refresh_from_db()
    assert booking.exemption == "requested"
    _otp_login(client, _staff(django_user_model, sports, StaffRole.Role.APPROVER))
    r = client.post(f"/reservations/staff/bookings/{booking.pk}/exemption/", {"decision": "approve", "percent": ""})
    booking.refresh_from_db()
    assert r.status_code == 302 and booking.exemption == "approved" and booking.fee == 300
    assert AuditLog.objects.filter(action="approve", target_type="reservations.booking").exists()
    # a maintenance closure entered by staff cancels the overlapping booking without fee
    r = client.post(
        f"/reservations/staff/facilities/{unit.facility_id}/",
        {"unit": str(unit.pk), "start": day.isoformat(), "end": day.isoformat(), "reason": "照明の交換", "cancel_bookings": "on"},
        follow=True,
    )
    assert "予約1件を取り消し" in r.content.decode()
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancellation_fee == 0
    run_tasks()
    assert any("照明の交換" in m.body for m in mailoutbox) and any("減免の審査結果" in m.subject for m in mailoutbox)


def test_registration_and_group(client, demo_city, django_user_model):
    user = django_user_model.objects.create_user(email="new@example.jp", password=None)
    client.force_login(user)
    r = client.post("/reservations/register/", {"phone": "12"})
    assert "10桁か11桁" in r.content.decode()
    assert client.post("/reservations/register/", {"phone": "090-1111-2222", "is_resident": "on"}).status_code == 302
    r = client.post("/reservations/groups/new/", {"name": "", "representative": "x", "member_count": "5", "resident_share": "120"})
    body = r.content.decode()
    assert "団体名を入力してください" in body and "0〜100" in body
    assert (
        client.post("/reservations/groups/new/", {"name": "みどりテニス会", "representative": "緑野", "member_count": "10", "resident_share": "90"}).status_code
        == 302
    )
    assert Group.objects.get(owner=user).status == "pending"


def _staff(django_user_model, section, role=StaffRole.Role.CLERK):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = django_user_model.objects.create_user(email=f"{section.name}-{role}@city.example.jp", password=None, is_staff=True)
    StaffRole.objects.create(user=user, section=section, role=role)
    TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    return user


def _otp_login(client, user):
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    s = client.session
    s[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.first().persistent_id
    s.save()


def test_staff_scope_and_audit(client, demo_city, django_user_model):
    from madoguchi.core.demo import RESIDENT_EMAIL
    from madoguchi.core.models import Section

    resident = django_user_model.objects.get(email=RESIDENT_EMAIL)
    sports = Section.objects.get(name="生涯学習スポーツ課")
    shimin = Section.objects.get(name="市民課")
    unit = Unit.objects.get(name="第1会議室")
    day, start = _future_free(unit)
    services.book(resident, services.HoldRequest(unit, day, start))
    staff = _staff(django_user_model, sports)
    _otp_login(client, staff)
    r = client.get(f"/reservations/staff/facilities/{unit.facility_id}/?date={day.isoformat()}")
    assert r.status_code == 200 and "自治会" not in r.content.decode()
    assert AuditLog.objects.filter(action="view", target_type="reservations.facility").exists()
    counter = Counter.objects.get(slug="tennyu-tenshutsu")
    assert client.get(f"/reservations/staff/counters/{counter.pk}/").status_code == 404
    r = client.post(f"/reservations/staff/facilities/{unit.facility_id}/", {"start": "2030-01-10", "end": "2030-01-01", "reason": ""})
    assert "終了日は開始日と同じか後" in r.content.decode()
    # counter staff
    clerk = _staff(django_user_model, shimin)
    _otp_login(client, clerk)
    assert client.get(f"/reservations/staff/facilities/{unit.facility_id}/").status_code == 404
    r = client.post(f"/reservations/staff/counters/{counter.pk}/", {"action": "checkin", "code": "ZZZZ9999"})
    assert "見つかりません" in r.content.decode()
    r = client.post(f"/reservations/staff/counters/{counter.pk}/", {"action": "issue"}, follow=True)
    assert "整理券 1 番" in r.content.decode() and "data-scan-form" in r.content.decode()
    issued_page = r.content.decode()
    r = client.get(f"/reservations/queue/{counter.slug}/", HTTP_HX_REQUEST="true")
    assert "<html" not in r.content.decode()
    token = counter.tickets.get().token
    assert f"/reservations/ticket/{token}/qr.png" in issued_page
    assert client.get(f"/reservations/ticket/{token}/qr.png")["Content-Type"] == "image/png"
    assert "あなたの前に 0 人" in client.get(f"/reservations/ticket/{token}/").content.decode()
    client.post(f"/reservations/staff/counters/{counter.pk}/", {"action": "call", "window": "2"})
    assert "窓口 2" in client.get(f"/reservations/ticket/{token}/").content.decode()


def test_visit_page_booking(client, demo_city, django_user_model):
    from madoguchi.core.demo import RESIDENT_EMAIL

    client.force_login(django_user_model.objects.get(email=RESIDENT_EMAIL))
    counter = Counter.objects.get(slug="shomeisho")
    day = timezone.localdate() + dt.timedelta(days=1)
    while services.counter_day(counter, day)["closed"]:
        day += dt.timedelta(days=1)
    r = client.post(f"/reservations/counters/{counter.slug}/?date={day.isoformat()}", {"mode": "in_person"})
    assert "時間を選んでください" in r.content.decode()
    r = client.post(f"/reservations/counters/{counter.slug}/?date={day.isoformat()}", {"start": "09:00", "mode": "in_person", "procedure": "課税証明書"})
    assert r.status_code == 302
    v = Visit.objects.get(slot__counter=counter)
    assert client.get(f"/reservations/visits/{v.code}/qr.png")["Content-Type"] == "image/png"


def test_staff_sets_up_a_lottery(client, demo_city, django_user_model):
    from madoguchi.core.models import Section

    hall = Facility.objects.get(code="MD-F001")
    _otp_login(client, _staff(django_user_model, Section.objects.get(name="生涯学習スポーツ課")))
    url = f"/reservations/staff/facilities/{hall.pk}/"
    today = timezone.localdate()
    month = (today.replace(day=1) + dt.timedelta(days=95)).replace(day=1)
    r = client.post(url, {"action": "lottery", "month": "2020-13", "opens_at": "x", "closes_at": "", "draw_at": "", "max_wishes": "9", "max_wins": "1"})
    body = r.content.decode()
    assert "対象月は 2027-08 の形で" in body and "申込開始は 2027-06-01 09:00 の形で" in body and "希望の数は1〜5" in body
    opens = today + dt.timedelta(days=1)
    data = {
        "action": "lottery",
        "month": month.strftime("%Y-%m"),
        "opens_at": f"{opens.isoformat()}T09:00",
        "closes_at": f"{(opens + dt.timedelta(days=9)).isoformat()}T17:00",
        "draw_at": f"{(opens + dt.timedelta(days=9)).isoformat()}T16:00",
        "max_wishes": "3",
        "max_wins": "1",
    }
    assert "抽選日時は申込締切と同じか後" in client.post(url, data).content.decode()
    data["draw_at"] = f"{(opens + dt.timedelta(days=10)).isoformat()}T10:00"
    assert client.post(url, data).status_code == 302
    lot = Lottery.objects.get(facility=hall)
    assert lot.month == month and lot.seed_commitment and AuditLog.objects.filter(action="create", target_type="reservations.lottery").exists()
    assert "すでに設定されています" in client.post(url, data).content.decode()


def test_consultation_url_and_payment_at_counter(client, demo_city, django_user_model, run_tasks, mailoutbox):
    from madoguchi.core.models import Section

    visit = Visit.objects.get(slot__counter__slug="kosodate-soudan")
    counter = visit.slot.counter
    _otp_login(client, _staff(django_user_model, Section.objects.get(name="子育て支援課")))
    url = f"/reservations/staff/counters/{counter.pk}/?date={visit.slot.date.isoformat()}"
    r = client.post(url, {"action": "meeting", "visit": visit.pk, "meeting_url": "javascript:alert(1)"}, follow=True)
    assert "https:// から始まるURL" in r.content.decode()
    r = client.post(url, {"action": "meeting", "visit": visit.pk, "meeting_url": "https://meet.example.jp/new-room"}, follow=True)
    assert "メールで知らせました" in r.content.decode()
    run_tasks()
    assert any("https://meet.example.jp/new-room" in m.body for m in mailoutbox)
    # 窓口で支払い: the facility's staff record the fee as received
    booking = Booking.objects.get(status="confirmed")
    _otp_login(client, _staff(django_user_model, Section.objects.get(name="生涯学習スポーツ課")))
    furl = f"/reservations/staff/facilities/{booking.unit.facility_id}/?date={booking.date.isoformat()}"
    assert "受領" in client.get(furl).content.decode()
    r = client.post(furl, {"action": "paid", "booking": booking.pk}, follow=True)
    booking.refresh_from_db()
    assert booking.payment == "paid" and "受領しました" in r.content.decode()
    r = client.post(furl, {"action": "paid", "booking": booking.pk}, follow=True)
    assert "受領できません" in r.content.decode()


def test_staff_home_lists_unpaid_lottery_wins_of_their_section_only(client, demo_city, django_user_model):
    """使用料の受領待ち: staff see the lottery wins still owing their fee, soonest deadline first,
    for their section's facilities only, and the read is audited."""
    from madoguchi.core.models import Section

    booking = Booking.objects.filter(status="confirmed", fee__gt=0).select_related("unit__facility__section").first()
    deadline = timezone.now() + dt.timedelta(days=2)
    Booking.objects.filter(pk=booking.pk).update(source="lottery", pay_deadline=deadline)
    _otp_login(client, _staff(django_user_model, booking.unit.facility.section))
    html = client.get("/reservations/staff/").content.decode()
    assert "使用料の受領待ち" in html and booking.code in html
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW, detail__list="unpaid_lottery_wins").exists()
    _otp_login(client, _staff(django_user_model, Section.objects.get(name="子育て支援課")))
    assert booking.code not in client.get("/reservations/staff/").content.decode()


def test_expired_hold_sends_resident_back_to_the_calendar_with_the_reason(client, demo_city, django_user_model):
    """After ``expire_holds`` has run, opening or posting the confirm page says the hold ran
    out and shows the unit's calendar for that month (わたしの予約 hides expired holds)."""
    from madoguchi.core.demo import RESIDENT_EMAIL

    user = django_user_model.objects.get(email=RESIDENT_EMAIL)
    client.force_login(user)
    unit = Unit.objects.get(name="第1会議室")
    day, start = _future_free(unit)
    client.post(f"/reservations/units/{unit.pk}/hold/", {"date": day.isoformat(), "start": start.strftime("%H:%M")})
    booking = Booking.objects.get(user=user, status="held")
    Booking.objects.filter(pk=booking.pk).update(hold_until=timezone.now() - dt.timedelta(seconds=1))
    assert services.expire_holds() == 1
    calendar_url = f"/reservations/units/{unit.pk}/{day.year}/{day.month}/"
    for r in (
        client.get(f"/reservations/bookings/{booking.code}/"),
        client.post(f"/reservations/bookings/{booking.code}/", {"purpose": "会議", "attendees": "5"}),
    ):
        assert r.status_code == 302 and r["Location"] == calendar_url
    page = client.get(calendar_url).content.decode()
    assert "仮押さえの期限" in page and "過ぎた" in page and "もう一度時間枠を選んでください" in page
    # a hold past its time that the periodic task has not flipped yet gets the same answer
    client.post(f"/reservations/units/{unit.pk}/hold/", {"date": day.isoformat(), "start": start.strftime("%H:%M")})
    again = Booking.objects.get(user=user, status="held")
    Booking.objects.filter(pk=again.pk).update(hold_until=timezone.now() - dt.timedelta(seconds=1))
    r = client.post(f"/reservations/bookings/{again.code}/", {"purpose": "会議", "attendees": "5"})
    assert r.status_code == 302 and r["Location"] == calendar_url
    assert Booking.objects.get(pk=again.pk).status == "held"


def test_past_visit_shows_no_qr_or_cancel_and_staff_mark_no_show(client, demo_city, django_user_model):
    from madoguchi.core.demo import RESIDENT_EMAIL
    from madoguchi.core.models import Section

    resident = django_user_model.objects.get(email=RESIDENT_EMAIL)
    counter = Counter.objects.get(slug="shomeisho")
    day = timezone.localdate() + dt.timedelta(days=1)
    while services.counter_day(counter, day)["closed"]:
        day += dt.timedelta(days=1)
    v = services.book_visit(resident, counter, day, dt.time(9))
    client.force_login(resident)
    assert f"/reservations/visits/{v.code}/cancel/" in client.get("/reservations/my/").content.decode()
    # the slot's time passes (move the slot into the past rather than the clock)
    past = timezone.localdate() - dt.timedelta(days=1)
    v.slot.__class__.objects.filter(pk=v.slot_id).update(date=past)
    page = client.get("/reservations/my/").content.decode()
    assert f"/reservations/visits/{v.code}/cancel/" not in page and f"/reservations/visits/{v.code}/qr.png" not in page
    assert "予約の時刻を過ぎました" in page
    r = client.post(f"/reservations/visits/{v.code}/cancel/", follow=True)
    assert "過ぎたため、取り消せません" in r.content.decode()
    assert Visit.objects.get(pk=v.pk).status == "booked"
    _otp_login(client, _staff(django_user_model, Section.objects.get(pk=counter.section_id)))
    url = f"/reservations/staff/counters/{counter.pk}/?date={past.isoformat()}"
    assert "来庁なし" in client.get(url).content.decode()
    r = client.post(url, {"action": "no_show", "visit": v.pk}, follow=True)
    assert "来庁なし」にしました" in r.content.decode()
    assert Visit.objects.get(pk=v.pk).status == "no_show"
    assert AuditLog.objects.filter(action="update", target_type="reservations.visit", detail__status="no_show").exists()


def test_staff_check_in_shows_the_tickets_qr_and_link(client, demo_city, django_user_model):
    from madoguchi.core.demo import RESIDENT_EMAIL
    from madoguchi.core.models import Section
    from madoguchi.reservations.models import CounterSlot

    counter = Counter.objects.get(slug="shomeisho")
    today = timezone.localdate()
    slot = CounterSlot.objects.create(counter=counter, date=today, start=dt.time(9), end=dt.time(9, 30), capacity=2, booked=1)
    v = Visit.objects.create(slot=slot, user=django_user_model.objects.get(email=RESIDENT_EMAIL))
    _otp_login(client, _staff(django_user_model, Section.objects.get(pk=counter.section_id)))
    r = client.post(f"/reservations/staff/counters/{counter.pk}/", {"action": "checkin", "code": v.code})
    ticket = Visit.objects.get(pk=v.pk).ticket
    assert r.status_code == 302 and f"issued={ticket.pk}" in r["Location"]
    page = client.get(r["Location"]).content.decode()
    assert f"/reservations/ticket/{ticket.token}/qr.png" in page and f"/reservations/ticket/{ticket.token}/" in page
    assert "を受け付けました" in page


def test_counter_date_links_follow_the_booking_window_and_mark_closed_days(client, demo_city):
    counter = Counter.objects.get(slug="shomeisho")
    counter.booking_window_days = 45
    counter.save()
    today = timezone.localdate()
    page = client.get(f"/reservations/counters/{counter.slug}/").content.decode()
    days = services.counter_dates(counter)
    assert len(days) == 46 and days[-1]["date"] == today + dt.timedelta(days=45)
    open_day = next(d["date"] for d in reversed(days) if not d["closed"])
    assert open_day > today + dt.timedelta(days=14) and f'href="?date={open_day.isoformat()}"' in page
    assert f"?date={(today + dt.timedelta(days=46)).isoformat()}" not in page
    saturday = next(d for d in days if d["date"].weekday() == 5)
    assert saturday["closed"] == "土曜日" and f'href="?date={saturday["date"].isoformat()}"' not in page
    assert "閉庁日: 土曜日、予約できません" in page and "45日先まで予約できます" in page
