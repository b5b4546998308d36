"""共同運営: many cities on one deployment (issue #10). 60 cities with realistic data on one durable
PostgreSQL (each its host name cityNN.localhost, 部・課, staff, residents, procedures with
published forms, facilities with units, alert subscribers), the app under gunicorn connecting as
a role bound by row-level security, Redis and a task worker. Three runs in one process:

  (a) baseline: the whole load on one city: submitters (form load + timed submission, as in
      bench_submissions.py) and calendar readers (GET /api/reservations/units/{id}/availability);
  (b) the same load spread over every city (each client moves on to the next city after each
      request): per-city p99 of both paths, min / median / max over the cities;
  (c) noisy neighbour: city01's opening rush (signed-in clients reading the calendar and booking,
      as in bench_reservations.py) while the other cities keep the load of (b): their p99 against
      their own p99 in (b).

(d) the noisy-neighbour run again on a gunicorn with the per-city request limit on
(TENANCY_CITY_REQUESTS_PER_SECOND=BENCH_CITY_LIMIT, default 40; 0 skips it): (c) shows what one
city's rush costs the others (their p99 against (b)); with the limit city01 gets 503s above its
share and the others' p99 should stay near (b). PostgreSQL runs durable; a pgbench TPC-B reference of the same cluster is printed.

Sizes: BENCH_CITIES (60), BENCH_CITY_SECONDS per run (20), BENCH_CITY_SUBMITTERS (30),
BENCH_CITY_READERS (30), BENCH_RUSH_CLIENTS (200), BENCH_CITY_RESIDENTS per city (10),
BENCH_CITY_SUBSCRIBERS per city (200), BENCH_CITY_LIMIT (40), BENCH_WORKERS/BENCH_THREADS (3/3). A quick run:

    BENCH_CITIES=6 BENCH_CITY_SECONDS=4 BENCH_CITY_SUBMITTERS=6 BENCH_CITY_READERS=6 BENCH_RUSH_CLIENTS=20 \\
    BENCH_PGBENCH_SECONDS=3 scripts/bench.sh cities
"""

from __future__ import annotations

import asyncio
import collections
import json
import math
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from madoguchi.devtools import servers  # noqa: E402
from madoguchi.devtools.loadgen import SERVER_ROLES, Conn, cpu_by_role  # noqa: E402

CITIES = int(os.environ.get("BENCH_CITIES", 60))
SECONDS = float(os.environ.get("BENCH_CITY_SECONDS", 20))
SUBMITTERS = int(os.environ.get("BENCH_CITY_SUBMITTERS", 30))
READERS = int(os.environ.get("BENCH_CITY_READERS", 30))
RUSH = int(os.environ.get("BENCH_RUSH_CLIENTS", 200))
RESIDENTS = int(os.environ.get("BENCH_CITY_RESIDENTS", 10))
SUBSCRIBERS = int(os.environ.get("BENCH_CITY_SUBSCRIBERS", 200))
WORKERS = int(os.environ.get("BENCH_WORKERS", 3))
THREADS = int(os.environ.get("BENCH_THREADS", 3))
WORKER_NICE = int(os.environ.get("BENCH_WORKER_NICE", 10))
# (d): the noisy-neighbour run again with the per-city request limit on (requests/s per city,
# TENANCY_CITY_REQUESTS_PER_SECOND); 0 skips it.
CITY_LIMIT = int(os.environ.get("BENCH_CITY_LIMIT", 40))

# The answers of the demo's 介護保険被保険者証の再交付 form (as bench_submissions.py).
ANSWERS = {
    "name": "緑野 さくら",
    "name_kana": "みどりの さくら",
    "birth_date": "1990-04-01",
    "address": {"postal_code": "100-0001", "address": "東京都千代田区千代田1-1", "building": ""},
    "phone": "03-1234-5678",
    "email": "bench@example.jp",
    "reason": "lost",
    "agree": True,
}
SUBMITTED = "kaigo-saikofu"

