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
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from madoguchi.devtools.loadgen import SERVER_ROLES, Conn, cpu_by_role  # noqa: E402
from madoguchi.devtools.servers import app_env, gunicorn, manage, postgres, redis_server, reference_report, worker  # noqa: E402

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
        self.rush.calendar.append(time.perf_counter() - t0)
        self.rush.status[status] += 1
        if status == 304:
            return body
        if status != 200:
            return None
        if self.conn.last_etag:
            self.etags[path] = (self.conn.last_etag, data)
        return data

    async def free_frames(self, unit: int) -> list[tuple[str, str]]:
        free = []
        for year, month in self.months:
            data = await self._get(f"/api/reservations/units/{unit}/availability?year={year}&month={month}")
            for day in json.loads(data) if data else []:
                if day["date"] in self.days:
                    free += [(day["date"], f["start"]) for f in day["frames"] if f["state"] == "free"]
        return free

    async def book(self, unit: int, day: str, start: str) -> tuple[int, str]:
        body = json.dumps({"unit_id": unit, "date": day, "start": start}).encode()
        t0 = time.perf_counter()
        try:
            status, data = await self.conn.post("/api/reservations/bookings", body, self.headers)
            rule = json.loads(data).get("rule", "") if status in (400, 409) else ""
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            status, rule = 0, type(exc).__name__
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
            for unit in preferred:
                free = await self.free_frames(unit)
                if free:
                    choice = (unit, *self.rng.choice(free))
                    break
            if choice is None:
                await asyncio.sleep(REFRESH)  # sold out (as far as this resident sees): reload in a second
                continue
            status, _ = await self.book(*choice)
            if status == 201:
                self.rush.booked += 1
                if self.rush.booked >= self.rush.frames and self.rush.sold_out_at is None:
                    self.rush.sold_out_at = time.monotonic()
                return  # got a frame: done
            if status == 0:
                await asyncio.sleep(REFRESH)
            # 409 「予約済み」 (or a limit): read the calendar again at once


async def rush(url: str, data: dict) -> tuple[Rush, float, float]:
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
    return state, elapsed, client_cpu


def _pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[max(0, int(len(v) * q) - 1)] * 1000 if v else float("nan")


def main() -> None:
    with postgres(durable=True) as db_url, redis_server() as redis_url:
        ref = reference_report(db_url)
        env = app_env(
            db_url,
            redis_url,
            DB_CONN_MAX_AGE="60",
            LOG_LEVEL="ERROR",  # every 409 logs a django.request warning
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            GUNICORN_CMD_ARGS="--keep-alive 120 --backlog 2048",
        )
        manage(env, "migrate", "--no-input")
        data = _shell(env, f"RESIDENTS={RESIDENTS}\nCOURTS={COURTS}\nDAYS={DAYS}\n" + SETUP)
        with worker(env, nice=WORKER_NICE), gunicorn(env, workers=WORKERS, threads=THREADS) as url:
            cpu0 = cpu_by_role()
            state, elapsed, client_cpu = asyncio.run(rush(url, data))
            cpu1 = cpu_by_role()
        check = _shell(env, CHECK)
    requests = len(state.calendar) + len(state.booking)
    errors = sum(n for s, n in state.status.items() if s >= 500)
    dropped = state.status[0]
    sold = f"{state.sold_out_at - state.t0:.2f} s" if state.sold_out_at else f"not sold out ({state.booked}/{state.frames} in {elapsed:.1f} s)"
    rules = {k: v for k, v in state.rules.items() if not k[:1].isupper()}
    print(
        f"realistic rush: {RESIDENTS} residents, {state.frames} frames ({COURTS} courts × {DAYS} days × {len(HOURS)} h), {elapsed:.1f} s,"
        f" gunicorn {WORKERS}×{THREADS} threads, PostgreSQL, Redis, 1 task worker (nice {WORKER_NICE})"
    )
    print(f"  requests/s             {requests / elapsed:8.1f}   ({len(state.calendar)} calendar reads, {len(state.booking)} booking POSTs)")
    print(f"  calendar p50 / p99     {_pct(state.calendar, 0.5):8.1f} / {_pct(state.calendar, 0.99):.1f} ms   (target p99 < 300 ms; 304s: {state.status[304]})")
    print(f"  booking p50 / p99      {_pct(state.booking, 0.5):8.1f} / {_pct(state.booking, 0.99):.1f} ms   (target p99 < 500 ms)")
    print(f"  time to sell out       {sold:>8}   (target < 5 s)")
    print(f"  booked / refused       {state.booked:8d}   refused {dict(sorted(rules.items()))}")
    print(f"  server errors          {errors:8d}   (must be 0)  statuses {dict(state.status)}")
    print(f"  connection errors      {dropped:8d}   (must be 0)")
    print(f"  double bookings in DB  {check['double']:8d}   (must be 0; {check['active']} active bookings on {check['frames']} distinct frames)")
    print(f"  load generator CPU     {client_cpu:8.1f} s   (same machine)")
    per = ", ".join(f"{role} {(cpu1[role] - cpu0[role]) / max(requests, 1) * 1000:.2f}" for role in SERVER_ROLES)
    print(f"  CPU ms per request     {per}")
    print(ref)


if __name__ == "__main__":
    main()
