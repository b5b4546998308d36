"""Staff set-up screens for counters and consultations (窓口・相談の設定): details, 受付時間 per
weekday, booking window, online option; scoped to the staff member's sections and audited."""

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.accounts.testing import login_staff
from madoguchi.core.models import AuditLog, StaffRole
from madoguchi.reservations import services
from madoguchi.reservations.models import Counter, CounterHours, Visit
from madoguchi.reservations.services import BookingError

from .test_setup import _staff

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2027, 6, 1, 8, 0))  # Tuesday


def _post(**over):
    data = {
        "kind": "consultation",
        "name": "子育て相談",
        "slug": "ｋｏｓｏｄａｔｅ－ｓｏｕｄａｎ",
        "procedures": "保育園の入園、児童手当",
        "location": "本庁舎2階",
        "slot_minutes": "60",
        "capacity": "1",
        "booking_window_days": "21",
        "service_minutes": "30",
        "allows_online": "on",
        "meeting_url": "https://meet.example.jp/kosodate",
        "is_public": "on",
    }
    for wd in range(7):
        if wd in (5, 6):
            data[f"d{wd}-closed"] = "on"
        elif wd == 2:  # Wednesday: afternoon only
            data.update({f"d{wd}-opens": "13:00", f"d{wd}-closes": "16:00"})
        else:
            data.update({f"d{wd}-opens": "09:00", f"d{wd}-closes": "12:00"})
    data.update(over)
    return data


def test_manager_creates_and_edits_a_counter_with_weekday_hours(client, django_user_model, section, other_section, make_user):
    manager = _staff(django_user_model, section)
    login_staff(client, manager)
    assert "窓口・相談の設定" in client.get("/reservations/staff/").content.decode()
    page = client.get("/reservations/staff/setup/counters/new/").content.decode()
    assert "生涯学習スポーツ課" in page and "市民課" not in page and "月曜日の受付開始" in page
    # errors name the field and say what to do
    bad = _post(section=str(section.pk), slug="子育て", slot_minutes="2", meeting_url="http://x.example.jp", **{"d0-closes": "08:00", "d1-opens": ""})
    body = client.post("/reservations/staff/setup/counters/new/", bad).content.decode()
    assert "URL用の名前は半角英小文字・数字・ハイフンで入力してください" in body
    assert "1枠の長さ（分）は5〜240の数で入力してください" in body
    assert "会議URLは https:// から始まるURL" in body
    assert "月曜日の受付終了時刻は受付開始時刻より後にしてください" in body
    assert "火曜日の受付開始時刻を入力するか、受付なしにチェックしてください" in body
    all_closed = _post(section=str(section.pk), **{f"d{wd}-closed": "on" for wd in range(7)})
    assert (
        "少なくとも1つの曜日の受付開始・受付終了時刻を入力してください" in client.post("/reservations/staff/setup/counters/new/", all_closed).content.decode()
    )
    other = str(other_section.pk)
    assert "あなたが管理者である課から選んでください" in client.post("/reservations/staff/setup/counters/new/", _post(section=other)).content.decode()
    assert not Counter.objects.exists()
    r = client.post("/reservations/staff/setup/counters/new/", _post(section=str(section.pk)))
    counter = Counter.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/reservations/staff/setup/counters/{counter.pk}/"
    assert counter.slug == "kosodate-soudan" and counter.section == section and counter.booking_window_days == 21
    assert (counter.opens, counter.closes) == (dt.time(9), dt.time(16))
    assert {h.weekday: (h.opens, h.closes) for h in CounterHours.objects.filter(counter=counter)} == {
        0: (dt.time(9), dt.time(12)), 1: (dt.time(9), dt.time(12)), 2: (dt.time(13), dt.time(16)), 3: (dt.time(9), dt.time(12)), 4: (dt.time(9), dt.time(12)),
    }  # fmt: skip
    created = AuditLog.objects.get(action="create", target_type="reservations.counter")
    assert created.detail["name"] == "子育て相談" and created.detail["受付時間"]["水"] == ["13:00", "16:00"]
    # the weekday hours drive the slots residents can book
    wed = dt.date(2027, 6, 2)
    assert [s["start"] for s in services.counter_day(counter, wed, now=NOW)["slots"]] == [dt.time(13), dt.time(14), dt.time(15)]
    with pytest.raises(BookingError) as e:
        services.book_visit(make_user(), counter, wed, dt.time(9), now=NOW)
    assert e.value.rule == "hours" and "13:00〜16:00" in e.value.message
    v = services.book_visit(make_user("o@example.jp"), counter, wed, dt.time(13), mode=Visit.Mode.ONLINE, now=NOW)
    assert v.meeting_url == "https://meet.example.jp/kosodate"  # the counter's default URL
    # edit: Friday off, a longer window; only the changes are audited
    r = client.post(f"/reservations/staff/setup/counters/{counter.pk}/", _post(section=str(section.pk), booking_window_days="45", **{"d4-closed": "on"}))
    assert r.status_code == 302
    counter.refresh_from_db()
    assert counter.booking_window_days == 45 and not CounterHours.objects.filter(counter=counter, weekday=4).exists()
    updated = AuditLog.objects.get(action="update", target_type="reservations.counter")
    assert updated.detail["booking_window_days"] == "45" and "金" not in updated.detail["受付時間"] and "name" not in updated.detail
    fri = dt.date(2027, 6, 4)
    assert services.counter_day(counter, fri, now=NOW)["closed"] == "金曜日は受付なし"
    dates = {d["date"]: d["closed"] for d in services.counter_dates(counter, now=NOW)}
    assert len(dates) == 46 and dates[fri] == "金曜日は受付なし" and dates[wed] is None
    with pytest.raises(BookingError) as e:
        services.book_visit(make_user("f@example.jp"), counter, fri, dt.time(9), now=NOW)
    assert e.value.rule == "closed" and "金曜日は受付なし" in e.value.message
    # saving again without changes writes no audit entry
    client.post(f"/reservations/staff/setup/counters/{counter.pk}/", _post(section=str(section.pk), booking_window_days="45", **{"d4-closed": "on"}))
    assert AuditLog.objects.filter(target_type="reservations.counter", action="update").count() == 1
    # duplicate URL name refused naming the field
    body = client.post("/reservations/staff/setup/counters/new/", _post(section=str(section.pk), name="別の相談")).content.decode()
    assert "URL用の名前「kosodate-soudan」はほかの窓口が使っています" in body


