"""Realistic opening rush (予約開始の殺到を住民のふるまいで; issue #14 item 2): N signed-in
residents (BENCH_RUSH_RESIDENTS, 500) want few frames (BENCH_RUSH_COURTS 2 courts ×
BENCH_RUSH_DAYS 4 days × 12 hours = 96). Each one, as a person does at 9:00 on opening day:
reads a court's calendar (``GET /api/reservations/units/{id}/availability``, revalidating with
If-None-Match as a browser does), books a free frame it saw, reads the calendar again on
「予約済み」 (409), tries the other court when one is full, and once nothing is free refreshes
every second until BENCH_RUSH_TAIL seconds (5) after the last frame went (or BENCH_RUSH_SECONDS,
60, in all). Arrivals spread over BENCH_RUSH_ARRIVAL seconds (1).

Against the production shape: durable PostgreSQL (fsync, synchronous_commit on), Redis,
gunicorn 3×3, a task worker; prints requests/s, calendar p50/p99, booking p50/p99, time to sell
out, errors, double bookings (a check query), every frame booked once, the load generator's own
CPU, CPU per request by role, and the pgbench TPC-B reference of the same cluster.
Targets on a 2-core machine (issue #14): calendar p99 < 300 ms, booking p99 < 500 ms, sold out in
< 5 s, 0 errors, 0 double bookings.

It runs twice: without, then with the waiting room (core/waitingroom.py; BENCH_WAITING_ROOM=0
skips the second run) at BENCH_WAITING_ROOM_THRESHOLD (gunicorn's threads ÷ 3) booking requests in flight and
BENCH_WAITING_ROOM_RATE (40) residents admitted per second. With it on, a resident told to wait (503
with its place) asks again after the retry_after it got (as the waiting page does; at most
BENCH_WAITING_ROOM_POLL s, 30);
the calendar and booking figures are then those of admitted residents, and it prints the waits
and the fairness of admission: Kendall's tau between the order residents arrived in and the
order they were admitted in (1 = first come, first served).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from madoguchi.devtools.loadgen import SERVER_ROLES, Conn, cpu_by_role  # noqa: E402
from madoguchi.devtools.servers import app_env, gunicorn, has_nginx, manage, nginx, postgres, redis_server, reference_report, worker  # noqa: E402

RESIDENTS = int(os.environ.get("BENCH_RUSH_RESIDENTS", 500))
COURTS = int(os.environ.get("BENCH_RUSH_COURTS", 2))
DAYS = int(os.environ.get("BENCH_RUSH_DAYS", 4))
HOURS = range(9, 21)  # 12 hourly frames a day
MAX_SECONDS = float(os.environ.get("BENCH_RUSH_SECONDS", 60))
TAIL = float(os.environ.get("BENCH_RUSH_TAIL", 5))
ARRIVAL = float(os.environ.get("BENCH_RUSH_ARRIVAL", 1))
REFRESH = 1.0  # a resident facing a sold-out calendar reloads it every second
WORKERS = int(os.environ.get("BENCH_WORKERS", 3))
THREADS = int(os.environ.get("BENCH_THREADS", 3))
WORKER_NICE = int(os.environ.get("BENCH_WORKER_NICE", 10))
ROOM_THRESHOLD = 0  # of the run under way (main)
ROOM_ON = os.environ.get("BENCH_WAITING_ROOM", "1") != "0"
# The production shape has nginx in front (deploy/nginx/madoguchi-locations.conf: the calendar
# micro-cache and X-Request-Start); BENCH_PROXY=0 sends the residents to gunicorn directly.
PROXY = os.environ.get("BENCH_PROXY", "1") != "0" and has_nginx()
# In flight can never exceed gunicorn's threads (requests waiting in its backlog are not in the
# app yet), and the calendars are public reads answered before the room (never counted), so
# only booking-page requests count: a third of the threads (about the cores) keeps them at full
# speed. All but one thread (8) never opened the room once the calendars left the count.
ROOM_SETTING = int(os.environ.get("BENCH_WAITING_ROOM_THRESHOLD", 0)) or max(1, WORKERS * THREADS // 3)
ROOM_RATE = float(os.environ.get("BENCH_WAITING_ROOM_RATE", 40))
ROOM_POLL = float(os.environ.get("BENCH_WAITING_ROOM_POLL", 30))
ROOM_POLL_FALLBACK = 2.0  # a 503 without retry_after (not the waiting room's)
WAIT = object()  # "you are in line" (503 from the waiting room)

SETUP = r"""
import datetime as dt, json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import get_user_model, BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from madoguchi.core.models import Municipality, Section
from madoguchi.reservations.models import Facility, Fee, OpeningHours, Registration, Unit
m = Municipality.objects.create(name="ベンチ市", code="139998", is_default=True)
s = Section.objects.create(municipality=m, name="生涯学習スポーツ課")
f = Facility.objects.create(municipality=m, section=s, code="R001", name="ベンチ庭球場", booking_window_days=60,
    max_frames_per_day=2, max_bookings_per_month=8, closes_year_end=False, closes_on_holidays=False)
