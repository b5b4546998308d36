"""The opening rush's reads, written as SQL (予約開始の殺到で毎回走る読み取り).

Every first-come booking runs these. Built through the ORM they cost more CPU to *compile*
(filters, joins, subqueries) than PostgreSQL spends answering them, and that CPU is what caps
booking attempts per second (see bench/bench_reservations.py and the reservations README). The
SQL is portable (PostgreSQL and SQLite) and built once per process from the models' metadata,
so renamed tables or columns follow; the ORM stays the way to write everywhere else.

共同運営 (issue #10): every table here carries ``municipality_id``. Joins and correlated
subqueries match it with the unit's (co-located in a sharded layout, never across cities), and
each read takes the city (``municipality_id``, by default the active one) as a parameter
whenever it is known; the raw SQL bypasses ``TenantManager``, so this filter is its first wall
(PostgreSQL's row-level security the second).
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connection

from madoguchi.core import rawsql, tenancy

from .models import ACTIVE_BOOKING_STATUSES, Booking, ClosedPeriod, Facility, Fee, Lottery, OpeningHours, Registration, Unit, UserCategory

_t, _c = rawsql.table, rawsql.column


def _city(model, alias: str = "") -> str:
    """``<alias.>municipality_id = u.municipality_id``: the row is the unit's city's."""
    return f"{_c(model, 'municipality', alias)} = u.{_c(Unit, 'municipality')}"


@functools.cache
def _unit_day_sql(vendor: str, scoped: bool = False) -> str:
    unit, facility = f"u.{_c(Unit, 'id')}", f"f.{_c(Facility, 'id')}"
    fees = ",\n".join(
        f"(SELECT {_c(Fee, 'amount')} FROM {_t(Fee)} WHERE {_c(Fee, 'unit')} = {unit} AND {_city(Fee)} AND {_c(Fee, 'category')} = '{c}' LIMIT 1)"
        for c in UserCategory.values
    )
    cols = ", ".join(rawsql.columns(Unit, "u") + rawsql.columns(Facility, "f"))
    return f"""
SELECT {cols}, oh.{_c(OpeningHours, "opens")}, oh.{_c(OpeningHours, "closes")},
  (SELECT {_c(ClosedPeriod, "reason")} FROM {_t(ClosedPeriod)}
    WHERE {_c(ClosedPeriod, "facility")} = {facility} AND {_city(ClosedPeriod)} AND ({_c(ClosedPeriod, "unit")} IS NULL OR {_c(ClosedPeriod, "unit")} = {unit})
      AND {_c(ClosedPeriod, "start")} <= %s AND {_c(ClosedPeriod, "end")} >= %s
    ORDER BY {_c(ClosedPeriod, "id")} LIMIT 1),
  (SELECT {_c(Lottery, "status")} FROM {_t(Lottery)} WHERE {_c(Lottery, "facility")} = {facility} AND {_city(Lottery)} AND {_c(Lottery, "month")} = %s LIMIT 1),
  {fees},
  (SELECT COUNT(*) FROM {_t(Booking)} b WHERE {_b("unit")} = {unit} AND {_city(Booking, "b")} AND {_b("date")} = %s AND {_b("start")} = %s AND {_live_booking()}) > 0
FROM {_t(Unit)} u INNER JOIN {_t(Facility)} f ON {facility} = u.{_c(Unit, "facility")} AND {_city(Facility, "f")}
  LEFT JOIN {_t(OpeningHours)} oh ON oh.{_c(OpeningHours, "facility")} = {facility} AND {_city(OpeningHours, "oh")} AND oh.{_c(OpeningHours, "weekday")} = %s
