"""共同運営 (issue #10): does serving 60 cities cost more per request than serving one?

In-process (Django's test client through the whole middleware stack, no HTTP server): on the 60
cities of ``bench_cities.py`` (built the same way, on one durable PostgreSQL, the app connecting
as the role bound by row-level security), each path is timed three times — every request to
city01, then each request to the next city in turn, then city01 again (the second one-city run
shows how much of a difference is drift) — and prints the app's CPU and PostgreSQL's backend CPU
per request:

  calendar   GET  /api/reservations/units/{id}/availability   (every unit's month warmed first)
  form load  GET  /api/forms/{id}                             (signed in)
  submit     POST /api/applications/procedures/{slug}/submissions, then the task worker's CPU
             per submission to drain what it queued (the receipt email and what else it queued)

bench_cities.py measures the same paths under gunicorn with concurrent clients; this one says
whether a difference it shows between one city and sixty is per-request work (a cache per city,
row-level security switching city) or something of the run. Sizes: BENCH_REQUESTS (300) per
path and mode, BENCH_CITIES (60).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import bench_cities as cities  # noqa: E402  (reuses its 60-city set-up)

from madoguchi.devtools import servers  # noqa: E402

N = int(os.environ.get("BENCH_REQUESTS", 300))

MEASURE = r"""
import json, os, time
from django.test import Client
from madoguchi.core import tasks
from madoguchi.devtools.loadgen import pg_backend_cpu as pg_cpu
data = json.loads(DATA)
answers = json.loads(ANSWERS)
year, month = data["month"]
towns = data["cities"]
clients = {}
for c in towns:
    clients[c["host"]] = Client(HTTP_HOST=c["host"])
    clients[c["host"]].cookies["sessionid"] = c["sessions"][0]
def calendar(c, k):
    unit = c["all_units"][k % len(c["all_units"])]
    return clients[c["host"]].get(f"/api/reservations/units/{unit}/availability?year={year}&month={month}")
def form(c, k):
    return clients[c["host"]].get(f"/api/forms/{c['form']}")
def submit(c, k):
    body = json.dumps({"answers": answers})
    return clients[c["host"]].post(f"/api/applications/procedures/{c['slug']}/submissions", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"c{time.monotonic_ns()}")
for c in towns:  # warm: every calendar computed once (then cached until a booking), every form read
    for k in range(len(c["all_units"])):
        calendar(c, k)
    form(c, 0)
tasks.run_pending()
modes = (("one city", lambda i: (towns[0], i)), (f"{len(towns)} cities", lambda i: (towns[i % len(towns)], i // len(towns))), ("one city again", lambda i: (towns[0], i)))
for name, call in (("calendar", calendar), ("form load", form), ("submit", submit)):
    for mode, pick in modes:
        statuses = {}
        cpu, pg = time.process_time(), pg_cpu()
        for i in range(N):
            code = call(*pick(i)).status_code
            statuses[code] = statuses.get(code, 0) + 1
        cpu, pg = time.process_time() - cpu, pg_cpu() - pg
        line = f"  {name:9s} {mode:15s} app {1000 * cpu / N:5.2f} ms CPU   PostgreSQL {1000 * pg / N:5.2f} ms   {statuses}"
        if call is submit:
            cpu, pg = time.process_time(), pg_cpu()
            done = tasks.run_pending()
            cpu, pg = time.process_time() - cpu, pg_cpu() - pg
            line += f"   worker {1000 * cpu / N:5.2f} ms CPU, PostgreSQL {1000 * pg / N:5.2f} ms per submission ({done} tasks)"
        print(line)
"""


def main() -> None:
    with servers.postgres(durable=True) as db, servers.redis_server() as redis_url:
        ref = servers.reference_report(db)
        # Tasks are queued and drained by tasks.run_pending() where the worker's CPU is timed.
        env, data, _ = cities.build(db, redis_url, residents=3, rush=0, subscribers=20, TASK_MODE="redis")
        code = f"N={N}\nDATA={json.dumps(json.dumps(data))}\nANSWERS={json.dumps(json.dumps(cities.ANSWERS))}\n" + MEASURE
        out = servers.manage(env, "shell", "-c", code)
    print(f"CPU per request, in-process, one city against {len(data['cities'])} in turn ({N} requests each; PostgreSQL + Redis, row-level security on)")
    print("\n".join(line for line in out.stdout.splitlines() if line.startswith("  ")))
    print(ref)


if __name__ == "__main__":
    main()