def test_counter_without_weekday_rows_keeps_its_opening_hours(counter):
    """Counters set up before 受付時間 per weekday keep opens–closes on every open day."""
    day = dt.date(2027, 6, 4)  # Friday
    assert [s["start"] for s in services.counter_day(counter, day, now=NOW)["slots"]][:2] == [dt.time(9), dt.time(9, 30)]


def test_clerk_reads_only_and_other_section_gets_404(client, django_user_model, section, other_section, counter):
    # the conftest counter belongs to 市民課 (other_section)
    clerk = _staff(django_user_model, other_section, StaffRole.Role.CLERK)
    login_staff(client, clerk)
    url = f"/reservations/staff/setup/counters/{counter.pk}/"
    r = client.get(url)
    assert r.status_code == 200 and "閲覧のみできます" in r.content.decode() and "disabled" in r.content.decode()
    r = client.post(url, _post(section=str(other_section.pk)))
    assert r.status_code == 403 and "管理者の権限" in r.content.decode()
    assert client.get("/reservations/staff/setup/counters/new/").status_code == 403
    assert "転入・転出" in client.get("/reservations/staff/setup/counters/").content.decode()
    other = _staff(django_user_model, section)
    login_staff(client, other)
    assert client.get(url).status_code == 404 and client.post(url, _post(section=str(section.pk))).status_code == 404
    assert "転入・転出" not in client.get("/reservations/staff/setup/counters/").content.decode()
    assert not AuditLog.objects.filter(action__in=["create", "update"], target_type="reservations.counter").exists()
    counter.refresh_from_db()
    assert counter.name == "転入・転出"