WHERE {unit} = %s{f" AND u.{_c(Unit, 'municipality')} = %s" if scoped else ""}
ORDER BY oh.{_c(OpeningHours, "id")} LIMIT 1"""


def _b(field: str) -> str:
    return "b." + _c(Booking, field)


def _live_booking() -> str:
    """Bookings of alias ``b`` that hold their frame: the rows the partial unique constraint
    covers, minus holds whose time is up (one parameter: now)."""
    statuses = ", ".join(f"'{s}'" for s in ACTIVE_BOOKING_STATUSES)
    return f"{_b('status')} IN ({statuses}) AND NOT ({_b('status')} = '{Booking.Status.HELD}' AND {_b('hold_until')} IS NOT NULL AND {_b('hold_until')} <= %s)"


def _time(value) -> dt.time:
    # SQLite hands TIME columns back as text.
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


def unit_day(unit_id: int, day: dt.date, start: dt.time, now: dt.datetime, municipality_id: int | None = None):
    """The unit with its facility and the unit's day, in one round trip; None if there is no
    such unit. The day is None on a weekly closed day (no opening hours), else a tuple of the
    opening hours (an unsaved ``OpeningHours``), the closure reason, the month's lottery status,
    the fee per user category, and whether the frame starting at ``start`` is already taken (so
    the many attempts at a taken frame in a rush are refused before any lock or insert; the
    database constraint still decides the races). ``municipality_id`` (default: the active
    city): a unit of another city is not found."""
    ops = connection.ops
    d = ops.adapt_datefield_value(day)
    # tzinfo dropped: an aware time never matches a frame (refused as "hours" by the caller)
    # and SQLite cannot bind one.
    params = [d, d, ops.adapt_datefield_value(day.replace(day=1)), d, ops.adapt_timefield_value(start.replace(tzinfo=None))]
    params += [ops.adapt_datetimefield_value(now), day.weekday(), unit_id]
    city = municipality_id if municipality_id is not None else tenancy.current_id()
    if city is not None:
        params.append(city)
    with connection.cursor() as cur:
        cur.execute(_unit_day_sql(connection.vendor, city is not None), params)
        row = cur.fetchone()
    if row is None:
        return None
    n_unit, n_facility = len(Unit._meta.concrete_fields), len(Facility._meta.concrete_fields)
    unit = rawsql.from_row(Unit, row[:n_unit])
    unit.facility = rawsql.from_row(Facility, row[n_unit : n_unit + n_facility])
    opens, closes, closure, lottery_status, *fees, taken = row[n_unit + n_facility :]
    if opens is None:
        return unit, None
    hours = OpeningHours(facility_id=unit.facility_id, weekday=day.weekday(), opens=_time(opens), closes=_time(closes))
    return unit, (hours, closure, lottery_status, dict(zip(UserCategory.values, fees, strict=True)), bool(taken))


@functools.cache
def _registration_sql(vendor: str, scoped: bool = False) -> str:
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    city = f" AND {_c(Registration, 'municipality')} = %s" if scoped else ""
    return f"SELECT {_c(Registration, 'is_resident')} FROM {_t(Registration)} WHERE {_c(Registration, 'user')} = %s{city} LIMIT 1{lock}"


def lock_registration(user_id: int, municipality_id: int | None = None) -> bool | None:
    """Lock the user's 利用者登録 row in the city (``municipality_id``, default: the active one),
    serialising one user's bookings so the per-user limits hold under concurrency, and say
    whether they live in the city; None if not registered there."""
    city = municipality_id if municipality_id is not None else tenancy.current_id()
    with connection.cursor() as cur:
        cur.execute(_registration_sql(connection.vendor, city is not None), [user_id] if city is None else [user_id, city])
        row = cur.fetchone()
    return None if row is None else bool(row[0])


@functools.cache
def _counts_sql(vendor: str, scoped: bool = False) -> str:
    city = f" AND {_b('municipality')} = %s" if scoped else ""
    return f"""
SELECT COUNT(*), COALESCE(SUM(CASE WHEN {_b("date")} = %s THEN 1 ELSE 0 END), 0)
FROM {_t(Booking)} b INNER JOIN {_t(Unit)} u ON u.{_c(Unit, "id")} = {_b("unit")} AND {_city(Booking, "b")}
WHERE {_b("user")} = %s AND u.{_c(Unit, "facility")} = %s{city}
  AND {_b("date")} >= %s AND {_b("date")} <= %s AND {_live_booking()}"""


def active_counts(
    user_id: int, facility_id: int, day: dt.date, month_start: dt.date, month_end: dt.date, now: dt.datetime, municipality_id: int | None = None
) -> tuple[int, int]:
    """(bookings this month, frames on ``day``) the user holds at the facility; lapsed holds
    do not count. ``municipality_id``: the facility's city (default: the active one)."""
    ops = connection.ops
    city = municipality_id if municipality_id is not None else tenancy.current_id()
    params = [ops.adapt_datefield_value(day), user_id, facility_id] + ([] if city is None else [city])
    params += [ops.adapt_datefield_value(month_start), ops.adapt_datefield_value(month_end), ops.adapt_datetimefield_value(now)]
    with connection.cursor() as cur:
        cur.execute(_counts_sql(connection.vendor, city is not None), params)
        month, day_count = cur.fetchone()
    return int(month), int(day_count)
