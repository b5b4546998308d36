"""Opening rush (予約開始の殺到): 500 concurrent signed-in clients try to book frames of the same
week through the JSON API, against the app under gunicorn with PostgreSQL.

Prints booking attempts/s, successful bookings/s, p50/p99 latency, refused attempts (taken or
over a limit: the rule the server named), server errors (must be 0) and double bookings counted
in the database afterwards (must be 0). Initial target: ≥ 300 attempts/s on a 2-core machine.
PostgreSQL runs durable (fsync, synchronous_commit, full_page_writes on); a pgbench TPC-B
reference of the same cluster is printed with the figures. Smaller: BENCH_CLIENTS, BENCH_SECONDS.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from madoguchi.devtools.loadgen import SERVER_ROLES, Conn, cpu_by_role  # noqa: E402
from madoguchi.devtools.servers import app_env, gunicorn, manage, postgres, redis_server, reference_report, worker  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 500))
DURATION = float(os.environ.get("BENCH_SECONDS", 20))
WORKERS = int(os.environ.get("BENCH_WORKERS", 3))
# The task worker runs at a lower CPU priority (nice), as the README recommends when it shares
# the app's machine: confirmation emails wait out the rush instead of taking its CPU.
WORKER_NICE = int(os.environ.get("BENCH_WORKER_NICE", 10))
THREADS = int(os.environ.get("BENCH_THREADS", 3))

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
f = Facility.objects.create(municipality=m, section=s, code="B001", name="ベンチ体育館", booking_window_days=60,
    max_frames_per_day=2, max_bookings_per_month=8, closes_year_end=False)
for wd in range(7):
    OpeningHours.objects.create(facility=f, weekday=wd, opens=dt.time(9), closes=dt.time(21))
units = []
for i in range(10):
    u = Unit.objects.create(facility=f, name=f"コート{i+1}", frame_mode="hourly")
    Fee.objects.create(unit=u, category="resident", amount=600)
    units.append(u.pk)
User = get_user_model()
users = User.objects.bulk_create([User(email=f"bench{i}@example.jp", password="!") for i in range(CLIENTS)])
Registration.objects.bulk_create([Registration(user=u, municipality=m, is_resident=True, phone="09000000000") for u in users])
Store = import_module(settings.SESSION_ENGINE).SessionStore
keys = []
for u in users:
    st = Store()
    st[SESSION_KEY] = str(u.pk); st[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]; st[HASH_SESSION_KEY] = u.get_session_auth_hash()
    st.create(); keys.append(st.session_key)
start = timezone.localdate() + dt.timedelta(days=7)
print("BENCH" + json.dumps({"sessions": keys, "units": units, "week": [(start + dt.timedelta(days=d)).isoformat() for d in range(7)]}))
"""

CHECK = r"""
from django.db.models import Count
from madoguchi.reservations.models import Booking
active = Booking.objects.filter(status__in=["held", "confirmed", "won"])
dups = active.values("unit", "date", "start").annotate(n=Count("id")).filter(n__gt=1).count()
import json; print("BENCH" + json.dumps({"active": active.count(), "double": dups}))
"""


def _shell(env, code: str) -> dict:
    out = manage(env, "shell", "-c", code)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH"))
    return json.loads(line[5:])


async def client(host: str, port: int, session_key: str, frames: list, deadline: float, rng: random.Random, stats: dict) -> None:
    csrf = secrets.token_hex(16)
    headers = f"Content-Type: application/json\r\nX-CSRFToken: {csrf}\r\nCookie: sessionid={session_key}; csrftoken={csrf}\r\n"
    conn = Conn(host, port)
    while time.monotonic() < deadline:
        unit, day, hour = rng.choice(frames)
        body = json.dumps({"unit_id": unit, "date": day, "start": f"{hour:02d}:00"}).encode()
        t0 = time.perf_counter()
        try:
            status, data = await conn.post("/api/reservations/bookings", body, headers)
            rule = json.loads(data).get("rule", "") if status in (400, 409) else ""
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            status, rule = 0, type(exc).__name__
        stats["latency"].append(time.perf_counter() - t0)
        stats["status"][status] += 1
        if rule:
            stats["rules"][rule] += 1
    conn.close()


