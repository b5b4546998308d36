"""Task worker CPU per email, in-process: what the worker spends on each submission's receipt and
each booking's confirmation (issue #9: the worker's share of the submission and rush figures).

Two phases, each on a fresh database in production settings (Redis for the cache and the task
wake-ups, the locmem email backend as bench_reservations.py, so the MIME message is built):

  submissions  BENCH_WORKER_N residents submit kaigo-saikofu of the demo city through the API
               (POST /api/applications/procedures/kaigo-saikofu/submissions); each queues a receipt
  bookings     BENCH_WORKER_N residents book one frame each (POST /api/reservations/bookings);
               each queues a confirmation with its .ics

The requests run first (their app CPU per request is printed too: at 2f31279 the receipt was
rendered in the request, since then in the worker), then the worker loop (``core.tasks.
work_forever``, as ``manage.py runworker`` runs it) drains the outbox in a thread of the same
process; its thread CPU (``time.thread_time``) and its SQL statements per item are printed. A
warm-up round (20 items) runs first, so imports, template compilation and the periodic tasks
are not counted. No throughput is measured: the figures are CPU per item on whatever host.

  BENCH_WORKER_N (300)          items per phase
  BENCH_WORKER_DB (sqlite)      sqlite, postgres (durable, with the pgbench reference), or both
  BENCH_WORKER_PHASES           "submissions,bookings"
  BENCH_PROFILE=1               also profile the worker thread (cProfile on thread CPU) and print
                                the top BENCH_PROFILE_LINES (30) by BENCH_PROFILE_SORT (tottime)
  BENCH_WORKER_EMAIL_BACKEND    another email backend (e.g. the SMTP one, with EMAIL_HOST/PORT)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import bench_reservations as rush  # noqa: E402  (reuses its data set-up)

from madoguchi.devtools.servers import app_env, manage, postgres, redis_server, reference_report  # noqa: E402

N = int(os.environ.get("BENCH_WORKER_N", 300))
WARM = 20
DBS = [d.strip() for d in os.environ.get("BENCH_WORKER_DB", "sqlite").split(",") if d.strip()]
if DBS == ["both"]:
    DBS = ["sqlite", "postgres"]
PHASES = [p.strip() for p in os.environ.get("BENCH_WORKER_PHASES", "submissions,bookings").split(",") if p.strip()]
PROFILE = os.environ.get("BENCH_PROFILE", "")
PROFILE_SORT = os.environ.get("BENCH_PROFILE_SORT", "tottime")
PROFILE_LINES = int(os.environ.get("BENCH_PROFILE_LINES", 30))

SESSIONS = r"""
from importlib import import_module
from django.conf import settings
from django.contrib.auth import get_user_model, BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
User = get_user_model()
users = User.objects.bulk_create([User(email=f"worker{i}@example.jp", password="!", email_verified=True, family_name="緑野", given_name=f"{i}") for i in range(COUNT)])
Store = import_module(settings.SESSION_ENGINE).SessionStore
keys = []
for u in users:
    st = Store()
    st[SESSION_KEY] = str(u.pk); st[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]; st[HASH_SESSION_KEY] = u.get_session_auth_hash()
    st.create(); keys.append(st.session_key)
"""

SUBMIT = r"""
answers = {"name": "緑野 さくら", "name_kana": "みどりの さくら", "birth_date": "1990-04-01",
    "address": {"postal_code": "100-0001", "address": "東京都千代田区千代田1-1", "building": ""},
    "phone": "03-1234-5678", "email": "bench@example.jp", "reason": "lost", "agree": True}
body = json.dumps({"answers": answers})
def request(i):
    return client.post("/api/applications/procedures/kaigo-saikofu/submissions", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"worker-{i}")
OK = 201
"""

BOOK = r"""
data = DATA
frames = [(u, d, h) for d in data["week"] for h in range(9, 21) for u in data["units"]]
keys = data["sessions"]
def request(i):
    u, d, h = frames[i]
    return client.post("/api/reservations/bookings", json.dumps({"unit_id": u, "date": d, "start": f"{h:02d}:00"}), content_type="application/json")
OK = 201
"""

MEASURE = r"""
import cProfile, io, pstats, threading, time
from django.db import close_old_connections, connection
from django.test import Client
from madoguchi.core import tasks
from madoguchi.core.models import Task
client = Client(HTTP_HOST="127.0.0.1")
from django.db.models import Q
from django.utils import timezone
def open_tasks():  # due or running; delayed work (a throttled refresh) is not this bench's
    return Task.objects.filter(Q(status="running") | Q(status="pending", run_after__lte=timezone.now()))