for wd in range(7):
    OpeningHours.objects.create(facility=f, weekday=wd, opens=dt.time(9), closes=dt.time(21))
units = []
for i in range(COURTS):
    u = Unit.objects.create(facility=f, name=f"コート{i+1}", frame_mode="hourly")
    Fee.objects.create(unit=u, category="resident", amount=600)
    units.append(u.pk)
User = get_user_model()
users = User.objects.bulk_create([User(email=f"rush{i}@example.jp", password="!") for i in range(RESIDENTS)])
Registration.objects.bulk_create([Registration(user=u, municipality=m, is_resident=True, phone="09000000000") for u in users])
Store = import_module(settings.SESSION_ENGINE).SessionStore
keys = []
for u in users:
    st = Store()
    st[SESSION_KEY] = str(u.pk); st[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]; st[HASH_SESSION_KEY] = u.get_session_auth_hash()
    st.create(); keys.append(st.session_key)
start = timezone.localdate() + dt.timedelta(days=7)
print("BENCH" + json.dumps({"sessions": keys, "units": units, "days": [(start + dt.timedelta(days=d)).isoformat() for d in range(DAYS)]}))
"""

CHECK = r"""
from django.db.models import Count
from madoguchi.reservations.models import Booking
active = Booking.objects.filter(status__in=["held", "confirmed", "won"])
dups = active.values("unit", "date", "start").annotate(n=Count("id")).filter(n__gt=1).count()
import json; print("BENCH" + json.dumps({"active": active.count(), "frames": active.values("unit", "date", "start").distinct().count(), "double": dups}))
"""


def _shell(env, code: str) -> dict:
    out = manage(env, "shell", "-c", code)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH"))
    return json.loads(line[5:])


class Rush:
    """Shared state of one run: latencies, statuses, and when the last frame went."""

    def __init__(self, frames: int):
        self.frames = frames
        self.calendar: list[float] = []
        self.booking: list[float] = []
        self.status: collections.Counter = collections.Counter()
        self.rules: collections.Counter = collections.Counter()
        self.booked = 0
        self.waits = 0  # 503 answers of the waiting room
        self.t0 = time.monotonic()
        self.sold_out_at: float | None = None
        self.deadline = self.t0 + MAX_SECONDS

    def running(self) -> bool:
        now = time.monotonic()
        return now < self.deadline and (self.sold_out_at is None or now < self.sold_out_at + TAIL)


class Resident:
    def __init__(self, conn: Conn, headers: str, units: list[int], days: list[str], rush: Rush, rng: random.Random):
        self.conn, self.headers, self.units, self.days, self.rush, self.rng = conn, headers, units, days, rush, rng
        self.months = sorted({(int(d[:4]), int(d[5:7])) for d in days})
        self.etags: dict[str, tuple[str, bytes]] = {}
        self.base_headers = headers
        self.cookie_line = next(line for line in headers.split("\r\n") if line.startswith("Cookie: "))
        self.jar: dict[str, str] = {}
        self.ticket: int | None = None  # the waiting room's number (0: admitted without waiting)
        self.arrived: float | None = None  # first booking request sent (the first the waiting room sees)
        self.admitted: float | None = None  # first booking answer that was not "wait"
        self.retry = ROOM_POLL_FALLBACK

    def _keep_cookies(self) -> None:
        """As a browser: the waiting room's pass (its ticket, then its admission) goes back."""
        kept = {k: v for k, v in self.conn.last_cookies.items() if k.startswith("madoguchi_wr_")}
        if kept:
            if self.ticket is None:
                self.ticket = _pass_number(next(iter(kept.values())))
            self.jar.update(kept)
            extra = "".join(f"; {k}={v}" for k, v in self.jar.items())
            self.headers = self.base_headers.replace(self.cookie_line, self.cookie_line + extra, 1)

    def _waited(self, status: int, data: bytes, room: bool = True) -> bool:
        """A waiting-room answer: note it and when to ask again; else mark the admission (of a
        request the room decides on: the calendars are public reads it never sees)."""
        self._keep_cookies()
        if status == 503 and ROOM_THRESHOLD:
            self.rush.waits += 1
            try:
                self.retry = min(ROOM_POLL, max(0.2, float(json.loads(data).get("retry_after", ROOM_POLL_FALLBACK))))
            except ValueError:
                self.retry = ROOM_POLL_FALLBACK
            return True
        if room and self.admitted is None:
            self.admitted = time.monotonic()
        return False

    async def _get(self, path: str) -> bytes | None:
        """GET with If-None-Match as a browser revalidates; the body (the cached one on 304)."""
        etag, body = self.etags.get(path, ("", b""))
        extra = f"If-None-Match: {etag}\r\n" if etag else ""
        t0 = time.perf_counter()
        try:
            status, data = await self.conn.request("GET", path, b"", self.headers + extra)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.rush.status[0] += 1
            self.rush.rules[type(exc).__name__] += 1
            return None
        if self._waited(status, data, room=False):
            return WAIT
        self.rush.calendar.append(time.perf_counter() - t0)
        self.rush.status[status] += 1
        if status == 304:
            return body
        if status != 200:
            return None
        if self.conn.last_etag:
            self.etags[path] = (self.conn.last_etag, data)
        return data

    async def free_frames(self, unit: int):
        free = []
        for year, month in self.months:
            data = await self._get(f"/api/reservations/units/{unit}/availability?year={year}&month={month}")
            if data is WAIT:
                return WAIT
            for day in json.loads(data) if data else []:
                if day["date"] in self.days:
                    free += [(day["date"], f["start"]) for f in day["frames"] if f["state"] == "free"]
        return free

    async def book(self, unit: int, day: str, start: str) -> tuple[int, str]:
        body = json.dumps({"unit_id": unit, "date": day, "start": start}).encode()
        if self.arrived is None:  # the first request the waiting room sees
            self.arrived = time.monotonic()
        t0 = time.perf_counter()
        try:
            status, data = await self.conn.post("/api/reservations/bookings", body, self.headers)
            rule = json.loads(data).get("rule", "") if status in (400, 409) else ""
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            status, rule, data = 0, type(exc).__name__, b""
        if status and self._waited(status, data):
            return 503, ""
        self.rush.booking.append(time.perf_counter() - t0)
        self.rush.status[status] += 1
        if rule:
            self.rush.rules[rule] += 1
        return status, rule

    async def run(self, delay: float) -> None:
        await asyncio.sleep(delay)
        preferred = self.rng.sample(self.units, len(self.units))  # a favourite court, then the other
        while self.rush.running():
            choice = None
            waiting = False
            for unit in preferred:
                free = await self.free_frames(unit)
                if free is WAIT:
                    waiting = True
                    break
                if free:
                    choice = (unit, *self.rng.choice(free))
                    break
            if waiting:
                await asyncio.sleep(self.retry)  # in line: ask again when told
                continue
            if choice is None:
                await asyncio.sleep(REFRESH)  # sold out (as far as this resident sees): reload in a second
                continue
            status, _ = await self.book(*choice)
            if status == 201:
                self.rush.booked += 1
                if self.rush.booked >= self.rush.frames and self.rush.sold_out_at is None:
                    self.rush.sold_out_at = time.monotonic()
                return  # got a frame: done
            if status in (0, 503):
                await asyncio.sleep(self.retry if status == 503 else REFRESH)
            # 409 「予約済み」 (or a limit): read the calendar again at once


