"""The booking confirmation as the task worker runs it: what it reads (queries counted, so a
column the email reads but the handler's ``only()`` leaves out shows as a query more) and what it
sends (bench/bench_worker_cost.py measures its CPU)."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from madoguchi.core import tenancy
from madoguchi.reservations import services
from madoguchi.reservations.models import Booking, Unit, UserCategory
from madoguchi.reservations.services import emails

from ..factories import UnitFactory

D = dt.date(2027, 6, 9)


@pytest.fixture
def warm(monkeypatch):
    """Process caches the worker keeps between tasks (the city row, its host name, content
    types), filled by a first email and trusted for the rest of the test."""
    monkeypatch.setattr(tenancy, "_LOCAL_TTL", 10**9)
    monkeypatch.setattr(tenancy, "_by_id", {})
    monkeypatch.setattr(tenancy, "_domains", {})
    ContentType.objects.get_for_model(Booking, for_concrete_model=False)


def _send_second(city, first, second, mailoutbox, django_assert_num_queries, queries):
    with tenancy.using(city):
        emails.send_booking_confirmed(first.pk)  # warms the caches above
        mailoutbox.clear()
        with django_assert_num_queries(queries):
            emails.send_booking_confirmed(second.pk)
    (message,) = mailoutbox
    return message


@pytest.mark.parametrize("hour", [9, 13])
def test_a_paid_frame_reads_the_booking_and_its_payments(unit, city, make_user, now, warm, mailoutbox, django_assert_num_queries, hour):
    first = services.book(make_user("a@example.jp"), services.HoldRequest(unit, D, dt.time(9 if hour != 9 else 13)), now=now)
    b = services.book(make_user("b@example.jp"), services.HoldRequest(unit, D, dt.time(hour)), now=now)
    message = _send_second(city, first, b, mailoutbox, django_assert_num_queries, 2)  # the booking with its unit, facility, user; its payments
    assert message.to == ["b@example.jp"] and f"予約番号: {b.code}" in message.body
    assert message.subject == f"【予約受付】中央公民館 大ホール {D:%m/%d}" and "使用料: 3,000円（窓口で支払い）" in message.body
    assert "取消期限: 利用日の3日前まで無料（以降は使用料の50％）" in message.body
    (name, ics, mimetype) = message.attachments[0]
    assert name == f"booking-{b.code}.ics" and mimetype == "text/calendar"
    text = ics.decode() if isinstance(ics, bytes) else ics
    assert "テスト市中央1-1" in text and "BEGIN:VTIMEZONE" in text and text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")


def test_a_free_unit_needs_no_payment_read(facility, city, make_user, now, warm, mailoutbox, django_assert_num_queries):
    free = UnitFactory(facility=facility, name="ロビー", fees={UserCategory.RESIDENT: 0})
    first = services.book(make_user("a@example.jp"), services.HoldRequest(free, D, dt.time(9)), now=now)
    b = services.book(make_user("b@example.jp"), services.HoldRequest(free, D, dt.time(13)), now=now)
    message = _send_second(city, first, b, mailoutbox, django_assert_num_queries, 1)
    assert "使用料: 無料" in message.body and message.attachments


def test_an_online_payment_unit_mails_the_pay_link(facility, city, make_user, now, warm, mailoutbox, django_assert_num_queries):
    online = UnitFactory(facility=facility, name="会議室B", payment_timing=Unit.PaymentTiming.AFTER, fees={UserCategory.RESIDENT: 800})
    first = services.book(make_user("a@example.jp"), services.HoldRequest(online, D, dt.time(9)), now=now)
    b = services.book(make_user("b@example.jp"), services.HoldRequest(online, D, dt.time(13)), now=now)
    message = _send_second(city, first, b, mailoutbox, django_assert_num_queries, 2)
    assert f"/reservations/bookings/{b.code}/pay/" in message.body and "使用料: 800円（窓口で支払い）" in message.body


def test_the_ics_is_what_icalendar_writes_with_the_timezone_inside(unit, resident, now, monkeypatch):
    """The VTIMEZONE's bytes are spliced in from a per-process cache: the file must be exactly
    what icalendar writes with the component added to the calendar (as it was built before)."""
    from django.utils import timezone
    from icalendar import Calendar, Event

    from madoguchi.core.ics import vtimezone as _vtimezone

    monkeypatch.setattr(timezone, "now", lambda: now)  # DTSTAMP
    for start in (dt.time(9), dt.time(13)):
        b = services.book(resident, services.HoldRequest(unit, D, start), now=now)
        cal = Calendar()
        cal.add("prodid", "-//Madoguchi//reservations//JA")
        cal.add("version", "2.0")
        ev = Event()
        for key, value in [("uid", f"booking-{b.code}@madoguchi"), ("summary", str(b.unit)), ("dtstart", b.starts_at), ("dtend", b.ends_at),
                           ("dtstamp", now), ("location", "テスト市中央1-1"), ("description", f"予約番号 {b.code}")]:  # fmt: skip
            ev.add(key, value)
        cal.add_component(ev)
        cal.subcomponents.insert(0, _vtimezone("Asia/Tokyo"))
        assert services.booking_ics(b) == cal.to_ical()