# Builds the cities from the demo city みどり野市 (manage.py load_demo, run first): its 部・課,
# the published forms of three of its procedures and its alert topics and areas are copied into
# every city; facilities, staff, residents (with sessions) and subscribers are created in bulk.
# Rows are stamped with their municipality wherever the model has one (the apps are moving onto
# CityOwned: the same script works before and after).
SETUP = r"""
import datetime as dt, json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import get_user_model, BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils import timezone
from madoguchi.core import tenancy
from madoguchi.core.codes import local_government_check_digit
from madoguchi.core.models import Municipality, MunicipalityDomain, Section, StaffRole
from madoguchi.applications.models import Procedure
from madoguchi.forms.models import FormVersion
from madoguchi.forms.services import create_form
from madoguchi.reservations.models import Facility, Fee, FrameDefinition, OpeningHours, Registration, Unit
from madoguchi.alerts.models import Area, Subscription, Topic

def stamp(objs, city):
    objs = list(objs)
    if objs:
        try:
            objs[0]._meta.get_field("municipality")
        except FieldDoesNotExist:
            return objs
        for o in objs:
            if o.municipality_id is None:
                o.municipality_id = city.pk
    return objs

def bulk(model, objs, city):
    return model.objects.bulk_create(stamp(objs, city))

User = get_user_model()
Store = import_module(settings.SESSION_ENGINE).SessionStore
template = Municipality.objects.get(is_default=True)
t_sections = list(Section.objects.filter(municipality=template).select_related("parent"))
t_procs = sorted(Procedure.objects.filter(municipality=template, form__isnull=False, online=True).select_related("form", "section"), key=lambda p: (p.slug != SUBMITTED, p.order))[:3]
assert t_procs and t_procs[0].slug == SUBMITTED, "load_demo first"
schemas = {p.pk: FormVersion.objects.filter(form=p.form_id, status="published").order_by("-number").first().schema for p in t_procs}
t_topics = list(Topic.objects.filter(municipality=template))
t_areas = list(Area.objects.filter(municipality=template))
# gunicorn's readiness probe (/healthz) comes on 127.0.0.1: under TENANCY_STRICT_HOSTS an unknown
# host is a 404 even there, so the demo city answers for it (no load goes to it).
MunicipalityDomain.objects.get_or_create(domain="127.0.0.1", defaults={"municipality": template, "is_primary": False})
today = timezone.localdate()
week = [today + dt.timedelta(days=7 + d) for d in range(7)]

def session_for(user):
    st = Store()
    st[SESSION_KEY] = str(user.pk); st[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]; st[HASH_SESSION_KEY] = user.get_session_auth_hash()
    st.create()
    return st.session_key

out = []
with transaction.atomic():
    for n in range(1, CITIES + 1):
        code5 = f"{98000 + n:05d}"
        city = Municipality.objects.create(name=f"ベンチ{n:02d}市", code=code5 + str(local_government_check_digit(code5)), is_fictional=True, is_default=False)
        host = f"city{n:02d}.localhost"
        MunicipalityDomain.objects.create(municipality=city, domain=host, is_primary=True)
        copies = [(tp, Procedure.objects.get(pk=tp.pk)) for tp in t_procs]  # read before the city is active
        with tenancy.using(city):
            depts = {s.name: s for s in bulk(Section, [Section(municipality=city, name=s.name, kind=s.kind) for s in t_sections if s.parent_id is None], city)}
            sections = dict(depts)
            sections.update({s.name: s for s in bulk(Section, [Section(municipality=city, name=s.name, kind=s.kind, name_kana=s.name_kana, location=s.location,
                parent=depts.get(s.parent.name), is_information_policy=s.is_information_policy) for s in t_sections if s.parent_id is not None], city)})
            units_of_section = [s for s in sections.values() if s.kind == Section.Kind.SECTION]
            staff = User.objects.bulk_create([User(email=f"staff{k}@city{n:02d}.example.lg.jp", password="!", is_staff=True, email_verified=True,
                family_name="職員", given_name=str(k)) for k in range(len(units_of_section))])
            bulk(StaffRole, [StaffRole(user=u, section=s, role=StaffRole.Role.CLERK) for u, s in zip(staff, units_of_section)], city)
            residents = User.objects.bulk_create([User(email=f"r{k}@city{n:02d}.example.jp", password="!", email_verified=True, family_name="住民", given_name=str(k))
                for k in range(RESIDENTS + (RUSH if n == 1 else 0))])
            bulk(Registration, [Registration(user=u, municipality=city, is_resident=True, phone="09000000000") for u in residents], city)
            sessions = [session_for(u) for u in residents]
            procs = []
            for tp, p in copies:
                form = create_form(tp.form.name, schemas[tp.pk], section=sections[tp.section.name], allows_my_number=tp.form.allows_my_number, publish=True)
                p.pk = p.id = None; p._state.adding = True
                p.municipality, p.section, p.form, p.slug = city, sections[tp.section.name], form, f"{tp.slug}-c{n:02d}"
                p.save()
                procs.append((p.slug, form.pk))
            sports = sections["生涯学習スポーツ課"]
            gym = Facility.objects.create(municipality=city, section=sports, code=f"B{n:02d}01", name=f"ベンチ{n:02d}市総合体育館", kind="gym",
                booking_window_days=60, max_frames_per_day=2, max_bookings_per_month=8, closes_year_end=False)
            hall = Facility.objects.create(municipality=city, section=sports, code=f"B{n:02d}02", name=f"ベンチ{n:02d}市中央公民館", kind="community",
                booking_window_days=60, closes_year_end=False)
            bulk(OpeningHours, [OpeningHours(facility=f, weekday=wd, opens=dt.time(9), closes=dt.time(21)) for f in (gym, hall) for wd in range(7)], city)
            bulk(FrameDefinition, [FrameDefinition(facility=hall, label=l, start=dt.time(s), end=dt.time(e)) for l, s, e in (("午前", 9, 12), ("午後", 13, 17), ("夜間", 18, 21))], city)
            units = bulk(Unit, [Unit(facility=gym, name=f"コート{i + 1}", frame_mode="hourly", order=i) for i in range(6)]
                + [Unit(facility=hall, name=f"会議室{i + 1}", frame_mode="fixed", order=i) for i in range(3)], city)
            bulk(Fee, [Fee(unit=u, category=c, amount=a) for u in units for c, a in (("resident", 600), ("non_resident", 1200))], city)
            topics = bulk(Topic, [Topic(municipality=city, slug=t.slug, name=t.name, name_easy=t.name_easy, name_en=t.name_en, cap_category=t.cap_category, order=t.order) for t in t_topics], city)
            bulk(Area, [Area(municipality=city, name=a.name, name_kana=a.name_kana, name_en=a.name_en, order=a.order) for a in t_areas], city)
            subs = bulk(Subscription, [Subscription(municipality=city, channel="email", address=f"s{k}@city{n:02d}.example.jp", status="active") for k in range(SUBSCRIBERS)], city)
            through = Subscription.topics.through
            bulk(through, [through(subscription_id=s.pk, topic_id=topics[(k + j) % len(topics)].pk) for k, s in enumerate(subs) for j in range(2)], city)
        out.append({"host": host, "slug": procs[0][0], "form": procs[0][1], "units": [u.pk for u in units if u.frame_mode == "hourly"], "all_units": [u.pk for u in units],
                    "sessions": sessions[:RESIDENTS], "rush": sessions[RESIDENTS:]})
print("BENCH" + json.dumps({"cities": out, "week": [d.isoformat() for d in week], "month": [week[0].year, week[0].month]}))
"""

