"""共同運営 (issue #10): two cities on one deployment. On city B's host nothing of city A's
reservations is found or listed — pages, the API (its raw-SQL hot path included), staff lists —
and the same 予約番号, facility ID or counter slug may exist in both cities."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory
from madoguchi.core.models import MunicipalityDomain, Section
from madoguchi.reservations import queries, services
from madoguchi.reservations.models import (
    Booking,
    Counter,
    Facility,
    Fee,
    FrameDefinition,
    OpeningHours,
    QueueTicket,
    Registration,
    Unit,
    UserCategory,
    Visit,
)

from .test_views import _otp_login, _staff

A_HOST, B_HOST = "a.localhost", "b.localhost"
CODE = "SAME2345"


def _facility(city, section, name):
    f = Facility.objects.create(municipality=city, section=section, code="F001", name=name, booking_window_days=60)
    for wd in range(7):
        OpeningHours.objects.create(facility=f, weekday=wd, opens=dt.time(9), closes=dt.time(21))
    FrameDefinition.objects.create(facility=f, label="午前", start=dt.time(9), end=dt.time(12))
    u = Unit.objects.create(facility=f, name=f"{name}ホール", capacity=50)
    Fee.objects.create(unit=u, category=UserCategory.RESIDENT, amount=1000)
    return f, u


@pytest.fixture
def cities(db, city, section, facility, unit, counter, make_user, now):
    """City A (the conftest's, default) and city B, each with a facility (same 施設ID), a unit,
    a counter (same slug), a booking (same 予約番号) and a visit; a resident registered in both."""
    a = city
    b = MunicipalityFactory(name="あおば台町")  # a code of its own, whatever A was given
    MunicipalityDomain.objects.create(municipality=a, domain=A_HOST)
    MunicipalityDomain.objects.create(municipality=b, domain=B_HOST)
    b_section = Section.objects.create(municipality=b, name="あおば台町 生涯学習課")
    b_facility, b_unit = _facility(b, b_section, "あおば台公民館")
    b_counter = Counter.objects.create(municipality=b, section=b_section, slug=counter.slug, name="あおば台町 住民窓口", opens=dt.time(9), closes=dt.time(12))
    resident = make_user()  # registered in A
    Registration.objects.create(user=resident, municipality=b, is_resident=False, phone="090-0000-0001")
    day = timezone.localdate() + dt.timedelta(days=20)
    while day.weekday() == 0 or services.counter_day(counter, day)["closed"]:  # A's facility is closed on Mondays
        day += dt.timedelta(days=1)
    a_booking = Booking.objects.create(code=CODE, unit=unit, date=day, start=dt.time(9), end=dt.time(12), user=resident, status=Booking.Status.CONFIRMED)
    b_booking = Booking.objects.create(code=CODE, unit=b_unit, date=day, start=dt.time(9), end=dt.time(12), user=resident, status=Booking.Status.CONFIRMED)
    a_visit = services.book_visit(resident, counter, day, services.counter_day(counter, day)["slots"][0]["start"])
    return {
        "a": a, "b": b, "day": day, "resident": resident,
        "a_facility": facility, "a_unit": unit, "a_counter": counter, "a_booking": a_booking, "a_visit": a_visit,
        "b_facility": b_facility, "b_unit": b_unit, "b_counter": b_counter, "b_booking": b_booking, "b_section": b_section,
    }  # fmt: skip


def test_every_row_carries_its_city_and_codes_repeat_across_cities(cities):
    a, b = cities["a"], cities["b"]
    assert cities["a_unit"].municipality_id == a.pk and cities["b_unit"].municipality_id == b.pk
    assert cities["a_booking"].municipality_id == a.pk and cities["b_booking"].municipality_id == b.pk
    assert Fee.objects.get(unit=cities["b_unit"]).municipality_id == b.pk
    assert cities["a_visit"].municipality_id == a.pk == cities["a_visit"].slot.municipality_id
    # The same 予約番号 in both cities; a second one in the same city is refused by the database.
    assert Booking.objects.filter(code=CODE).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            code=CODE, unit=cities["b_unit"], date=cities["day"], start=dt.time(9), end=dt.time(12), user=cities["resident"], status="cancelled"
        )
    with tenancy.using(b):
        assert list(Booking.objects.filter(code=CODE)) == [cities["b_booking"]]
        assert not Facility.objects.filter(pk=cities["a_facility"].pk).exists()
        assert not Visit.objects.exists()
        # A row of another city cannot be written while a city is active.
        with pytest.raises(PermissionError):
            Unit.objects.create(facility=cities["a_facility"], name="紛れ込み")
        with pytest.raises(PermissionError):
            Unit.objects.bulk_create([Unit(facility=cities["a_facility"], name="紛れ込み")])


def test_hot_path_raw_sql_is_limited_to_the_city(cities, now):
    a, b, unit, day = cities["a"], cities["b"], cities["a_unit"], cities["day"]
    assert queries.unit_day(unit.pk, day, dt.time(9), now, a.pk)[0] == unit
    assert queries.unit_day(unit.pk, day, dt.time(9), now, b.pk) is None
    with tenancy.using(b):
        assert queries.unit_day(unit.pk, day, dt.time(9), now) is None  # the active city by default
    user = cities["resident"]
    assert queries.lock_registration(user.pk, a.pk) is True and queries.lock_registration(user.pk, b.pk) is False
    month = day.replace(day=1)
    assert queries.active_counts(user.pk, unit.facility_id, day, month, month + dt.timedelta(days=40), now, a.pk) == (1, 1)
    assert queries.active_counts(user.pk, unit.facility_id, day, month, month + dt.timedelta(days=40), now, b.pk) == (0, 0)


def test_city_bs_host_finds_nothing_of_city_a(client, cities):
    a_facility, a_unit, b_facility = cities["a_facility"], cities["a_unit"], cities["b_facility"]
    client.force_login(cities["resident"])
    get_b = lambda url, **kw: client.get(url, HTTP_HOST=B_HOST, **kw)  # noqa: E731

    # Public pages and the API
    assert client.get(f"/reservations/facilities/{a_facility.pk}/", HTTP_HOST=A_HOST).status_code == 200
    assert get_b(f"/reservations/facilities/{a_facility.pk}/").status_code == 404
    assert get_b(f"/reservations/facilities/{b_facility.pk}/").status_code == 200
    assert get_b(f"/reservations/units/{a_unit.pk}/").status_code == 404
    assert get_b(f"/api/reservations/facilities/{a_facility.pk}").status_code == 404
    assert [f["id"] for f in get_b("/api/reservations/facilities").json()] == [b_facility.pk]
    day = cities["day"]
    assert client.get(f"/api/reservations/units/{a_unit.pk}/availability", {"year": day.year, "month": day.month}, HTTP_HOST=A_HOST).status_code == 200
    assert get_b(f"/api/reservations/units/{a_unit.pk}/availability", data={"year": day.year, "month": day.month}).status_code == 404
    payload = {"unit_id": a_unit.pk, "date": (day + dt.timedelta(days=1)).isoformat(), "start": "09:00"}
    r = client.post("/api/reservations/bookings", json.dumps(payload), content_type="application/json", HTTP_HOST=B_HOST)
    assert r.status_code == 404 and r.json()["rule"] == "not_found"

    # Bookings: the same code is each city's own booking
    assert get_b(f"/reservations/bookings/{CODE}/calendar.ics").status_code == 200
    assert get_b("/reservations/bookings/NOSUCH99/calendar.ics").status_code == 404
    r = client.post(f"/api/reservations/bookings/{CODE}/cancel", HTTP_HOST=B_HOST)
    assert r.status_code == 200 and r.json()["unit_id"] == cities["b_unit"].pk
    assert Booking.objects.get(pk=cities["b_booking"].pk).status == Booking.Status.CANCELLED
    assert Booking.objects.get(pk=cities["a_booking"].pk).status == Booking.Status.CONFIRMED
    assert [b["unit_id"] for b in get_b("/api/reservations/bookings").json()] == [cities["b_unit"].pk]
    my_b = get_b("/reservations/my/").content.decode()
    assert b_facility.name in my_b and a_facility.name not in my_b
    assert get_b(f"/reservations/visits/{cities['a_visit'].code}/qr.png").status_code == 404

    # Counters: the same slug is each city's own counter
    assert "あおば台町 住民窓口" in get_b(f"/reservations/counters/{cities['a_counter'].slug}/").content.decode()
    assert cities["a_counter"].name not in get_b("/reservations/counters/").content.decode()
    assert get_b(f"/api/reservations/counters/{cities['a_counter'].slug}/slots", data={"date": day.isoformat()}).status_code == 200
    assert [c["name"] for c in get_b("/api/reservations/counters").json()] == ["あおば台町 住民窓口"]


def test_staff_of_both_cities_see_only_the_hosts_city(client, cities, django_user_model):
    from madoguchi.core.models import StaffRole

    a_facility, a_counter, b_facility = cities["a_facility"], cities["a_counter"], cities["b_facility"]
    staff = _staff(django_user_model, a_facility.section)
    StaffRole.objects.create(user=staff, section=a_counter.section, role=StaffRole.Role.CLERK)
    StaffRole.objects.create(user=staff, section=cities["b_section"], role=StaffRole.Role.CLERK)
    _otp_login(client, staff)
    day = cities["day"].isoformat()
    assert client.get(f"/reservations/staff/facilities/{a_facility.pk}/?date={day}", HTTP_HOST=A_HOST).status_code == 200
    assert client.get(f"/reservations/staff/facilities/{a_facility.pk}/?date={day}", HTTP_HOST=B_HOST).status_code == 404
    assert client.get(f"/reservations/staff/counters/{a_counter.pk}/?date={day}", HTTP_HOST=A_HOST).status_code == 200
    assert client.get(f"/reservations/staff/counters/{a_counter.pk}/?date={day}", HTTP_HOST=B_HOST).status_code == 404
    home_b = client.get("/reservations/staff/", HTTP_HOST=B_HOST).content.decode()
    assert b_facility.name in home_b and a_facility.name not in home_b and a_counter.name not in home_b
    r = client.get(f"/api/reservations/staff/facilities/{a_facility.pk}/bookings", {"date": day}, HTTP_HOST=B_HOST)
    assert r.status_code == 404
    r = client.get(f"/api/reservations/staff/facilities/{b_facility.pk}/bookings", {"date": day}, HTTP_HOST=B_HOST)
    assert r.status_code == 200 and [b["code"] for b in r.json()] == [CODE]
    assert client.get(f"/api/reservations/staff/counters/{a_counter.pk}/visits", {"date": day}, HTTP_HOST=B_HOST).status_code == 404


def test_queue_tickets_and_tokens_are_per_city(cities):
    a_counter, b_counter, day = cities["a_counter"], cities["b_counter"], cities["day"]
    t_a = QueueTicket.objects.create(counter=a_counter, date=day, number=1, token="same-token", due_at=cities["a_booking"].starts_at)
    t_b = QueueTicket.objects.create(counter=b_counter, date=day, number=1, token="same-token", due_at=cities["a_booking"].starts_at)
    assert (t_a.municipality_id, t_b.municipality_id) == (cities["a"].pk, cities["b"].pk)
    with tenancy.using(cities["b"]):
        assert QueueTicket.objects.get(token="same-token") == t_b
