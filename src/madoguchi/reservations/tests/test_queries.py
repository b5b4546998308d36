"""The hot-path SQL (queries.py) must read exactly what the ORM would, on SQLite and PostgreSQL."""

import datetime as dt

from madoguchi.reservations import queries, services
from madoguchi.reservations.models import Booking, ClosedPeriod, Lottery, Unit

D = dt.date(2027, 6, 15)  # a Tuesday


def day_info(unit, day, start, now):
    return queries.unit_day(unit.pk, day, start, now)[1]


def test_unit_day_reads_the_unit_and_facility_as_the_orm_does(unit, now):
    via_sql, _ = queries.unit_day(unit.pk, D, dt.time(9), now)
    via_orm = Unit.objects.select_related("facility").get(pk=unit.pk)
    for f in Unit._meta.concrete_fields:
        assert getattr(via_sql, f.attname) == getattr(via_orm, f.attname), f.name
    for f in type(via_orm.facility)._meta.concrete_fields:
        assert getattr(via_sql.facility, f.attname) == getattr(via_orm.facility, f.attname), f.name
    assert queries.unit_day(unit.pk + 1000, D, dt.time(9), now) is None
    assert queries.unit_day(unit.pk, dt.date(2027, 6, 14), dt.time(9), now)[0].pk == unit.pk  # closed Monday: the unit, no day


def test_day_info_reads_hours_closure_lottery_and_fees(unit, facility, now):
    hours, closure, lottery_status, fees, taken = day_info(unit, D, dt.time(9), now)
    assert (hours.opens, hours.closes, closure, lottery_status, taken) == (dt.time(9), dt.time(21), None, None, False)
    assert fees == {"resident": 3000, "resident_group": 2000, "non_resident": 6000}
    assert day_info(unit, dt.date(2027, 6, 14), dt.time(9), now) is None  # Monday: no opening hours

    ClosedPeriod.objects.create(facility=facility, unit=unit, start=D, end=D, reason="点検")
    h = dt.timedelta(hours=1)
    Lottery.objects.create(facility=facility, month=D.replace(day=1), opens_at=now, closes_at=now + h, draw_at=now + 2 * h)
    _, closure, lottery_status, _, _ = day_info(unit, D, dt.time(9), now)
    assert (closure, lottery_status) == ("点検", Lottery.Status.OPEN)


def test_counts_skip_lapsed_holds(unit, resident, now):
    services.hold(resident, services.HoldRequest(unit, D, dt.time(9)), now=now)
    lapsed = services.hold(resident, services.HoldRequest(unit, D, dt.time(13)), now=now)
    Booking.objects.filter(pk=lapsed.pk).update(hold_until=now - dt.timedelta(minutes=1))
    services.hold(resident, services.HoldRequest(unit, dt.date(2027, 6, 16), dt.time(9)), now=now)
    assert queries.active_counts(resident.pk, unit.facility_id, D, dt.date(2027, 6, 1), dt.date(2027, 6, 30), now) == (2, 1)
    assert queries.lock_registration(resident.pk) is True
    assert queries.lock_registration(resident.pk + 1000) is None


def test_day_info_says_whether_the_frame_is_taken(unit, resident, make_user, now):
    b = services.hold(resident, services.HoldRequest(unit, D, dt.time(9)), now=now)
    assert day_info(unit, D, dt.time(9), now)[-1] is True
    assert day_info(unit, D, dt.time(13), now)[-1] is False
    later = b.hold_until + dt.timedelta(seconds=1)
    assert day_info(unit, D, dt.time(9), later)[-1] is False  # a lapsed hold frees the frame
    assert services.hold(make_user("x@example.jp"), services.HoldRequest(unit, D, dt.time(9)), now=later).status == "held"
