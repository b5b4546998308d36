"""The month's calendar served from the cache kept per calendar version (issue #14 item 1):
every change that alters a calendar raises the facility's version in its own transaction, so
the first read after the commit shows it; a rolled-back change raises nothing; a hold running
out frees its frame without any write; the API answers If-None-Match with 304 (signed in or
not) and lets caches keep it a few seconds; a cached read costs at most two queries; the page
and the API show the same states; another city's unit is not found."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory
from madoguchi.core.models import MunicipalityDomain
from madoguchi.reservations import availability, services
from madoguchi.reservations.models import Booking, CalendarVersion, ClosedPeriod

pytestmark = pytest.mark.django_db

D = timezone.localdate() + dt.timedelta(days=10)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _open_day(facility):
    d = D
    while services.closed_reason(facility, d):
        d += dt.timedelta(days=1)
    return d


def _version(facility) -> int:
    return availability.facility_version(facility.pk)


def _url(unit, day):
    return f"/api/reservations/units/{unit.pk}/availability?year={day.year}&month={day.month}"


def _state(days_json, day, start="09:00") -> str:
    [d] = [d for d in days_json if d["date"] == day.isoformat()]
    if d["closed"]:
        return "closed"
    return next(f["state"] for f in d["frames"] if f["start"] == start)


def _book(client, unit, day, start="09:00"):
    payload = {"unit_id": unit.pk, "date": day.isoformat(), "start": start}
    return client.post("/api/reservations/bookings", json.dumps(payload), content_type="application/json")


def test_booking_cancel_and_closure_show_at_the_next_read(client, unit, resident):
    day = _open_day(unit.facility)
    assert _state(client.get(_url(unit, day)).json(), day) == "free"
    assert _state(client.get(_url(unit, day)).json(), day) == "free"  # now from the cache
    client.force_login(resident)
    r = _book(client, unit, day)
    assert r.status_code == 201, r.content
    assert _state(client.get(_url(unit, day)).json(), day) == "taken"
    assert client.post(f"/api/reservations/bookings/{r.json()['code']}/cancel").status_code == 200
    assert _state(client.get(_url(unit, day)).json(), day) == "free"
    ClosedPeriod.objects.create(facility=unit.facility, start=day, end=day, reason="設備点検")
    assert _state(client.get(_url(unit, day)).json(), day) == "closed"


def test_version_is_raised_inside_the_booking_transaction(unit, resident):
    day = _open_day(unit.facility)
    before = _version(unit.facility)
    with transaction.atomic():
        services.book(resident, services.HoldRequest(unit, day, dt.time(9)))
        # Read in the same transaction: the change and the new version commit together.
        assert _version(unit.facility) == before + 1


def test_rolled_back_booking_does_not_raise_the_version(unit, resident):
    day = _open_day(unit.facility)
    before = _version(unit.facility)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.book(resident, services.HoldRequest(unit, day, dt.time(9)))
        raise RuntimeError("rolled back")
    assert _version(unit.facility) == before
    assert not Booking.objects.exists()


def test_a_month_computed_before_a_commit_is_never_served_after_it(unit, resident):
    """The reader's race: the version is read before computing, so a month computed from data
    older than a booking's commit lands under the old version, which no later read asks for."""
    day = _open_day(unit.facility)
    city = unit.municipality_id
    _, old = availability.unit_version(unit.pk, city)
    stale = availability.month(unit.pk, day.year, day.month, municipality_id=city, version=old)
    services.book(resident, services.HoldRequest(unit, day, dt.time(9)))
    # The slow reader stores its month only now, after the commit, under the version it read.
    cache.set(availability._key(city, unit.pk, day.year, day.month, old), stale, 60)
    fresh = availability.month(unit.pk, day.year, day.month, municipality_id=city)
    assert _state(json.loads(fresh.json), day) == "taken"
    assert fresh.etag != stale.etag


def test_a_hold_that_runs_out_frees_its_frame_without_a_write(unit, resident):
    day = _open_day(unit.facility)
    now = timezone.now()
    b = services.hold(resident, services.HoldRequest(unit, day, dt.time(9)), now=now)
    city = unit.municipality_id
    held = availability.month(unit.pk, day.year, day.month, municipality_id=city, now=now)
    assert _state(json.loads(held.json), day) == "taken"
    assert held.stale_at <= b.hold_until
    later = b.hold_until + dt.timedelta(seconds=1)
    freed = availability.month(unit.pk, day.year, day.month, municipality_id=city, now=later)
    assert _state(json.loads(freed.json), day) == "free"
    assert Booking.objects.get(pk=b.pk).status == Booking.Status.HELD  # nothing was written


