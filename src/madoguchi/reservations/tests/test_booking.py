import datetime as dt

import pytest

from madoguchi.reservations import services
from madoguchi.reservations.models import Booking, ClosedPeriod, Group
from madoguchi.reservations.services import BookingError

D = dt.date(2027, 6, 9)  # a Wednesday, 8 days after NOW
T9 = dt.time(9)


def test_book_records_fee_and_pay_at_counter(unit, resident, now, run_tasks, mailoutbox):
    from madoguchi.core.models import Task

    set_up = set(Task.objects.values_list("pk", flat=True))  # the facility's own (search index, open data)
    b = services.book(resident, services.HoldRequest(unit, D, T9), now=now)
    assert b.status == Booking.Status.CONFIRMED and b.fee == 3000 and b.payment == Booking.Payment.AT_COUNTER
    assert b.end == dt.time(12)
    # A booking queues its confirmation and nothing else (no index or dataset refresh per booking).
    assert list(Task.objects.exclude(pk__in=set_up).values_list("name", flat=True)) == ["reservations.booking_confirmed"]
    run_tasks()
    assert mailoutbox and b.code in mailoutbox[0].body
    assert mailoutbox[0].attachments[0][0].endswith(".ics")
    # The confirmation task is the email's outbox entry: it sends, it does not queue a second task.
    assert not Task.objects.filter(name="core.send_email").exists()


def test_double_booking_refused(unit, make_user, now):
    services.book(make_user("a@example.jp"), services.HoldRequest(unit, D, T9), now=now)
    with pytest.raises(BookingError) as e:
        services.book(make_user("b@example.jp"), services.HoldRequest(unit, D, T9), now=now)
    assert e.value.rule == "taken" and "すでに予約" in e.value.message