COUNTS = r"""
import json
from django.apps import apps
from madoguchi.core.models import Municipality
rows = {label: apps.get_model(label).objects.count() for label in ("core.Section", "core.StaffRole", "accounts.User", "applications.Procedure", "forms.Form",
        "reservations.Facility", "reservations.Unit", "alerts.Subscription", "applications.Submission", "reservations.Booking")}
print("BENCH" + json.dumps({"cities": Municipality.objects.count(), **rows}))
"""

RLS = (
    "SELECT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'madoguchi_app'), "
    "(SELECT count(*) FROM pg_class WHERE relforcerowsecurity AND relkind = 'r')"
)


def _shell(env, code: str) -> dict:
    out = servers.manage(env, "shell", "-c", code, check=False)
    if out.returncode:
        raise SystemExit(f"manage.py shell failed:\n{out.stderr[-4000:]}")
    return json.loads(next(x for x in out.stdout.splitlines() if x.startswith("BENCH"))[5:])


def _headers(session: str) -> str:
    csrf = secrets.token_hex(16)
    return f"Content-Type: application/json\r\nX-CSRFToken: {csrf}\r\nCookie: sessionid={session}; csrftoken={csrf}\r\n"


class Run:
    """Samples of one run: (path, city index) → latencies; statuses per path."""

    def __init__(self):
        self.latency = collections.defaultdict(list)
        self.status = collections.defaultdict(collections.Counter)
        self.elapsed = 0.0

    def add(self, path: str, city: int, status: int, seconds: float) -> None:
        self.status[path][status] += 1
        if status in (200, 201) or (path == "book" and status in (400, 409)):  # a refused booking is an answer too
            self.latency[path, city].append(seconds)


