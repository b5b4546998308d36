"""Several OS processes book the same frames and the same counter slot at once against
PostgreSQL; the database must let exactly one booking per frame through and never exceed the
slot's capacity."""

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from madoguchi.core import calendar as office_calendar
from madoguchi.reservations.models import Booking, CounterSlot, Visit

pytestmark = [pytest.mark.postgres]
PROCESSES = 8


def _db_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s.get('PASSWORD') or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def test_no_double_booking_across_processes(transactional_db, facility, hourly_unit, counter, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and concurrent transactions)")
    facility.max_frames_per_day = 50
    facility.max_bookings_per_month = 50
    facility.closes_year_end = False
    facility.save()
    counter.capacity = 3
    counter.booking_window_days = 60
    counter.save()
    day = timezone.localdate() + dt.timedelta(days=3)
    while day.weekday() == 0 or not office_calendar.is_open(day, counter.municipality):
        day += dt.timedelta(days=1)
    users = [make_user(f"p{i}@example.jp") for i in range(PROCESSES)]
    env = {
        **os.environ,
        "DATABASE_URL": _db_url(),
        "DJANGO_SETTINGS_MODULE": "madoguchi.settings",
        "TASK_MODE": "eager",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
    }
    start_at = time.time() + 4
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "madoguchi.reservations.tests._concurrent_worker",
                str(u.pk),
                str(hourly_unit.pk),
                str(counter.pk),
                day.isoformat(),
                str(start_at),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for u in users
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    frames = 12  # 09:00–21:00 hourly
    active = Booking.objects.filter(unit=hourly_unit, date=day, status__in=["held", "confirmed", "won"])
    assert active.count() == frames
    assert active.values("start").distinct().count() == frames  # zero double bookings
    assert sum(r["ok"] for r in results) == frames
    assert sum(r["refused"] for r in results) == frames * (PROCESSES - 1)
    slot = CounterSlot.objects.get(counter=counter, date=day, start=counter.opens)
    assert slot.booked == 3 == Visit.objects.filter(slot=slot, status="booked").count()
    assert sum(r["visit_ok"] for r in results) == 3


def test_one_visit_per_counter_per_day_under_concurrency(transactional_db, counter, make_user):
    """Two submits of the same resident at once (different slots of the same day): the second
    waits for the first's locks and is refused, instead of both passing an unlocked check."""
    import threading

    from django.db import connections, transaction

    from madoguchi.reservations import services

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and concurrent transactions)")
    counter.booking_window_days = 60
    counter.save()
    user = make_user("same@example.jp")
    day = timezone.localdate() + dt.timedelta(days=3)
    while not office_calendar.is_open(day, counter.municipality):
        day += dt.timedelta(days=1)
    first_booked = threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                services.book_visit(user, counter, day, dt.time(9))
                first_booked.set()
                time.sleep(1.5)  # keep the transaction (and its locks) open
            outcome["first"] = "ok"
        finally:
            first_booked.set()
            connections.close_all()

    def second():
        try:
            first_booked.wait(10)
            services.book_visit(user, counter, day, dt.time(9, 30))
            outcome["second"] = "ok"
        except services.BookingError as e:
            outcome["second"] = e.rule
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcome == {"first": "ok", "second": "limit_day"}
    assert Visit.objects.filter(user=user, status="booked").count() == 1
    assert sum(CounterSlot.objects.filter(counter=counter, date=day).values_list("booked", flat=True)) == 1
