import datetime as dt
import json

import pytest
from django.utils import timezone

from madoguchi.reservations import services
from madoguchi.reservations.models import Booking

pytestmark = pytest.mark.django_db

D = timezone.localdate() + dt.timedelta(days=10)


def _next_open(facility):
    d = D
    while services.closed_reason(facility, d):
        d += dt.timedelta(days=1)
    return d


def test_public_endpoints(client, unit, city):
    r = client.get("/api/reservations/facilities")
    assert r.status_code == 200
    f = r.json()[0]
    assert f["name_kana"] and f["latitude"] == 35.7 and f["units"][0]["fees"]
    assert client.get(f"/api/reservations/facilities/{f['id']}").status_code == 200
    assert client.get("/api/reservations/facilities/999999").status_code == 404
    r = client.get(f"/api/reservations/units/{unit.pk}/availability", {"year": 2027, "month": 6})
    assert r.status_code == 200 and len(r.json()) == 30
    assert client.get(f"/api/reservations/units/{unit.pk}/availability", {"year": 2027, "month": 13}).status_code == 422


def test_booking_endpoints(client, unit, resident):
    day = _next_open(unit.facility)
    payload = {"unit_id": unit.pk, "date": day.isoformat(), "start": "09:00"}
    assert client.post("/api/reservations/bookings", json.dumps(payload), content_type="application/json").status_code == 401
    client.force_login(resident)
    r = client.post("/api/reservations/bookings", json.dumps(payload), content_type="application/json")
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    r = client.post("/api/reservations/bookings", json.dumps(payload), content_type="application/json")
    assert r.status_code == 409 and r.json()["rule"] == "taken"
    r = client.post("/api/reservations/bookings", json.dumps({**payload, "start": "08:00"}), content_type="application/json")
    assert r.status_code == 400 and "開館時間" in r.json()["detail"]
    r = client.post("/api/reservations/bookings", json.dumps({**payload, "start": "09:00:00+09:00"}), content_type="application/json")
    assert r.status_code in (400, 409)
    assert [b["code"] for b in client.get("/api/reservations/bookings").json()] == [code]
    assert client.post(f"/api/reservations/bookings/{code}/cancel").json()["status"] == "cancelled"
    assert Booking.objects.get(code=code).status == "cancelled"
    assert client.post("/api/reservations/bookings/NOPE/cancel").status_code == 404


def test_counter_slots(client, counter):
    r = client.get(f"/api/reservations/counters/{counter.slug}/slots", {"date": "2027-06-02"})
    assert r.status_code == 200
    assert client.get(f"/api/reservations/counters/{counter.slug}/slots", {"date": "0001-01-01"}).status_code == 200
    assert client.get(f"/api/reservations/counters/{counter.slug}/slots", {"date": "9999-12-31"}).status_code == 200


def test_staff_endpoint_requires_staff(client, unit, resident):
    client.force_login(resident)
    r = client.get(f"/api/reservations/staff/facilities/{unit.facility_id}/bookings", {"date": "2027-06-02"})
    assert r.status_code == 403


def test_lottery_endpoints(client, facility, unit, make_user):
    from madoguchi.reservations import lottery as L
    from madoguchi.reservations.models import Lottery

    now = timezone.now()
    month = (timezone.localdate().replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    lot = Lottery.objects.create(facility=facility, month=month, opens_at=now - dt.timedelta(days=2), closes_at=now, draw_at=now)
    r = client.get("/api/reservations/lotteries")
    assert r.status_code == 200 and r.json()[0]["seed_commitment"] == lot.seed_commitment and r.json()[0]["draw_seed"] == ""
    assert client.get(f"/api/reservations/lotteries/{lot.pk}/inputs").status_code == 404  # nothing before the draw
    services.run_lottery(lot)
    data = client.get(f"/api/reservations/lotteries/{lot.pk}/inputs").json()
    assert all(ok for _, ok, _ in L.verify(data))