def _pass_number(cookie: str) -> int:
    """The server's order of a ticket inside the waiting room's pass, as one sortable number: its
    arrival slot, then its place in the slot. The pass is signed, not secret: its payload is
    Django signing's base64 JSON (zlib-compressed when it starts with '.')."""
    import zlib

    from django.core.signing import b64_decode

    payload = cookie.strip('"').split(":", 1)[0]
    raw = b64_decode(payload.lstrip(".").encode())
    value = json.loads(zlib.decompress(raw) if payload.startswith(".") else raw)
    return int(value.get("sl", 0)) * 1_000_000 + int(value.get("ix", 0))


def kendall_tau(first: list[float], second: list[float]) -> float:
    """Kendall's tau-a of two orderings of the same residents (1: the same order)."""
    n = len(first)
    concordant = discordant = 0
    for i in range(n):
        for j in range(i + 1, n):
            a, b = first[i] - first[j], second[i] - second[j]
            if a * b > 0:
                concordant += 1
            elif a * b < 0:
                discordant += 1
    pairs = n * (n - 1) / 2
    return (concordant - discordant) / pairs if pairs else float("nan")


async def rush(url: str, data: dict) -> tuple[Rush, float, float, list]:
    host, port = url.removeprefix("http://").split(":")
    frames = len(data["units"]) * len(data["days"]) * len(HOURS)
    state = Rush(frames)
    residents = []
    for i, key in enumerate(data["sessions"]):
        csrf = secrets.token_hex(16)
        headers = f"Content-Type: application/json\r\nX-CSRFToken: {csrf}\r\nCookie: sessionid={key}; csrftoken={csrf}\r\n"
        conn = Conn(host, int(port))
        r = Resident(conn, headers, data["units"], data["days"], state, random.Random(i))
        residents.append(r)
    c0, t0 = time.process_time(), time.perf_counter()
    state.t0 = time.monotonic()
    state.deadline = state.t0 + MAX_SECONDS
    await asyncio.gather(*(r.run(ARRIVAL * i / max(len(residents), 1)) for i, r in enumerate(residents)))
    elapsed, client_cpu = time.perf_counter() - t0, time.process_time() - c0
    for r in residents:
        r.conn.close()
    return state, elapsed, client_cpu, residents