def test_database_refuses_second_active_booking(unit, make_user):
    from django.db import IntegrityError, transaction

    a, b = make_user("a@example.jp"), make_user("b@example.jp")
    Booking.objects.create(unit=unit, date=D, start=T9, end=dt.time(12), user=a, status=Booking.Status.CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(unit=unit, date=D, start=T9, end=dt.time(12), user=b, status=Booking.Status.CONFIRMED)
    # a cancelled booking does not block
    Booking.objects.filter(user=a).update(status=Booking.Status.CANCELLED)
    Booking.objects.create(unit=unit, date=D, start=T9, end=dt.time(12), user=b, status=Booking.Status.CONFIRMED)


def test_hold_blocks_until_it_expires(unit, make_user, now):
    a, b = make_user("a@example.jp"), make_user("b@example.jp")
    h = services.hold(a, services.HoldRequest(unit, D, T9), now=now)
    assert h.status == Booking.Status.HELD
    with pytest.raises(BookingError):
        services.hold(b, services.HoldRequest(unit, D, T9), now=now + dt.timedelta(minutes=5))
    later = now + dt.timedelta(minutes=11)
    b2 = services.hold(b, services.HoldRequest(unit, D, T9), now=later)
    h.refresh_from_db()
    assert h.status == Booking.Status.EXPIRED and b2.status == Booking.Status.HELD
    with pytest.raises(BookingError) as e:
        services.confirm(h, now=later)
    assert e.value.rule in ("hold_expired", "status")
    assert services.confirm(b2, purpose="会議", attendees=10, now=later).status == Booking.Status.CONFIRMED


def test_availability_shows_states(unit, make_user, now):
    services.book(make_user(), services.HoldRequest(unit, D, T9), now=now)
    days = {d["date"]: d for d in services.availability(unit, 2027, 6, now=now)}
    assert days[dt.date(2027, 6, 7)]["closed"] == "定休日（月曜日）"
    assert [f["state"] for f in days[D]["frames"]] == ["taken", "free", "free"]
    assert [f["state"] for f in days[dt.date(2027, 6, 1)]["frames"]] == ["past", "free", "free"]


@pytest.mark.parametrize(
    "day,start,rule,text",
    [
        (dt.date(2027, 6, 1), T9, "past", "過去の時間枠"),
        (dt.date(2027, 6, 7), T9, "closed", "休館日です（定休日（月曜日））"),
        (D, dt.time(8), "hours", "開館時間内"),
        (dt.date(2027, 9, 1), T9, "window", "受付期間外"),
    ],
)
def test_rules_named(unit, resident, now, day, start, rule, text):
    with pytest.raises(BookingError) as e:
        services.book(resident, services.HoldRequest(unit, day, start), now=now)
    assert e.value.rule == rule and text in e.value.message


def test_maintenance_period_and_holiday_reason(unit, facility, resident, now):
    ClosedPeriod.objects.create(facility=facility, start=D, end=D, reason="空調設備の点検")
    with pytest.raises(BookingError) as e:
        services.book(resident, services.HoldRequest(unit, D, T9), now=now)
    assert "空調設備の点検" in e.value.message
    facility.closes_on_holidays = True
    facility.save()
    assert services.closed_reason(facility, dt.date(2027, 7, 19)) == "祝日（海の日）"
    assert services.closed_reason(facility, dt.date(2027, 12, 30)) == "年末年始"


def test_limits(unit, hourly_unit, resident, now):
    services.book(resident, services.HoldRequest(unit, D, T9), now=now)
    services.book(resident, services.HoldRequest(unit, D, dt.time(13)), now=now)
    with pytest.raises(BookingError) as e:
        services.book(resident, services.HoldRequest(unit, D, dt.time(18)), now=now)
    assert e.value.rule == "limit_day" and "2枠まで" in e.value.message
    services.book(resident, services.HoldRequest(unit, D + dt.timedelta(days=1), T9), now=now)
    services.book(resident, services.HoldRequest(unit, D + dt.timedelta(days=2), T9), now=now)
    with pytest.raises(BookingError) as e:
        services.book(resident, services.HoldRequest(unit, D + dt.timedelta(days=3), T9), now=now)
    assert e.value.rule == "limit_month"


def test_hourly_fee_and_non_resident(hourly_unit, unit, make_user, now):
    b = services.book(make_user(), services.HoldRequest(hourly_unit, D, dt.time(14)), now=now)
    assert (b.start, b.end, b.fee) == (dt.time(14), dt.time(15), 500)
    out = services.book(make_user("x@example.jp", resident=False), services.HoldRequest(unit, D, T9), now=now)
    assert out.fee == 6000


def test_registration_required(unit, make_user, now):
    with pytest.raises(BookingError) as e:
        services.book(make_user(register=False), services.HoldRequest(unit, D, T9), now=now)
    assert e.value.rule == "registration"


def test_group_needs_verification(unit, resident, city, now):
    g = Group.objects.create(municipality=city, owner=resident, name="みどりダンス", representative="緑野さくら", member_count=12, resident_share=80)
    with pytest.raises(BookingError) as e:
        services.book(resident, services.HoldRequest(unit, D, T9, group=g), now=now)
    assert "職員の確認前" in e.value.message
    services.verify_group(g, None, True)
    assert services.book(resident, services.HoldRequest(unit, D, T9, group=g), now=now).fee == 2000


def test_cancel_deadline_fee(unit, resident, now):
    early = services.book(resident, services.HoldRequest(unit, D, T9), now=now)
    assert services.cancel(early, resident, now=now).cancellation_fee == 0
    late = services.book(resident, services.HoldRequest(unit, dt.date(2027, 6, 3), T9), now=now)
    c = services.cancel(late, resident, now=now)
    assert c.status == Booking.Status.CANCELLED and c.cancellation_fee == 1500
    with pytest.raises(BookingError):
        services.cancel(c, resident, now=now)


def test_exemption_approved_by_staff(unit, resident, now):
    h = services.hold(resident, services.HoldRequest(unit, D, T9), now=now)
    b = services.confirm(h, exemption_reason="障害者団体の活動", now=now)
    assert b.exemption == Booking.Exemption.REQUESTED
    b = services.decide_exemption(b, True, 50)
    assert b.fee == 1500 and b.base_fee == 3000


def test_ics(unit, resident, now):
    b = services.book(resident, services.HoldRequest(unit, D, T9), now=now)
    raw = services.booking_ics(b)
    ics = raw.decode()
    assert "BEGIN:VEVENT" in ics and b.code in ics and "20270609T090000" in ics
    # RFC 5545: every TZID used has its VTIMEZONE; a calendar program reads the start right
    from icalendar import Calendar

    cal = Calendar.from_ical(raw)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert cal.get_used_tzids() == {"Asia/Tokyo"} and not cal.get_missing_tzids()
    (event,) = cal.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == b.starts_at and start.astimezone(dt.UTC) == dt.datetime(2027, 6, 9, 0, 0, tzinfo=dt.UTC)
    assert event.decoded("DTEND") == b.ends_at and str(event["UID"]) == f"booking-{b.code}@madoguchi"


def test_search(unit, hourly_unit, city, resident, now):
    found = services.search(city, purpose="ダンス", day=D, frame_start=T9, now=now)
    assert {r["unit"] for r in found} == {unit, hourly_unit}
    services.book(resident, services.HoldRequest(unit, D, T9), now=now)
    found = services.search(city, purpose="ダンス", day=D, frame_start=T9, now=now)
    assert {r["unit"] for r in found} == {hourly_unit}
    assert services.search(city, purpose="ダンス", day=dt.date(2027, 6, 7), now=now) == []  # Monday: closed


def test_search_queries_do_not_grow_with_units(facility, unit, city, now, django_assert_max_num_queries):
    from madoguchi.reservations.models import Unit

    Unit.objects.bulk_create([Unit(facility=facility, name=f"会議室{i}", frame_mode="hourly" if i % 2 else "fixed") for i in range(30)])
    with django_assert_max_num_queries(7):
        found = services.search(city, day=D, now=now)
    assert len(found) == 31 and all(r["free"] for r in found)


def test_exemption_rule_rate_and_email(unit, resident, city, now, run_tasks, mailoutbox):
    from madoguchi.reservations.models import ExemptionRule

    rule = ExemptionRule.objects.create(municipality=city, name="障害者団体の活動", percent=100, documents="障害者手帳")
    b = services.confirm(services.hold(resident, services.HoldRequest(unit, D, T9), now=now), exemption_rule=rule, now=now)
    assert b.exemption == Booking.Exemption.REQUESTED and b.fee == 3000  # full fee until approved
    b = services.decide_exemption(b, True)  # the rule's rate
    assert b.fee == 0 and b.payment == Booking.Payment.NOT_REQUIRED
    run_tasks()
    assert any("減免の審査結果" in m.subject for m in mailoutbox)
    with pytest.raises(BookingError) as e:
        services.decide_exemption(b, True)
    assert "減免の申請がない" in e.value.message


def test_closed_period_cancels_overlapping_bookings(unit, facility, resident, now, run_tasks, mailoutbox):
    b = services.book(resident, services.HoldRequest(unit, D, T9), now=now)
    period = ClosedPeriod(facility=facility, start=D, end=D, reason="床の張り替え")
    assert services.close_period(period, None, cancel_bookings=False, now=now) == (1, 0)
    b.refresh_from_db()
    assert b.status == Booking.Status.CONFIRMED
    period2 = ClosedPeriod(facility=facility, unit=unit, start=D, end=D, reason="床の張り替え")
    assert services.close_period(period2, None, cancel_bookings=True, now=now) == (1, 1)
    b.refresh_from_db()
    assert b.status == Booking.Status.CANCELLED and b.cancellation_fee == 0
    run_tasks()
    assert any("床の張り替え" in m.body for m in mailoutbox)


def test_abandoned_hold_freed_by_periodic_task(unit, make_user, now):
    """The periodic task flips abandoned holds to expired (the frame is free again)."""
    from madoguchi.core.tasks import _PERIODIC

    assert "reservations.expire_holds" in _PERIODIC  # the worker runs it every minute
    h = services.hold(make_user("a@example.jp"), services.HoldRequest(unit, D, T9), now=now - dt.timedelta(hours=1))
    assert h.status == Booking.Status.HELD
    assert services.expire_holds(now=now) == 1
    h.refresh_from_db()
    assert h.status == Booking.Status.EXPIRED
    assert services.hold(make_user("b@example.jp"), services.HoldRequest(unit, D, T9), now=now).status == Booking.Status.HELD


def test_unit_closure_and_round_trips_per_booking(unit, hourly_unit, facility, resident, make_user, now, django_assert_max_num_queries):
    """A closure of one room leaves the others bookable; a booking costs a handful of queries
    (the opening rush pays for every round trip)."""
    ClosedPeriod.objects.create(facility=facility, unit=unit, start=D, end=D, reason="ピアノの調律")
    with pytest.raises(BookingError) as e:
        services.book(resident, services.HoldRequest(unit, D, T9), now=now)
    assert "ピアノの調律" in e.value.message
    other = make_user("other@example.jp")
    with django_assert_max_num_queries(8):  # calendar+fees, lock, limits, insert, outbox (+ test savepoints)
        b = services.book(other, services.HoldRequest(hourly_unit, D, T9), now=now)
    assert b.fee == 500