async def _timed(run: Run, path: str, city: int, call) -> int:
    t0 = time.perf_counter()
    try:
        status, _ = await call
    except (OSError, asyncio.IncompleteReadError) as exc:
        status = 0
        run.status[path][type(exc).__name__] += 1
    run.add(path, city, status, time.perf_counter() - t0)
    return status


async def submitter(conn: Conn, i: int, cities: list[int], data: dict, deadline: float, run: Run) -> None:
    body = json.dumps({"answers": ANSWERS}).encode()
    k = 0
    while time.monotonic() < deadline:
        c = cities[(i + k) % len(cities)]
        city = data["cities"][c]
        headers = _headers(city["sessions"][i % len(city["sessions"])])
        k += 1
        try:
            await conn.get(f"/api/forms/{city['form']}", headers, vhost=city["host"])
        except (OSError, asyncio.IncompleteReadError):
            conn.close()
        await _timed(
            run,
            "submit",
            c,
            conn.post(
                f"/api/applications/procedures/{city['slug']}/submissions",
                body,
                headers + f"Idempotency-Key: b-{i}-{k}-{time.monotonic_ns()}\r\n",
                vhost=city["host"],
            ),
        )
    conn.close()


async def reader(conn: Conn, i: int, cities: list[int], data: dict, deadline: float, run: Run, rng: random.Random) -> None:
    year, month = data["month"]
    k = 0
    while time.monotonic() < deadline:
        c = cities[(i + k) % len(cities)]
        city = data["cities"][c]
        k += 1
        unit = rng.choice(city["all_units"])
        await _timed(run, "calendar", c, conn.get(f"/api/reservations/units/{unit}/availability?year={year}&month={month}", vhost=city["host"]))
    conn.close()


async def rusher(conn: Conn, session: str, data: dict, deadline: float, run: Run, rng: random.Random) -> None:
    """One resident of the rush city: read the calendar, try to book a frame of the week. A 503
    (the per-city limit) is honoured as a person would: wait its Retry-After (1 s), try again."""
    city = data["cities"][0]
    year, month = data["month"]
    headers = _headers(session)
    while time.monotonic() < deadline:
        unit = rng.choice(city["units"])
        status = await _timed(
            run, "rush calendar", 0, conn.get(f"/api/reservations/units/{unit}/availability?year={year}&month={month}", headers, vhost=city["host"])
        )
        if status != 503:
            body = json.dumps({"unit_id": unit, "date": rng.choice(data["week"]), "start": f"{rng.randrange(9, 21):02d}:00"}).encode()
            status = await _timed(run, "book", 0, conn.post("/api/reservations/bookings", body, headers, vhost=city["host"]))
        if status == 503:
            await asyncio.sleep(1)
    conn.close()


async def warm_up(url: str, data: dict) -> None:
    """Every unit's month calendar and the form of every city once, untimed: a fresh gunicorn's
    first requests (imports, connections, the per-process host cache) and the first computation of
    each calendar (then cached until a booking changes it) stay out of the figures. Warming one
    unit per city left (b) computing 8 × 60 cold months that (a) computed 8 times, a difference
    of the benchmark, not of the cities (in service every calendar is read many times a day)."""
    host, port = url.removeprefix("http://").split(":")
    year, month = data["month"]

    async def one(conn: Conn, cities: list[dict]) -> None:
        for city in cities:
            for unit in city["all_units"]:
                await conn.get(f"/api/reservations/units/{unit}/availability?year={year}&month={month}", vhost=city["host"])
            await conn.get(f"/api/forms/{city['form']}", _headers(city["sessions"][0]), vhost=city["host"])
        conn.close()

    lanes = 2 * WORKERS * THREADS
    await asyncio.gather(*(one(Conn(host, int(port)), data["cities"][i::lanes]) for i in range(lanes)))


