"""The waiting room (issue #14 item 3): when a city's booking pages have more requests in flight
than the threshold, signed-in arrivals get their place in line and are admitted in arrival
order at the configured rate; a signed pass bound to account, city and room lets the admitted
through and cannot be forged or moved; nobody admitted is sent back. Time is moved with
time-machine, load is simulated by the shared in-flight counter (no threads, no sleeps)."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.test import Client

from madoguchi.core import tenancy, waitingroom
from madoguchi.core.factories import MunicipalityFactory, ResidentFactory, StaffFactory
from madoguchi.core.models import MunicipalityDomain

HOST, OTHER = "wr.localhost", "wr-other.localhost"
PAGE = "/reservations/"
API = "/api/reservations/facilities"
T0 = float(int(time.time()))  # near now: the test sessions (made at the real time) must not have expired


@pytest.fixture
def city(db, settings):
    settings.WAITING_ROOM_INFLIGHT_THRESHOLD = 2
    settings.WAITING_ROOM_ADMIT_PER_SECOND = 2
    settings.WAITING_ROOM_ADMISSION_MINUTES = 10
    city = MunicipalityFactory()
    MunicipalityDomain.objects.create(municipality=city, domain=HOST)
    return city


def _resident_client(host=HOST) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(ResidentFactory())
    return client


def _busy(city, room="reservations", n=2):
    """``n`` requests of the room in flight in ``city`` (as other app processes would report)."""
    with tenancy.using(city):
        waitingroom._incr(waitingroom._keys(room)[0], n)


def test_off_by_default_nothing_is_queued_or_set(db, settings):
    settings.WAITING_ROOM_INFLIGHT_THRESHOLD = 0
    city = MunicipalityFactory()
    MunicipalityDomain.objects.create(municipality=city, domain=HOST)
    _busy(city, n=50)
    response = _resident_client().get(PAGE)
    assert response.status_code == 200
    assert not any(name.startswith("madoguchi_wr_") for name in response.cookies)


def test_quiet_pages_admit_at_once_with_a_pass(city):
    client = _resident_client()
    with time_machine.travel(T0, tick=False):
        response = client.get(PAGE)
    assert response.status_code == 200
    assert "madoguchi_wr_reservations" in response.cookies


def test_under_load_arrivals_wait_in_order_and_are_admitted_at_the_rate(city):
    first, second, third = _resident_client(), _resident_client(), _resident_client()
    _busy(city)
    with time_machine.travel(T0, tick=False):
        answers = [c.get(PAGE) for c in (first, second)]
        api = third.get(API)
    assert [a.status_code for a in answers] == [503, 503]
    assert "<strong>1</strong> 番目" in answers[0].content.decode() and "<strong>2</strong> 番目" in answers[1].content.decode()
    assert answers[0]["Retry-After"] and "no-store" in answers[0]["Cache-Control"]
    assert api.status_code == 503 and api.json()["position"] == 3 and "3番目" in api.json()["detail"]

    # Reloading keeps one's place (the ticket is in the signed cookie; no new ticket).
    with time_machine.travel(T0 + 0.1, tick=False):
        assert "<strong>2</strong> 番目" in second.get(PAGE).content.decode()

    # Two a second: after half a second the first is admitted, the second moves up.
    with time_machine.travel(T0 + 0.5, tick=False):
        assert first.get(PAGE).status_code == 200
        assert "<strong>1</strong> 番目" in second.get(PAGE).content.decode()
    with time_machine.travel(T0 + 1.0, tick=False):
        assert second.get(PAGE).status_code == 200
        assert third.get(API).status_code == 503
    with time_machine.travel(T0 + 1.5, tick=False):
        assert third.get(API).status_code == 200


def test_the_admitted_are_never_sent_back_while_they_keep_using_the_pages(city):
    client = _resident_client()
    with time_machine.travel(T0, tick=False):
        assert client.get(PAGE).status_code == 200  # quiet: admitted
    _busy(city, n=10)
    late = _resident_client()
    with time_machine.travel(T0 + 60, tick=False):
        assert late.get(PAGE).status_code == 503  # the rush has started: newcomers queue
        assert client.get(PAGE).status_code == 200  # the admitted keeps going
    # Renewed while in use: 9 minutes after each visit it still holds (10-minute passes).
    with time_machine.travel(T0 + 60 + 540, tick=False):
        assert client.get(PAGE).status_code == 200
    with time_machine.travel(T0 + 60 + 540 + 540, tick=False):
        assert client.get(PAGE).status_code == 200


def test_a_pass_cannot_be_forged_moved_to_another_account_or_city(city):
    admitted = _resident_client()
    with time_machine.travel(T0, tick=False):
        assert admitted.get(PAGE).status_code == 200
    cookie = admitted.cookies["madoguchi_wr_reservations"].value
    _busy(city)
    other_city = MunicipalityFactory()
    MunicipalityDomain.objects.create(municipality=other_city, domain=OTHER)
    _busy(other_city)
    with time_machine.travel(T0 + 1, tick=False):
        thief = _resident_client()
        thief.cookies["madoguchi_wr_reservations"] = cookie
        assert thief.get(PAGE).status_code == 503  # another account's pass
        forger = _resident_client()
        forger.cookies["madoguchi_wr_reservations"] = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
        assert forger.get(PAGE).status_code == 503
        # The same account in another city of the deployment: its pass is for the first city.
        admitted.defaults["HTTP_HOST"] = OTHER
        assert admitted.get(PAGE).status_code == 503


def test_one_citys_rush_queues_nobody_in_another_city(city):
    other = MunicipalityFactory()
    MunicipalityDomain.objects.create(municipality=other, domain=OTHER)
    _busy(city, n=100)
    with time_machine.travel(T0, tick=False):
        assert _resident_client().get(PAGE).status_code == 503
        assert _resident_client(OTHER).get(PAGE).status_code == 200


def test_visitors_staff_and_other_pages_are_never_queued(city):
    _busy(city, n=100)
    with time_machine.travel(T0, tick=False):
        assert Client(HTTP_HOST=HOST).get(PAGE).status_code == 200  # public calendar reads: cacheable, not queued
        assert _resident_client().get("/procedures/").status_code == 200
        assert waitingroom.room_for("/reservations/staff/") is None
        assert waitingroom.room_for("/api/reservations/staff/bookings") is None
    staff = Client(HTTP_HOST=HOST)
    staff.force_login(StaffFactory())
    assert waitingroom.room_for("/reservations/staff/setup/") is None


def test_a_quiet_spell_is_not_banked_as_admissions(city):
    early = _resident_client()
    _busy(city)
    with time_machine.travel(T0, tick=False):
        assert early.get(PAGE).status_code == 503
    with time_machine.travel(T0 + 1, tick=False):
        assert early.get(PAGE).status_code == 200  # the line is empty again
    # An hour later a new rush: the first newcomers wait their turn, not let in by the hour's "credit".
    clients = [_resident_client() for _ in range(4)]
    with time_machine.travel(T0 + 3600, tick=False):
        _busy(city)
        assert [c.get(PAGE).status_code for c in clients] == [503, 503, 503, 503]


def test_polling_reads_the_place_without_taking_a_ticket_and_sends_back_when_admitted(city):
    first, second = _resident_client(), _resident_client()
    _busy(city)
    with time_machine.travel(T0, tick=False):
        first.get(PAGE)
        second.get(PAGE)
        for _ in range(3):
            fragment = second.get("/core/waiting-room/reservations/", {"next": PAGE})
            assert fragment.status_code == 200 and "<strong>2</strong> 番目" in fragment.content.decode()
        with tenancy.using(city):
            assert waitingroom.waiting("reservations", T0) == 2
    with time_machine.travel(T0 + 1, tick=False):
        done = second.get("/core/waiting-room/reservations/", {"next": "https://evil.example/"})
        assert done.status_code == 204 and done["HX-Redirect"] == PAGE  # never off-site
        assert second.get("/core/waiting-room/reservations/", {"next": PAGE + "?month=6"})["HX-Redirect"] == PAGE + "?month=6"


def test_a_form_sent_while_waiting_says_nothing_was_booked_and_returns_to_its_page(city):
    client = _resident_client()
    _busy(city)
    with time_machine.travel(T0, tick=False):
        response = client.post("/reservations/units/1/hold/", {"date": "2030-01-01"}, HTTP_REFERER=f"http://{HOST}/reservations/units/1/")
    body = response.content.decode()
    assert response.status_code == 503
    assert "予約は確定していません" in body and 'href="/reservations/units/1/"' in body


def test_estimate_and_time_are_what_the_rate_says():
    assert waitingroom.estimated_seconds(1) >= 1
    assert time.time() > 0


def test_waiters_are_told_to_ask_again_when_their_turn_is_due_not_on_a_fixed_beat(city):
    """Two admissions a second: the 3rd in line is due in 1.5 s, so the API says 1.5 (the header
    rounds up to whole seconds) and the page refreshes then; polling on a fixed beat made the
    waiters' polls most of a rush's load (bench_rush_realistic)."""
    clients = [_resident_client() for _ in range(3)]
    _busy(city)
    with time_machine.travel(T0, tick=False):
        api = [c.get(API) for c in clients][-1]
        page = clients[0].get(PAGE)
    assert api.json()["position"] == 3 and api.json()["retry_after"] == 1.5 and api["Retry-After"] == "2"
    assert 'hx-trigger="every 2s"' in page.content.decode()  # 1st: due in 0.5 s, the page's floor
    assert waitingroom.retry_seconds(1) == waitingroom.POLL_MIN  # never a busy loop
    assert waitingroom.retry_seconds(10_000) == waitingroom.POLL_MAX  # far back: still sees the place move
    assert waitingroom.page_poll_seconds(10_000) == waitingroom.PAGE_POLL_MAX


def test_arrival_order_is_when_the_proxy_received_the_request_not_when_a_thread_got_to_it(city, settings):
    settings.TRUSTED_PROXY_HOPS = 1  # behind deploy/nginx/madoguchi-locations.conf, which sets X-Request-Start
    later, earlier, last = _resident_client(), _resident_client(), _resident_client()
    _busy(city)
    with time_machine.travel(T0 + 2, tick=False):
        # The server handles the later arrival first (gunicorn's queues do not keep the order).
        answer = later.get(API, HTTP_X_REQUEST_START=f"t={int((T0 + 1.5) * 1000)}")  # milliseconds
        assert answer.status_code == 503 and answer.json()["position"] == 1
        answer = earlier.get(API, HTTP_X_REQUEST_START=f"t={T0 + 1.0:.3f}")  # nginx's ${msec}
        assert answer.status_code == 503 and answer.json()["position"] == 1  # it came first
        assert later.get(API).json()["position"] == 2  # and the other moved back
        assert last.get(API).json()["position"] == 3  # no header: arrived now
    with time_machine.travel(T0 + 2.5, tick=False):  # one admission (two a second)
        assert later.get(PAGE).status_code == 503
        assert earlier.get(PAGE).status_code == 200
    with time_machine.travel(T0 + 3, tick=False):
        assert last.get(PAGE).status_code == 503
        assert later.get(PAGE).status_code == 200
    # Still in line after its slot has frozen (more than ARRIVAL_WINDOW later): its place holds.
    with time_machine.travel(T0 + 3.4, tick=False):
        assert last.get(API).json()["position"] == 1
    with time_machine.travel(T0 + 3.6, tick=False):
        assert last.get(PAGE).status_code == 200


def test_without_a_trusted_proxy_or_with_a_strange_date_the_header_is_ignored(city, settings):
    first, second = _resident_client(), _resident_client()
    _busy(city)
    with time_machine.travel(T0 + 2, tick=False):
        assert first.get(PAGE).status_code == 503
        # Sent by the client itself (no trusted proxy): it cannot claim an earlier arrival.
        assert second.get(PAGE, HTTP_X_REQUEST_START=f"t={T0:.3f}").status_code == 503
    with time_machine.travel(T0 + 2.5, tick=False):
        assert second.get(PAGE).status_code == 503
        assert first.get(PAGE).status_code == 200

    class Request:
        def __init__(self, value):
            self.META = {"HTTP_X_REQUEST_START": value}

    settings.TRUSTED_PROXY_HOPS = 1
    now = T0 + 100
    assert waitingroom.arrival_time(Request(f"t={T0 + 99.5:.3f}"), now) == pytest.approx(T0 + 99.5)
    assert waitingroom.arrival_time(Request(f"t={int((T0 + 99) * 1_000_000)}"), now) == pytest.approx(T0 + 99)  # microseconds
    assert waitingroom.arrival_time(Request(f"t={T0 - 3600:.3f}"), now) == now  # an hour ago: a wrong clock or a forgery
    assert waitingroom.arrival_time(Request(f"t={T0 + 200:.3f}"), now) == now  # the future
    assert waitingroom.arrival_time(Request("t=soon"), now) == now


def test_a_long_line_keeps_its_order_once_the_arrival_slots_freeze(city, settings):
    settings.WAITING_ROOM_ADMIT_PER_SECOND = 0.1  # one every ten seconds
    clients = [_resident_client() for _ in range(5)]
    _busy(city)
    with time_machine.travel(T0, tick=False):
        assert [c.get(API).json()["position"] for c in clients] == [1, 2, 3, 4, 5]
    admitted = []
    for step in range(1, 6):  # a minute and more: every slot has frozen by the end
        with time_machine.travel(T0 + 10 * step + 0.5, tick=False):
            admitted.append([i for i, c in enumerate(clients) if c.get(PAGE).status_code == 200])
    assert admitted == [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3, 4]]


def test_ranks_follow_the_dates_across_slots_and_blocks_whatever_the_handling_order(city):
    """Slots are summed per block for the line's length: a ticket's rank adds the earlier blocks,
    then the earlier slots of its own block. Seeded arrivals over three blocks, handled in a
    shuffled order, rank exactly in the order of their dates (ties: in the order handled)."""
    import random

    rng = random.Random(14)
    start = T0 - T0 % (waitingroom.SLOT_SECONDS * waitingroom.BLOCK_SLOTS)  # a block boundary
    dates = [start + rng.uniform(0, 3 * waitingroom.SLOT_SECONDS * waitingroom.BLOCK_SLOTS) for _ in range(40)]
    order = list(range(len(dates)))
    rng.shuffle(order)
    with tenancy.using(city), time_machine.travel(start + 7, tick=False):
        tickets = {i: waitingroom.take_ticket("reservations", dates[i]) for i in order}
        current = waitingroom.line("reservations")
        ranks = {i: current.rank(waitingroom.Ticket(*tickets[i])) for i in order}
    assert sorted(ranks.values()) == list(range(1, len(dates) + 1)) and current.total == len(dates)
    by_date = sorted(order, key=lambda i: (waitingroom._slot(dates[i]), tickets[i][1]))
    assert [ranks[i] for i in by_date] == list(range(1, len(dates) + 1))
