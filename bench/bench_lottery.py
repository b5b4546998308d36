"""Lottery draw: 50,000 applications × 3 wishes over 5,000 frames (target: under 10 s).

1. The pure draw used in production (madoguchi.reservations.lottery) on generated inputs with
   a popularity skew (evenings are wanted more), plus the inputs digest and seed derivation.
2. The whole draw as the periodic task runs it (``services.run_lottery``) on PostgreSQL: read
   the 150,000 wishes, derive the seed, draw, store the result and create the winners'
   bookings awaiting 本予約 (the result emails go to a task). Skip with BENCH_LOTTERY_DB=0.
   PostgreSQL runs durable (fsync, synchronous_commit, full_page_writes on); a pgbench TPC-B
   reference of the same cluster is printed with the figures. Smaller: BENCH_APPLICATIONS.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from madoguchi.reservations.lottery import commitment, derive_seed, draw, inputs_digest  # noqa: E402

APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", 50_000))
WISHES = 3
FRAMES = 5_000


def main() -> None:
    rng = random.Random(20270601)
    frames = [f"{u}/2027-08-{d:02d}/{h:02d}:00" for u in range(1, 18) for d in range(1, 32) for h in range(9, 19)][:FRAMES]
    weights = [3.0 if f.endswith(("17:00", "18:00")) else 1.0 for f in frames]
    applications = []
    for i in range(APPLICATIONS):
        wishes = []
        while len(wishes) < WISHES:
            f = rng.choices(frames, weights)[0]
            if f not in wishes:
                wishes.append(f)
        applications.append((str(100000 + i), wishes))
    secret = "bench-secret"
    t0 = time.perf_counter()
    digest = inputs_digest(applications, frames)
    seed = derive_seed(secret, digest)
    t1 = time.perf_counter()
    winners = draw(seed, applications, frames, max_wins=1)
    t2 = time.perf_counter()
    again = draw(seed, list(reversed(applications)), frames, max_wins=1)
    print(f"lottery: {APPLICATIONS:,} applications × {WISHES} wishes over {len(frames):,} frames")
    print(f"  seed commitment   {commitment(secret)[:16]}…  draw seed {seed[:16]}…")
    print(f"  inputs digest     {t1 - t0:6.2f} s")
    print(f"  draw              {t2 - t1:6.2f} s   (target < 10 s)")
    print(f"  total             {t2 - t0:6.2f} s")
    print(f"  frames won        {len(winners):,} / {len(frames):,}; distinct winners {len(set(winners.values())):,}")
    print(f"  reproducible      {'yes' if again == winners else 'NO'} (re-run with input order reversed)")
    if os.environ.get("BENCH_LOTTERY_DB", "1") != "0":
        db_draw()


DB_SETUP = r"""
import datetime as dt, json, random, time
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from madoguchi.core.models import Municipality, Section
from madoguchi.reservations.models import *
from madoguchi.reservations import services
m = Municipality.objects.create(name="ベンチ市", code="139998", is_default=True)
s = Section.objects.create(municipality=m, name="生涯学習スポーツ課")
f = Facility.objects.create(municipality=m, section=s, code="L001", name="抽選ベンチ体育館", closes_year_end=False)
for wd in range(7):
    OpeningHours.objects.create(facility=f, weekday=wd, opens=dt.time(8), closes=dt.time(18))
units = [Unit.objects.create(facility=f, name=f"コート{i+1}", frame_mode="hourly") for i in range(17)]
for u in units:
    Fee.objects.create(unit=u, category="resident", amount=600)
# 16 courts x 31 days x 10 hours + 4 days of the 17th court = 5,000 frames
ClosedPeriod.objects.create(facility=f, unit=units[-1], start=dt.date(2027, 8, 5), end=dt.date(2027, 8, 31), reason="改修")
now = timezone.now()
lot = Lottery.objects.create(facility=f, month=dt.date(2027, 8, 1), opens_at=now - dt.timedelta(days=2), closes_at=now - dt.timedelta(days=1), draw_at=now)
frames = services.lottery_frames(lot)
rng = random.Random(20270601)
weights = [3.0 if k.endswith(("16:00", "17:00")) else 1.0 for k in frames]
User = get_user_model()
users = User.objects.bulk_create([User(email=f"l{i}@example.jp", password="!") for i in range(APPLICATIONS)], batch_size=5000)
apps = LotteryApplication.objects.bulk_create([LotteryApplication(lottery=lot, user=u) for u in users], batch_size=5000)
wishes = []
for a in apps:
    chosen = []
    while len(chosen) < 3:
        k = rng.choices(frames, weights)[0]
        if k not in chosen:
            chosen.append(k)
    for rank, k in enumerate(chosen, 1):
        unit_id, day, start = k.split("/")
        h = int(start[:2])
        wishes.append(LotteryWish(application=a, rank=rank, unit_id=int(unit_id), date=dt.date.fromisoformat(day), start=dt.time(h), end=dt.time(h + 1)))
LotteryWish.objects.bulk_create(wishes, batch_size=10000)
with connection.cursor() as c:
    c.execute("ANALYZE")
print("BENCH" + json.dumps({"frames": len(frames), "applications": len(apps), "wishes": len(wishes)}))
"""

# The draw in a process of its own, as the worker runs it (its periodic task): not in the set-up's
# process, which holds a million objects (users, wishes) that no worker holds and that every full
# garbage collection during the draw walked. Start-up's objects are frozen, as runworker does.
DB_DRAW = r"""
import gc, json, time
from madoguchi.reservations import services
from madoguchi.reservations.models import Booking, Lottery
gc.freeze()
t0 = time.perf_counter()
services.draw_due_lotteries()
t1 = time.perf_counter()
lot = Lottery.objects.get()
won = Booking.objects.filter(status="won").count()
print("BENCH" + json.dumps({"seconds": t1 - t0, "won": won, "winners": len(lot.result.get("winners", {}))}))
"""


def db_draw() -> None:
    from madoguchi.devtools.servers import app_env, manage, postgres, redis_server, reference_report

    # Tasks go to Redis for workers, as in production, and no worker runs: with the default
    # embedded worker, a task queued while the set-up ran (a calendar or catalogue refresh) woke
    # a thread whose periodic run drew the lottery before the timed call did (0.00 s, 0 won).
    with postgres(durable=True) as db_url, redis_server() as redis_url:
        ref = reference_report(db_url)
        env = app_env(db_url, redis_url, LOG_LEVEL="ERROR")
        manage(env, "migrate", "--no-input")
        out = manage(env, "shell", "-c", f"APPLICATIONS={APPLICATIONS}\n" + DB_SETUP)
        data = json.loads(next(x for x in out.stdout.splitlines() if x.startswith("BENCH"))[5:])
        out = manage(env, "shell", "-c", DB_DRAW)
        data.update(json.loads(next(x for x in out.stdout.splitlines() if x.startswith("BENCH"))[5:]))
    print("lottery on PostgreSQL (services.run_lottery via the periodic task's entry point):")
    print(f"  {data['applications']:,} applications, {data['wishes']:,} wishes, {data['frames']:,} frames")
    print(f"  draw + store + winners' bookings  {data['seconds']:6.2f} s   (target < 10 s)")
    print(f"  bookings awaiting 本予約          {data['won']:,} (= frames won {data['winners']:,})")
    if not data["winners"]:
        print("  NOT MEASURED: nothing was drawn by the timed call (drawn before it?)")
    print(ref)


if __name__ == "__main__":
    main()