async def load(url: str, data: dict, cities: list[int], rush: int = 0) -> Run:
    host, port = url.removeprefix("http://").split(":")
    run = Run()
    deadline = time.monotonic() + SECONDS
    jobs = [submitter(Conn(host, int(port)), i, cities, data, deadline, run) for i in range(SUBMITTERS)]
    jobs += [reader(Conn(host, int(port)), i, cities, data, deadline, run, random.Random(i)) for i in range(READERS)]
    jobs += [rusher(Conn(host, int(port)), s, data, deadline, run, random.Random(1000 + j)) for j, s in enumerate(data["cities"][0]["rush"][:rush])]
    t0 = time.perf_counter()
    await asyncio.gather(*jobs)
    run.elapsed = time.perf_counter() - t0
    return run


def p99(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, math.ceil(len(values) * 0.99) - 1)] if values else float("nan")


def ms(x: float) -> str:
    return f"{x * 1000:.0f}" if x == x else "-"


def spread(run: Run, path: str, cities: list[int]) -> tuple[dict[int, float], str]:
    per = {c: p99(run.latency[path, c]) for c in cities if run.latency[path, c]}
    counts = [len(run.latency[path, c]) for c in cities]
    if not per:
        return per, "no samples"
    vals = sorted(per.values())
    return per, (
        f"p99 over {len(per)} cities: min {ms(vals[0])} / median {ms(statistics.median(vals))} / max {ms(vals[-1])} ms"
        f"  ({min(counts)}–{max(counts)} samples per city{'; p99 of so few is the max' if min(counts) < 100 else ''})"
    )


def overall(run: Run, path: str) -> str:
    lat = sorted(x for (p, _), v in run.latency.items() if p == path for x in v)
    if not lat:
        return f"{path}: no samples  statuses {dict(run.status[path])}"
    return (
        f"{path}: {len(lat) / run.elapsed:6.1f}/s  p50 {ms(statistics.median(lat))} ms  p99 {ms(p99(lat))} ms"
        f"  statuses {dict(sorted(run.status[path].items(), key=str))}"
    )


def build(db: str, redis_url: str, residents: int = RESIDENTS, rush: int = RUSH, subscribers: int = SUBSCRIBERS, **extra) -> tuple[dict, dict, float]:
    """The app's environment on the running cluster and Redis, the demo city loaded, and the
    cities built from it: (env, data, seconds the cities took). ``extra``: more app settings."""
    env = servers.app_env(
        db,
        redis_url,
        ALLOWED_HOSTS=".localhost,127.0.0.1",
        TENANCY_STRICT_HOSTS="1",  # a 共同運営: an unknown host is a 404, never the default city
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DB_CONN_MAX_AGE="60",
        LOG_LEVEL="ERROR",  # every refused booking (409) logs a warning
        **extra,
    )
    for cmd in (["migrate", "--noinput"], ["createcachetable"], ["load_demo", "--single"]):
        out = servers.manage(env, *cmd, check=False)
        if out.returncode and "unrecognized arguments" in out.stderr:  # before the demo's second city
            out = servers.manage(env, *cmd[:1], check=False)
        if out.returncode:
            raise SystemExit(f"manage.py {cmd[0]} failed:\n{out.stderr[-4000:]}")
    t0 = time.monotonic()
    consts = f"CITIES={CITIES}\nRESIDENTS={residents}\nRUSH={rush}\nSUBSCRIBERS={subscribers}\nSUBMITTED={SUBMITTED!r}\n"
    data = _shell(env, consts + SETUP)
    return env, data, time.monotonic() - t0


