"""CPU per request, in-process, on PostgreSQL + Redis: where the opening rush's budget goes.

The rush (bench_reservations.py) is CPU-bound on a 2-core machine, so the figure that moves
it is CPU per request. This prints it for four requests through the full middleware stack
(Django's test client, no HTTP server, no profiler), so a change to the booking path can be
weighed against the framework's own floor:

  calendar read, signed in  GET  /api/reservations/units/{id}/availability (200, and 304)
  anonymous API read        GET  /api/core/municipality
  authenticated no-op       GET  /api/accounts/me          (session + user + django-ninja)
  booking (mostly succeed)  POST /api/reservations/bookings, random frames
  booking of a taken frame  POST /api/reservations/bookings, always the same frame

PostgreSQL runs durable (fsync, synchronous_commit, full_page_writes on: a booking's wall time
includes its commit's WAL flush); a pgbench TPC-B reference of the same cluster is printed with
the figures. Beside the app's CPU it prints PostgreSQL's: the CPU its backend process (the one
serving this connection, read from /proc) spent per request.
Smaller: BENCH_REQUESTS. Where the time goes: BENCH_PROFILE=<case> (e.g. "booking (mostly").
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import bench_reservations as rush  # noqa: E402  (reuses its data set-up)

from madoguchi.devtools.servers import app_env, manage, postgres, redis_server, reference_report  # noqa: E402

N = int(os.environ.get("BENCH_REQUESTS", 400))
# BENCH_PROFILE=booking: also profile that case (a name's substring) with cProfile on process
# time and print the top BENCH_PROFILE_LINES (30) functions by BENCH_PROFILE_SORT (tottime).
PROFILE = os.environ.get("BENCH_PROFILE", "")
PROFILE_SORT = os.environ.get("BENCH_PROFILE_SORT", "tottime")
PROFILE_LINES = int(os.environ.get("BENCH_PROFILE_LINES", 30))

MEASURE = r"""
import json, os, random, time
from django.db import connection
from django.test import Client
data = DATA
frames = [(u, d, h) for u in data["units"] for d in data["week"] for h in range(9, 21)]
rng = random.Random(1)
client = Client(HTTP_HOST="127.0.0.1")
keys = data["sessions"]
def post(u, d, h):
    return client.post("/api/reservations/bookings", json.dumps({"unit_id": u, "date": d, "start": f"{h:02d}:00"}), content_type="application/json")
def pg_cpu():  # devtools.loadgen.pg_backend_cpu, inline: this benchmark also runs on commits before it
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
u0, d0, h0 = frames[0]
cal_url = f"/api/reservations/units/{u0}/availability?year={d0[:4]}&month={int(d0[5:7])}"
etag = client.get(cal_url).headers.get("ETag", "")
cases = [
    ("calendar read (signed in)", lambda: client.get(cal_url)),
    ("calendar read, 304", lambda: client.get(cal_url, HTTP_IF_NONE_MATCH=etag)),
    ("anonymous API read", lambda: client.get("/api/core/municipality")),
    ("authenticated no-op", lambda: client.get("/api/accounts/me")),
    ("booking (mostly succeed)", lambda: post(*rng.choice(frames))),
    ("booking of a taken frame", lambda: post(u0, d0, h0)),
]
for name, call in cases:
    for i in range(20):  # warm up: imports, connections, caches
        client.cookies["sessionid"] = keys[i % len(keys)]; call()
    statuses = {}
    cpu, wall, pg = time.process_time(), time.perf_counter(), pg_cpu()
    for i in range(N):
        client.cookies["sessionid"] = keys[i % len(keys)]
        code = call().status_code
        statuses[code] = statuses.get(code, 0) + 1
    cpu, wall, pg = time.process_time() - cpu, time.perf_counter() - wall, pg_cpu() - pg
    print(f"  {name:26s} app {1000 * cpu / N:6.2f} ms CPU   PostgreSQL {1000 * pg / N:5.2f} ms CPU   {1000 * wall / N:6.2f} ms wall   {statuses}")
    if PROFILE and PROFILE in name:
        import cProfile, io, pstats
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for i in range(N):
            client.cookies["sessionid"] = keys[i % len(keys)]
            call()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(PROFILE_SORT).print_stats(PROFILE_LINES)
        print("\n".join("  | " + line for line in out.getvalue().splitlines() if line.strip()))
"""


def main() -> None:
    with postgres(durable=True) as db_url, redis_server() as redis_url:
        ref = reference_report(db_url)
        env = app_env(db_url, redis_url, DB_CONN_MAX_AGE="60", LOG_LEVEL="ERROR", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        manage(env, "migrate", "--no-input")
        data = rush._shell(env, "CLIENTS=100\n" + rush.SETUP)
        head = f"N={N}\nPROFILE={PROFILE!r}\nPROFILE_SORT={PROFILE_SORT!r}\nPROFILE_LINES={PROFILE_LINES}\n"
        out = manage(env, "shell", "-c", head + MEASURE.replace("DATA", json.dumps(data)))
    print(f"request cost, in-process, PostgreSQL + Redis sessions, {N} requests each (app CPU, and PostgreSQL's backend CPU for the same requests)")
    print("\n".join(line for line in out.stdout.splitlines() if line.startswith("  ")))
    print(ref)


if __name__ == "__main__":
    main()