def make(start, count):
    statuses = {}
    cpu = time.process_time()
    for i in range(start, start + count):
        client.cookies["sessionid"] = keys[i]
        code = request(i).status_code
        statuses[code] = statuses.get(code, 0) + 1
    return time.process_time() - cpu, statuses

def drain(profile):
    # The worker loop of manage.py runworker, in a thread: its own connection, its CPU alone.
    tasks._redis().delete(tasks.REDIS_KEY)  # the backlog is found by the sweep, as after a rush
    stop, result = threading.Event(), {}
    def run():
        queries = [0]
        def count(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)
        prof = cProfile.Profile(time.thread_time) if profile else None
        cpu = time.thread_time()
        with connection.execute_wrapper(count):
            if prof:
                prof.enable()
            tasks.work_forever(stop, poll=0.2, periodic_every=3600)
            if prof:
                prof.disable()
        result.update(cpu=time.thread_time() - cpu, queries=queries[0], prof=prof)
        connection.close()
    before = open_tasks().count()
    thread = threading.Thread(target=run)
    wall = time.perf_counter()
    thread.start()
    while open_tasks().count():
        time.sleep(0.05)
    wall = time.perf_counter() - wall
    stop.set()
    thread.join()
    result.update(items=before, wall=wall)
    return result

make(0, WARM)
drain(False)  # warm-up: imports, compiled templates, the periodic tasks of the first loop
cpu, statuses = make(WARM, N)
r = drain(False)
items = max(r["items"], 1)
print(f"  {PHASE:12s} requests {1000 * cpu / N:6.2f} ms CPU each {statuses}   worker {1000 * r['cpu'] / items:6.2f} ms CPU per task, {r['queries'] / items:5.2f} SQL statements per task ({r['items']} tasks)")
failed = Task.objects.exclude(last_error="")
if failed.exists():
    print(f"  {PHASE:12s} {failed.count()} tasks failed: " + repr(list(failed.values_list("name", "last_error")[:2])))
if PROFILE:
    # Profile a second batch (the profiler's own cost inflates every figure above).
    make(WARM + N, N)
    p = drain(True)["prof"]
    out = io.StringIO()
    pstats.Stats(p, stream=out).sort_stats(PROFILE_SORT).print_stats(PROFILE_LINES)
    print("\n".join("  | " + line for line in out.getvalue().splitlines() if line.strip()))
"""


def _head(phase: str) -> str:
    return f"import json\nN={N}\nWARM={WARM}\nPHASE={phase!r}\nPROFILE={bool(PROFILE)!r}\nPROFILE_SORT={PROFILE_SORT!r}\nPROFILE_LINES={PROFILE_LINES}\n"


def _phase(env: dict, phase: str) -> list[str]:
    count = WARM + N * (2 if PROFILE else 1)
    manage(env, "migrate", "--no-input")
    manage(env, "createcachetable")
    if phase == "submissions":
        manage(env, "load_demo")
        code = _head(phase) + SESSIONS.replace("COUNT", str(count)) + SUBMIT + MEASURE
    else:
        data = rush._shell(env, f"CLIENTS={count}\n" + rush.SETUP)
        if len(data["units"]) * len(data["week"]) * 12 < count:
            raise SystemExit(f"bookings: {count} frames needed, the set-up has fewer")
        code = _head(phase) + BOOK.replace("DATA", json.dumps(data)) + MEASURE
    out = manage(env, "shell", "-c", code, check=False)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return [line for line in out.stdout.splitlines() if line.startswith("  ")]


def _env(db_url: str, redis_url: str) -> dict:
    return app_env(
        db_url,
        redis_url,
        DB_CONN_MAX_AGE="60",
        LOG_LEVEL="ERROR",
        ALLOW_SQLITE_IN_PRODUCTION="1",
        LOGIN_RATE_LIMIT="100000",
        EMAIL_BACKEND=os.environ.get("BENCH_WORKER_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"),
    )


def main() -> None:
    print(f"task worker CPU per item, in-process ({N} items per phase after {WARM} warm-up; worker loop in a thread, thread CPU)")
    for db in DBS:
        print("SQLite" if db == "sqlite" else "PostgreSQL (durable)")
        for phase in PHASES:
            # A fresh database and Redis per phase: the cache holds host → city lookups.
            with redis_server() as redis_url:
                if db == "sqlite":
                    with tempfile.TemporaryDirectory(prefix="madoguchi-worker-") as tmp:
                        print("\n".join(_phase(_env(f"sqlite:///{tmp}/db.sqlite3", redis_url), phase)))
                else:
                    with postgres(durable=True) as db_url:
                        print("\n".join(_phase(_env(db_url, redis_url), phase)))
                        if phase == PHASES[-1]:
                            print(reference_report(db_url))


if __name__ == "__main__":
    main()