async def warm_up(url: str, data: dict) -> None:
    """Untimed, straight to gunicorn (the proxy's cache stays cold): each lane reads a calendar,
    loads the booking page and sends a booking the API refuses, so a fresh process's first
    requests (imports, connections, template loading) stay out of the figures — at 9:00 on
    opening day the servers have been up for hours."""
    host, port = url.removeprefix("http://").split(":")
    unit, day = data["units"][0], data["days"][0]

    async def lane(key: str) -> None:
        csrf = secrets.token_hex(16)
        headers = f"Content-Type: application/json\r\nX-CSRFToken: {csrf}\r\nCookie: sessionid={key}; csrftoken={csrf}\r\n"
        conn = Conn(host, int(port))
        for _ in range(2):
            await conn.get(f"/api/reservations/units/{unit}/availability?year={day[:4]}&month={int(day[5:7])}", headers)
            await conn.get("/reservations/", headers)
            await conn.post("/api/reservations/bookings", json.dumps({"unit_id": unit, "date": "1999-01-01", "start": "09:00"}).encode(), headers)
        conn.close()

    lanes = 2 * WORKERS * THREADS
    await asyncio.gather(*(lane(data["sessions"][i % len(data["sessions"])]) for i in range(lanes)))


def _pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[max(0, int(len(v) * q) - 1)] * 1000 if v else float("nan")


def main() -> None:
    global ROOM_THRESHOLD
    for threshold in [0, ROOM_SETTING] if ROOM_ON else [0]:
        ROOM_THRESHOLD = threshold
        run()


