"""Resident pages show words, not raw data (issue #12 item 9): lists instead of 「a;b;c」, a map
link instead of latitude/longitude, months as 「令和9年（2027年）7月」, a usable wish picker
instead of three selects of hundreds of options, plain words instead of seed hashes and code."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from madoguchi.reservations import services
from madoguchi.reservations.models import Lottery, LotteryApplication, frame_key

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def lottery(facility, unit, hourly_unit, now):
    return Lottery.objects.create(
        facility=facility,
        month=dt.date(2027, 7, 1),
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=5),
        draw_at=now + dt.timedelta(days=6),
    )


def test_month_label_is_wareki_with_seireki(lottery, client, resident):
    assert lottery.month_label == "令和9年（2027年）7月"
    assert str(lottery) == "中央公民館 令和9年（2027年）7月"
    for url in (f"/reservations/lotteries/{lottery.pk}/", f"/reservations/facilities/{lottery.facility.pk}/", "/reservations/"):
        html = client.get(url).content.decode()
        assert "令和9年（2027年）7月" in html and not re.search(r"2027-07(?!-)", html) and "2027年7月" not in html, url


def test_wishes_are_picked_day_then_frame_without_javascript(lottery, unit, hourly_unit, resident, client):
    with time_machine.travel(NOW, tick=False):  # inside the application period (and the session)
        client.force_login(resident)
        url = f"/reservations/lotteries/{lottery.pk}/"
        html = client.get(url).content.decode()
        assert "<select" not in html and "<option" not in html  # no 360-option selects
        assert "?day=2027-07-07" in html  # step 1: the days
        html = client.get(url, {"day": "2027-07-07"}).content.decode()
        hall = frame_key(unit.pk, dt.date(2027, 7, 7), dt.time(9))
        room = frame_key(hourly_unit.pk, dt.date(2027, 7, 7), dt.time(10))
        assert f'value="{hall}"' in html and f'value="{room}"' in html  # step 2: that day's frames,
        assert html.count('type="radio"') < 30  # only that day's, by room
        assert "<legend>大ホール</legend>" in html and "<legend>会議室A</legend>" in html
        for key in (room, hall):
            assert client.post(url, {"action": "add", "frame": key, "day": "2027-07-07"}).status_code == 302
        again = client.post(url, {"action": "add", "frame": hall, "day": "2027-07-07"}, follow=True).content.decode()
        assert "その時間枠はもう選んでいます" in again
        html = client.get(url).content.decode()
        assert html.index("会議室A 7月7日(水) 10:00〜") < html.index("大ホール 7月7日(水) 9:00〜")
        client.post(url, {"action": "up", "index": "1"})  # the hall becomes the first wish
        html = client.get(url).content.decode()
        assert html.index("第1希望: 大ホール 7月7日(水) 9:00〜") < html.index("第2希望: 会議室A 7月7日(水) 10:00〜")
        response = client.post(url, {"action": "apply"})
        assert response.status_code == 302
        application = LotteryApplication.objects.get(lottery=lottery, user=resident)
        assert [w.frame_key for w in application.wishes.order_by("rank")] == [hall, room]
        html = client.get(url).content.decode()
        assert "申込済みです" in html and "令和9年7月7日(水) 9:00〜" in html


def test_drawn_lottery_speaks_plainly_and_links_to_verification(lottery, unit, make_user, now, client):
    day = dt.date(2027, 7, 7)
    for i in range(3):
        services.apply_lottery(lottery, make_user(f"p{i}@example.jp"), [(unit, day, dt.time(9)), (unit, day, dt.time(13))], now=now)
    services.run_lottery(lottery, now=now + dt.timedelta(days=6))
    lottery.refresh_from_db()
    html = client.get(f"/reservations/lotteries/{lottery.pk}/").content.decode()
    assert "import json" not in html and "derive_seed" not in html  # no Python code
    assert lottery.secret_seed not in html and lottery.draw_seed not in html and lottery.seed_commitment not in html
    assert f"/reservations/lotteries/{lottery.pk}/verify/" in html  # the check is one link away
    assert "大ホール 7月7日(水) 9:00〜" in html and f"{unit.pk}/2027-07-07/09:00" not in html  # frames in words
    verify = client.get(f"/reservations/lotteries/{lottery.pk}/verify/").content.decode()
    assert "すべての確認項目が一致しました" in verify and lottery.secret_seed in verify  # the details live there


def test_facility_page_has_a_map_link_and_lists(facility, client):
    facility.accessibility = "車いす用トイレ;スロープ;エレベーター"
    facility.save()
    html = client.get(f"/reservations/facilities/{facility.pk}/").content.decode()
    assert "緯度" not in html and "139.300000</dd>" not in html
    assert "https://maps.gsi.go.jp/#17/35.700000/139.300000/" in html and "地図で見る" in html
    assert "<li>車いす用トイレ</li><li>スロープ</li><li>エレベーター</li>" in html and ";" not in html.split("バリアフリー")[1][:200]


def test_counter_lists_its_procedures(counter, client):
    counter.procedures = "転入届;転出届、転居届\nマイナンバーカードの住所変更"
    counter.save()
    assert counter.procedure_items == ["転入届", "転出届", "転居届", "マイナンバーカードの住所変更"]
    for url in ("/reservations/counters/", f"/reservations/counters/{counter.slug}/"):
        html = client.get(url).content.decode()
        assert "転入届;転出届" not in html and "<li>転入届</li><li>転出届</li><li>転居届</li>" in html, url


def test_calendar_and_win_confirmation_write_dates_one_way(unit, lottery, make_user, now, client):
    from django.utils import timezone

    from madoguchi.reservations.models import Booking
    from madoguchi.reservations.models.lotteries import month_label

    html = client.get(f"/reservations/units/{unit.pk}/").content.decode()
    this_month = timezone.localdate().replace(day=1)
    assert month_label(this_month) in html and f"{this_month.year}年{this_month.month}月の空き状況" not in html
    user = make_user("win@example.jp")
    services.apply_lottery(lottery, user, [(unit, dt.date(2027, 7, 7), dt.time(9))], now=now)
    services.run_lottery(lottery, now=now + dt.timedelta(days=6))
    booking = Booking.objects.get(user=user)
    client.force_login(user)
    with time_machine.travel(now + dt.timedelta(days=6, hours=1), tick=False):
        client.force_login(user)
        html = client.get(f"/reservations/bookings/{booking.code}/").content.decode()
    assert "抽選に当選しました。令和9年" in html and "2027年" not in html