def main() -> None:
    with servers.postgres(durable=True) as db, servers.redis_server() as redis_url:
        ref = servers.reference_report(db)
        env, data, built = build(db, redis_url, GUNICORN_CMD_ARGS="--keep-alive 120 --backlog 2048")
        counts = _shell(env, COUNTS)
        bypass, forced = servers._psql(servers.admin_url(db), RLS)[0].split("|")
        all_cities = list(range(len(data["cities"])))
        others = all_cities[1:]
        d = None
        with servers.worker(env, nice=WORKER_NICE):
            with servers.gunicorn(env, workers=WORKERS, threads=THREADS) as url:
                asyncio.run(warm_up(url, data))
                cpu = [cpu_by_role()]
                a = asyncio.run(load(url, data, [0]))
                cpu.append(cpu_by_role())
                b = asyncio.run(load(url, data, all_cities))
                cpu.append(cpu_by_role())
                c = asyncio.run(load(url, data, others or [0], rush=RUSH))
                cpu.append(cpu_by_role())
            if CITY_LIMIT:
                limited = {**env, "TENANCY_CITY_REQUESTS_PER_SECOND": str(CITY_LIMIT)}
                with servers.gunicorn(limited, workers=WORKERS, threads=THREADS) as url:
                    asyncio.run(warm_up(url, data))
                    d = asyncio.run(load(url, data, others or [0], rush=RUSH))
        after = _shell(env, COUNTS)
    n = len(all_cities)
    print(
        f"{n} cities built from the demo city in {built:.1f} s on one durable PostgreSQL; rows in all (the demo's cities included): {json.dumps(counts, ensure_ascii=False)}"
    )
    print(f"app role madoguchi_app: superuser or BYPASSRLS = {bypass == 't'} (must be False); tables with FORCE ROW LEVEL SECURITY: {forced}")
    print(
        f"load: {SUBMITTERS} submitters (form load + timed submission) + {READERS} calendar readers, {SECONDS:.0f} s per run,"
        f" gunicorn {WORKERS}×{THREADS} threads, Redis, 1 task worker (nice {WORKER_NICE}); latencies of answered requests (2xx; bookings also 400/409)"
    )
    print(f"(a) one city (city01) only, {a.elapsed:.1f} s")
    for path in ("submit", "calendar"):
        print(f"    {overall(a, path)}")
    print(f"(b) the same load spread over {n} cities, {b.elapsed:.1f} s")
    b_per = {}
    for path in ("submit", "calendar"):
        b_per[path], line = spread(b, path, all_cities)
        print(f"    {overall(b, path)}")
        print(f"      per city {line}")

    def neighbour(label: str, run: Run, title: str) -> None:
        print(
            f"{label} {title}: city01's opening rush ({RUSH} signed-in clients: calendar + booking) while the other {len(others)} cities keep the load of (b), {run.elapsed:.1f} s"
        )
        for path in ("book", "rush calendar"):
            print(f"    city01 {overall(run, path)}")
        for path in ("submit", "calendar"):
            per, line = spread(run, path, others)
            print(f"    others {overall(run, path)}")
            print(f"      per city {line}")
            ratios = sorted(per[k] / b_per[path][k] for k in per if b_per[path].get(k))
            if ratios:
                print(f"      each city's p99 here / its p99 in (b): min {ratios[0]:.1f}× / median {statistics.median(ratios):.1f}× / max {ratios[-1]:.1f}×")

    neighbour("(c)", c, "noisy neighbour, no per-city limit")
    if d is not None:
        neighbour("(d)", d, f"the same with the per-city request limit on (TENANCY_CITY_REQUESTS_PER_SECOND={CITY_LIMIT})")
    print(
        "    what shows whether one city's rush starves the rest: the others' p99 ratio to (b) and their rate (/s) against (b)."
        " Without a per-city limit (c) the rush takes what it can; with it (d) city01 gets 503s (Retry-After) above its share"
        " and the others' ratio should fall back towards 1× (BENCH_CITY_LIMIT=0 skips (d))."
    )
    # Where one city and sixty differ: the CPU each server role spent per answered request, per run.
    for label, run, before, after_run in (("(a)", a, cpu[0], cpu[1]), ("(b)", b, cpu[1], cpu[2]), ("(c)", c, cpu[2], cpu[3])):
        total = sum(len(v) for v in run.latency.values())
        per = ", ".join(f"{role} {(after_run[role] - before[role]) / max(total, 1) * 1000:.1f}" for role in SERVER_ROLES)
        print(f"CPU ms per answered request {label}: {per}")
    print(f"after the runs: {after['applications.Submission']} submissions, {after['reservations.Booking']} bookings in the database")
    print(ref)


if __name__ == "__main__":
    main()