def run() -> None:
    with postgres(durable=True) as db_url, redis_server() as redis_url:
        ref = reference_report(db_url)
        env = app_env(
            db_url,
            redis_url,
            DB_CONN_MAX_AGE="60",
            LOG_LEVEL="ERROR",  # every 409 logs a django.request warning
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            GUNICORN_CMD_ARGS="--keep-alive 120 --backlog 2048",
            WAITING_ROOM_INFLIGHT_THRESHOLD=str(ROOM_THRESHOLD),
            WAITING_ROOM_ADMIT_PER_SECOND=str(ROOM_RATE),
            BEHIND_PROXY="1" if PROXY else "0",
            TRUSTED_PROXY_HOPS="1" if PROXY else "0",
        )
        manage(env, "migrate", "--no-input")
        data = _shell(env, f"RESIDENTS={RESIDENTS}\nCOURTS={COURTS}\nDAYS={DAYS}\n" + SETUP)
        with worker(env, nice=WORKER_NICE), gunicorn(env, workers=WORKERS, threads=THREADS) as app_url, contextlib.ExitStack() as stack:
            url = stack.enter_context(nginx(app_url)) if PROXY else app_url
            asyncio.run(warm_up(app_url, data))
            cpu0 = cpu_by_role()
            state, elapsed, client_cpu, residents = asyncio.run(rush(url, data))
            cpu1 = cpu_by_role()
        check = _shell(env, CHECK)
    requests = len(state.calendar) + len(state.booking)
    errors = sum(n for s, n in state.status.items() if s >= 500)
    dropped = state.status[0]
    sold = f"{state.sold_out_at - state.t0:.2f} s" if state.sold_out_at else f"not sold out ({state.booked}/{state.frames} in {elapsed:.1f} s)"
    rules = {k: v for k, v in state.rules.items() if not k[:1].isupper()}
    print(
        f"realistic rush: {RESIDENTS} residents, {state.frames} frames ({COURTS} courts × {DAYS} days × {len(HOURS)} h), {elapsed:.1f} s,"
        f" {'nginx (calendar micro-cache) → ' if PROXY else ''}gunicorn {WORKERS}×{THREADS} threads, PostgreSQL, Redis, 1 task worker (nice {WORKER_NICE}),"
        f" waiting room {'ON' if ROOM_THRESHOLD else 'off'}"
    )
    print(f"  requests/s             {requests / elapsed:8.1f}   ({len(state.calendar)} calendar reads, {len(state.booking)} booking POSTs)")
    print(f"  calendar p50 / p99     {_pct(state.calendar, 0.5):8.1f} / {_pct(state.calendar, 0.99):.1f} ms   (target p99 < 300 ms; 304s: {state.status[304]})")
    print(f"  booking p50 / p99      {_pct(state.booking, 0.5):8.1f} / {_pct(state.booking, 0.99):.1f} ms   (target p99 < 500 ms)")
    print(f"  time to sell out       {sold:>8}   (target < 5 s)")
    print(f"  booked / refused       {state.booked:8d}   refused {dict(sorted(rules.items()))}")
    print(f"  server errors          {errors:8d}   (must be 0)  statuses {dict(state.status)}")
    print(f"  connection errors      {dropped:8d}   (must be 0)")
    print(f"  double bookings in DB  {check['double']:8d}   (must be 0; {check['active']} active bookings on {check['frames']} distinct frames)")
    if ROOM_THRESHOLD:
        seen = [r for r in residents if r.arrived is not None and r.admitted is not None]
        waited = sorted(r.admitted - r.arrived for r in seen)
        tau = kendall_tau([r.arrived for r in seen], [r.admitted for r in seen])
        ticketed = [r for r in seen if r.ticket]
        tau_ticket = kendall_tau([r.arrived for r in ticketed], [r.ticket for r in ticketed])
        print(
            f"  waiting room           threshold {ROOM_THRESHOLD} in flight, {ROOM_RATE:g} admitted/s; {state.waits} 'wait' answers;"
            f" {sum(1 for w in waited if w > 0.5)} of {len(seen)} admitted residents waited > 0.5 s"
        )
        print(f"  wait p50 / p99         {_pct(waited, 0.5):8.1f} / {_pct(waited, 0.99):.1f} ms   (arrival to first answer that was not 'wait')")
        print(
            f"  admission fairness     {tau_ticket:8.3f}   (Kendall tau of arrival vs. admission order by the server's numbers, {len(ticketed)} who waited;"
            f" 1 = first come, first served)"
        )
        print(f"  as residents saw it    {tau:8.3f}   (arrival vs. first answer that was not 'wait', each asking again when told, ≤ {ROOM_POLL:g} s)")
    print(f"  load generator CPU     {client_cpu:8.1f} s   (same machine)")
    per = ", ".join(f"{role} {(cpu1[role] - cpu0[role]) / max(requests, 1) * 1000:.2f}" for role in SERVER_ROLES)
    print(f"  CPU ms per request     {per}")
    print(ref)


if __name__ == "__main__":
    main()