async def rush(url: str, data: dict) -> dict:
    frames = [(u, d, h) for u in data["units"] for d in data["week"] for h in range(9, 21)]
    stats = {"latency": [], "status": collections.Counter(), "rules": collections.Counter()}
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + DURATION
    t0 = time.perf_counter()
    c0 = time.process_time()
    await asyncio.gather(*(client(host, int(port), key, frames, deadline, random.Random(i), stats) for i, key in enumerate(data["sessions"])))
    stats["elapsed"] = time.perf_counter() - t0
    stats["client_cpu"] = time.process_time() - c0
    stats["frames"] = len(frames)
    return stats


def main() -> None:
    # The production shape: Redis carries sessions' cache and task wake-ups, and confirmation
    # emails (with their .ics) are built by a separate worker, not in the app processes.
    with postgres(durable=True) as db_url, redis_server() as redis_url:
        ref = reference_report(db_url)
        # LOG_LEVEL=ERROR: every refused booking (409) logs a django.request warning; keep
        # writing them out of the figure.
        # --keep-alive: gthread closes idle keep-alive connections after 2 s by default, and
        # under a rush it also drops those whose next request waits in its queue (the client
        # then sees a reset); a proxy in front would hold them, so hold them here too.
        env = app_env(
            db_url,
            redis_url,
            DB_CONN_MAX_AGE="60",
            LOG_LEVEL="ERROR",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            GUNICORN_CMD_ARGS="--keep-alive 120 --backlog 2048",
        )
        manage(env, "migrate", "--no-input")
        data = _shell(env, f"CLIENTS={CLIENTS}\n" + SETUP)
        with worker(env, nice=WORKER_NICE), gunicorn(env, workers=WORKERS, threads=THREADS) as url:
            cpu0 = cpu_by_role()
            stats = asyncio.run(rush(url, data))
            cpu1 = cpu_by_role()
        check = _shell(env, CHECK)
    lat = sorted(stats["latency"])
    attempts = len(lat)
    ok = stats["status"][201]
    errors = sum(n for s, n in stats["status"].items() if s >= 500)
    dropped = stats["status"][0]
    refused = sum(n for s, n in stats["status"].items() if 400 <= s < 500)
    stats["rules"] = collections.Counter({k: v for k, v in stats["rules"].items() if not k[:1].isupper()})  # drop exception names
    print(
        f"opening rush: {CLIENTS} clients, {stats['frames']} frames in one week, {stats['elapsed']:.1f} s, gunicorn {WORKERS}×{THREADS} threads, PostgreSQL, Redis, 1 task worker (nice {WORKER_NICE})"
    )
    print(f"  booking attempts/s     {attempts / stats['elapsed']:8.1f}   (target ≥ 300)")
    print(f"  successful bookings/s  {ok / stats['elapsed']:8.1f}   ({ok} booked)")
    print(f"  latency p50 / p99      {statistics.median(lat) * 1000:8.1f} / {lat[int(len(lat) * 0.99) - 1] * 1000:.1f} ms")
    print(f"  refused attempts       {refused:8d}   {dict(stats['rules'].most_common())}")
    print(f"  server errors          {errors:8d}   (must be 0)  statuses {dict(stats['status'])}")
    print(f"  connection errors      {dropped:8d}   (must be 0)")
    print(f"  load generator CPU     {stats['client_cpu']:8.1f} s   (same machine)")
    per = ", ".join(f"{role} {(cpu1[role] - cpu0[role]) / max(attempts, 1) * 1000:.1f}" for role in SERVER_ROLES)
    print(f"  CPU ms per attempt     {per}")
    print(f"  double bookings in DB  {check['double']:8d}   (must be 0; {check['active']} active bookings)")
    print(ref)


if __name__ == "__main__":
    main()
