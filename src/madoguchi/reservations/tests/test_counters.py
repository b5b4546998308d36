import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.reservations import services
from madoguchi.reservations.models import CounterSlot, QueueTicket, Visit
from madoguchi.reservations.services import BookingError

D = dt.date(2027, 6, 2)  # Wednesday


def test_capacity_never_exceeded(counter, make_user, now, run_tasks, mailoutbox):
    a, b, c = (make_user(f"{x}@example.jp") for x in "abc")
    services.book_visit(a, counter, D, dt.time(9), now=now)
    services.book_visit(b, counter, D, dt.time(9), now=now)
    with pytest.raises(BookingError) as e:
        services.book_visit(c, counter, D, dt.time(9), now=now)
    assert e.value.rule == "full"
    slot = CounterSlot.objects.get()
    assert slot.booked == 2
    run_tasks()
    assert mailoutbox[0].attachments[0][2] == "image/png"


def test_capacity_check_constraint(counter):
    from django.db import IntegrityError, transaction

    slot = CounterSlot.objects.create(counter=counter, date=D, start=dt.time(9), end=dt.time(9, 30), capacity=1, booked=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CounterSlot.objects.filter(pk=slot.pk).update(booked=2)


def test_closed_day_and_cancel(counter, resident, now):
    with pytest.raises(BookingError) as e:
        services.book_visit(resident, counter, dt.date(2027, 6, 5), dt.time(9), now=now)
    assert "閉庁日です（土曜日）" in e.value.message
    v = services.book_visit(resident, counter, D, dt.time(9), now=now)
    services.cancel_visit(v, resident, now=now)
    assert CounterSlot.objects.get().booked == 0
    day = services.counter_day(counter, D, now=now)
    assert day["slots"][0]["remaining"] == 2


def test_check_in_and_queue(counter, make_user, now):
    """Booked visitors whose slot time has come are called before walk-ins; until then the
    walk-ins are served."""
    today_now = now.replace(hour=9, minute=40)
    v = services.book_visit(make_user("v@example.jp"), counter, dt.date(2027, 6, 1), dt.time(10), now=now.replace(hour=8))
    t1 = services.issue_ticket(counter, now=today_now)
    t2 = services.issue_ticket(counter, now=today_now + dt.timedelta(minutes=1))
    visit = services.check_in(counter, f"madoguchi-visit:{v.code.lower()}", now=today_now + dt.timedelta(minutes=2))
    assert visit.status == Visit.Status.CHECKED_IN
    t3 = visit.ticket
    assert (t1.number, t2.number, t3.number) == (1, 2, 3)
    assert t3.due_at == timezone.make_aware(dt.datetime(2027, 6, 1, 10))
    early = today_now + dt.timedelta(minutes=3)
    # before 10:00 the booked visitor waits behind the walk-ins already there
    assert services.ticket_position(t3, now=early) == {"ahead": 2, "wait_minutes": 10}
    assert services.ticket_position(t2, now=early)["ahead"] == 1
    assert services.call_next(counter, "1", now=early).number == 1
    # a walk-in issued after 10:00 queues behind the booked visitor
    t4 = services.issue_ticket(counter, now=today_now + dt.timedelta(minutes=25))
    at = today_now + dt.timedelta(minutes=30)
    assert services.ticket_position(t4, now=at)["ahead"] == 2  # booked 3, walk-in 2
    assert services.ticket_position(t3, now=at)["ahead"] == 0
    assert services.ticket_position(t2, now=at) == {"ahead": 1, "wait_minutes": 5}
    called = [services.call_next(counter, "1", now=at).number for _ in range(3)]
    assert called == [3, 2, 4]  # the booked visitor first, then walk-ins by number
    assert services.call_next(counter, "1", now=at) is None
    assert QueueTicket.objects.filter(status=QueueTicket.Status.DONE).count() == 4
    with pytest.raises(BookingError):
        services.check_in(counter, "NOPE1234", now=at)


def test_late_booked_visitor_is_served_before_earlier_walk_ins(counter, make_user, now):
    """Checked in after the slot time: still ahead of walk-ins issued before them."""
    v = services.book_visit(make_user("late@example.jp"), counter, dt.date(2027, 6, 1), dt.time(10, 30), now=now.replace(hour=8))
    at = now.replace(hour=10, minute=35)
    walk_in = services.issue_ticket(counter, now=at - dt.timedelta(minutes=3))
    booked = services.check_in(counter, v.code, now=at).ticket
    assert services.ticket_position(walk_in, now=at)["ahead"] == 1
    assert services.call_next(counter, "1", now=at) == booked
    assert services.call_next(counter, "2", now=at) == walk_in


def test_reminder_day_before(counter, resident, now, run_tasks, mailoutbox):
    counter.kind = "consultation"
    counter.allows_online = True
    counter.save()
    v = services.book_visit(resident, counter, D, dt.time(9), mode=Visit.Mode.ONLINE, now=now)
    Visit.objects.filter(pk=v.pk).update(meeting_url="https://meet.example.jp/abc")
    assert services.send_reminders(now=now) == 1
    assert services.send_reminders(now=now) == 0
    run_tasks()
    assert any("https://meet.example.jp/abc" in m.body for m in mailoutbox)


def test_visit_cannot_be_cancelled_once_its_slot_started_and_staff_mark_no_show(counter, resident, now):
    v = services.book_visit(resident, counter, D, dt.time(9), now=now)
    started = timezone.make_aware(dt.datetime(2027, 6, 2, 9, 0))
    with pytest.raises(BookingError) as e:
        services.cancel_visit(v, resident, now=started)
    assert e.value.rule == "past" and "09:00" in e.value.message and "取り消せません" in e.value.message
    assert CounterSlot.objects.get().booked == 1  # the count is not lowered
    with pytest.raises(BookingError) as e:
        services.mark_no_show(v, now=started - dt.timedelta(minutes=1))
    assert e.value.rule == "not_started" and v.code in e.value.message
    assert services.mark_no_show(v, now=started).status == Visit.Status.NO_SHOW
    with pytest.raises(BookingError) as e:
        services.mark_no_show(v, now=started)
    assert e.value.rule == "status" and "来庁なし" in e.value.message


def test_online_reminder_without_meeting_url_does_not_give_the_office(counter, resident, now, run_tasks, mailoutbox):
    counter.kind = "consultation"
    counter.allows_online = True
    counter.location = "本庁舎1階 2番窓口"
    counter.save()
    services.book_visit(resident, counter, D, dt.time(9), mode=Visit.Mode.ONLINE, now=now)
    assert services.send_reminders(now=now) == 1
    run_tasks()
    (reminder,) = [m for m in mailoutbox if "明日のご予約" in m.subject]
    assert "本庁舎1階" not in reminder.body
    assert "場所: オンライン" in reminder.body and "メールでお送りし、わたしの予約にも表示します" in reminder.body and "/reservations/my/" in reminder.body
    (confirmation,) = [m for m in mailoutbox if "来庁予約" in m.subject]
    assert "本庁舎1階" not in confirmation.body and "会議のURLは決まりしだい" in confirmation.body