def test_closed_period_and_opening_hours_raise_the_version(unit):
    v = _version(unit.facility)
    ClosedPeriod.objects.create(facility=unit.facility, start=D, end=D, reason="点検")
    h = unit.facility.opening_hours.first()
    h.closes = dt.time(20)
    h.save()
    assert _version(unit.facility) == v + 2


def test_etag_and_304_for_everyone(client, unit, resident):
    day = _open_day(unit.facility)
    r = client.get(_url(unit, day))
    etag = r["ETag"]
    assert etag and "public" in r["Cache-Control"] and f"s-maxage={availability.max_age()}" in r["Cache-Control"] and "max-age=0" in r["Cache-Control"]
    assert client.get(_url(unit, day), HTTP_IF_NONE_MATCH=etag).status_code == 304
    client.force_login(resident)
    r = client.get(_url(unit, day), HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 304 and "no-store" not in r.get("Cache-Control", "")
    assert _book(client, unit, day).status_code == 201
    r = client.get(_url(unit, day), HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 200 and r["ETag"] != etag and _state(r.json(), day) == "taken"


def test_a_cached_read_costs_at_most_two_queries(client, unit):
    day = _open_day(unit.facility)
    client.get(_url(unit, day))  # computes and stores the month
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(_url(unit, day))
    assert r.status_code == 200 and r.json()
    # On PostgreSQL the tenancy middleware sets and clears the city for row-level security
    # (core, every request); what the calendar costs is the version and the cache (a table in
    # tests; Redis in production, so one query there).
    own = [q["sql"] for q in ctx.captured_queries if "set_config" not in q["sql"]]
    assert len(own) <= 2, own


def test_page_and_api_show_the_same_states(client, unit, resident):
    day = _open_day(unit.facility)
    services.book(resident, services.HoldRequest(unit, day, dt.time(9)))
    api = {(d["date"], f["start"]): f["state"] for d in client.get(_url(unit, day)).json() for f in d["frames"]}
    page = client.get(f"/reservations/units/{unit.pk}/{day.year}/{day.month}/")
    assert page.status_code == 200
    with tenancy.using(unit.municipality):
        days = services.availability(unit, day.year, day.month)
    assert {(d["date"].isoformat(), f"{f['frame'].start:%H:%M}"): f["state"] for d in days for f in d["frames"]} == api
    assert api[(day.isoformat(), "09:00")] == "taken"
    assert page.content.decode().count("frame--taken") == list(api.values()).count("taken")


def test_another_citys_unit_is_not_found_and_keys_name_the_city(client, unit):
    day = _open_day(unit.facility)
    other = MunicipalityFactory(name="別の市", is_fictional=False)
    MunicipalityDomain.objects.create(municipality=other, domain="other.localhost")
    MunicipalityDomain.objects.create(municipality=unit.municipality, domain="home.localhost")
    assert client.get(_url(unit, day), HTTP_HOST="home.localhost").status_code == 200
    assert client.get(_url(unit, day), HTTP_HOST="other.localhost").status_code == 404
    assert availability._key(unit.municipality_id, unit.pk, 2027, 6, 1) != availability._key(other.pk, unit.pk, 2027, 6, 1)
    assert CalendarVersion.objects.filter(facility_id=unit.facility_id).count() <= 1


def test_facility_month_matches_each_units_month_and_follows_changes(client, unit, hourly_unit, resident):
    day = _open_day(unit.facility)
    url = f"/api/reservations/facilities/{unit.facility_id}/availability?year={day.year}&month={day.month}"
    r = client.get(url)
    assert r.status_code == 200 and [u["unit_id"] for u in r.json()] == [unit.pk, hourly_unit.pk]
    for u in r.json():
        assert u["days"] == client.get(f"/api/reservations/units/{u['unit_id']}/availability?year={day.year}&month={day.month}").json()
    etag = r["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.book(resident, services.HoldRequest(hourly_unit, day, dt.time(9)))
    r = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 200 and _state(r.json()[1]["days"], day) == "taken"
    assert client.get(f"/api/reservations/facilities/999999/availability?year={day.year}&month={day.month}").status_code == 404


def test_unit_version_sql_gives_what_the_orm_gives(unit, facility):
    """Raw SQL site (docs/engineering.md): the unit's facility and calendar version, as the ORM reads them."""
    from django.db.models import OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from madoguchi.core import rawsql
    from madoguchi.reservations.models import Unit

    def orm(pk, city):
        version = CalendarVersion.objects.filter(facility_id=OuterRef("facility_id"), municipality_id=OuterRef("municipality_id")).values("version")[:1]
        return (
            Unit.objects.filter(pk=pk, municipality_id=city, is_active=True, facility__is_public=True)
            .values_list("facility_id", Coalesce(Subquery(version), Value(0)))
            .first()
        )

    city = unit.municipality_id
    assert availability.unit_version(unit.pk, city) == orm(unit.pk, city)
    ClosedPeriod.objects.create(facility=facility, start=D, end=D, reason="点検")
    assert availability.unit_version(unit.pk, city) == orm(unit.pk, city) == (facility.pk, _version(facility))
    assert availability.unit_version(unit.pk, city + 1000) is None and orm(unit.pk, city + 1000) is None
    unit.is_active = False
    unit.save()
    assert availability.unit_version(unit.pk, city) is None and orm(unit.pk, city) is None
    sql = availability._unit_sql(connection.vendor)
    for model in (Unit, CalendarVersion):
        assert rawsql.table(model) in sql


# --- the public read (core.publicread): the calendar before sessions and accounts -------------
def _served_by_public_read(response) -> bool:
    # The session middleware never ran: the request has no session (nor a user).
    return not hasattr(response.wsgi_request, "session")


def test_signed_in_calendar_reads_skip_the_session_and_give_the_same_answer(client, unit, resident):
    day = _open_day(unit.facility)
    client.force_login(resident)
    r = client.get(_url(unit, day))
    assert r.status_code == 200 and _served_by_public_read(r)
    assert "public" in r["Cache-Control"] and "no-store" not in r["Cache-Control"] and r["X-Frame-Options"] == "DENY"
    assert r["Content-Length"] == str(len(r.content))  # not chunked: a proxy caches it whole
    assert "Cookie" not in r.get("Vary", "") and not r.cookies  # the session was not touched
    assert _state(r.json(), day) == "free"
    assert client.get(_url(unit, day), HTTP_IF_NONE_MATCH=r["ETag"]).status_code == 304
    # The booking goes through the full stack; the very next public read shows it.
    assert _book(client, unit, day).status_code == 201
    again = client.get(_url(unit, day), HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code == 200 and _served_by_public_read(again) and _state(again.json(), day) == "taken"
    facility = client.get(f"/api/reservations/facilities/{unit.facility_id}/availability?year={day.year}&month={day.month}")
    assert facility.status_code == 200 and _served_by_public_read(facility)


@pytest.mark.parametrize(
    "query",
    ["year=2027&month=13", "year=1999&month=1", "year=２０２７&month=1", "year=2027", "month=1", "year=2027&month=01x"],
)
def test_anything_unusual_goes_on_to_the_api_for_its_japanese_error(client, unit, query):
    r = client.get(f"/api/reservations/units/{unit.pk}/availability?{query}")
    assert r.status_code == 422 and not _served_by_public_read(r)


def test_unknown_and_other_citys_units_get_the_apis_404(client, unit):
    day = _open_day(unit.facility)
    other = MunicipalityFactory(name="別の市", is_fictional=False)
    MunicipalityDomain.objects.create(municipality=other, domain="other.localhost")
    for host, pk in (("other.localhost", unit.pk), ("testserver", 99999999)):
        r = client.get(f"/api/reservations/units/{pk}/availability?year={day.year}&month={day.month}", HTTP_HOST=host)
        assert r.status_code == 404 and "見つかりません" in r.json()["detail"] and not _served_by_public_read(r)


def test_public_reads_count_against_the_citys_request_limit(client, unit, settings, monkeypatch):
    import madoguchi.core.ratelimit as rl

    day = _open_day(unit.facility)
    monkeypatch.setattr(rl.time, "time", lambda: 1_800_000_000.0)  # one fixed second
    settings.TENANCY_CITY_REQUESTS_PER_SECOND = 2
    answers = [client.get(_url(unit, day)) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 503]
    # Its length is sent like any answer's: without it the server would chunk it, which a
    # keep-alive client reading by Content-Length took for the next answer (bench_cities).
    assert all(r["Content-Length"] == str(len(r.content)) for r in answers)
    assert client.get("/").status_code == 503  # one counter with the full stack


def test_a_post_or_another_path_is_never_a_public_read(client, unit):
    day = _open_day(unit.facility)
    r = client.post(_url(unit, day))
    assert r.status_code == 405 and not _served_by_public_read(r)
    r = client.get(f"/api/reservations/units/{unit.pk}/availability/extra?year={day.year}&month={day.month}")
    assert not _served_by_public_read(r)
