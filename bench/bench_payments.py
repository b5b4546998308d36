"""Payment notifications benchmark (issue #15 item 7).

The app under gunicorn with durable PostgreSQL (production settings, Redis cache), as a city
would run it. ``BENCH_PAYMENTS_N`` (1,000) provider notifications, signed like the demo
provider's webhook (HMAC-SHA256 under the city's secret), are sent to ``/payments/notify/demo/``
all queued at once and sent over ``BENCH_PAYMENTS_CONNECTIONS`` (200) keep-alive connections
(``devtools.loadgen.Conn``: httpx's pool would cap the load generator): 75% first "paid"
notifications for distinct payments, 20% duplicates of those (same event id, as a provider's
retry), 5% out of order (a "processing" event of a payment sent after its "paid").

Prints notifications/s, p50/p99 latency, answers by result, and — from a check query after the
run — double settlements (a payment with more than one transition to 支払済) and lost payments
(a payment sent "paid" that is not 支払済). Both must be 0; printed, never asserted.

    python bench/bench_payments.py [--n 1000] [--connections 200] [--workers 3] [--threads 3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from madoguchi.devtools import servers  # noqa: E402
from madoguchi.devtools.loadgen import Conn  # noqa: E402

SETUP = """
import datetime as dt, json
from django.utils import timezone
from madoguchi.core import tenancy
from madoguchi.core.models import Municipality, Section
from madoguchi.payments import services
from madoguchi.payments.contrib.demo.provider import secret
city = Municipality.objects.get(is_default=True)
with tenancy.using(city, database=True):
    section = Section.objects.filter(municipality=city).first()
    pay_by = timezone.now() + dt.timedelta(days=3)
    rows = []
    for i in range({n}):
        p = services.request_payment(section, f"ベンチ手数料{{i}}", 300 + i % 7 * 100, section, None, pay_by, provider="demo")
        rows.append([p.merchant_reference, p.amount])
print("BENCH", json.dumps({{"secret": secret(city), "payments": rows}}))
"""

CHECK = """
import json
from django.db.models import Count, Q
from madoguchi.core import tenancy
from madoguchi.core.models import Municipality
from madoguchi.payments.models import Payment, PaymentEvent
city = Municipality.objects.get(is_default=True)
refs = json.loads({refs!r})
with tenancy.using(city, database=True):
    settle = PaymentEvent.objects.filter(to_status="paid").exclude(from_status="paid").values("payment_id").annotate(n=Count("id"))
    double = sum(1 for row in settle if row["n"] > 1)
    paid = Payment.objects.filter(merchant_reference__in=refs, status="paid").count()
    print("BENCH", json.dumps({{"double": double, "lost": len(refs) - paid, "events": PaymentEvent.objects.filter(provider="demo").exclude(provider_event_id="").count()}}))
"""


def _bench_line(out: str) -> dict:
    return json.loads(next(line for line in out.splitlines() if line.startswith("BENCH ")).split(" ", 1)[1])


def notifications(payments: list, n: int, seed: int = 15) -> tuple[list[bytes], list[str]]:
    """Bodies in sending order: first "paid" of each payment, 20% duplicates, 5% late "processing"."""
    rng = random.Random(seed)
    distinct = n * 75 // 100
    duplicates = n * 20 // 100
    late = n - distinct - duplicates
    chosen = payments[:distinct]
    paid = [json.dumps({"event_id": f"evt_paid_{ref}", "merchant_reference": ref, "status": "paid", "amount": amount}).encode() for ref, amount in chosen]
    bodies = paid + [rng.choice(paid) for _ in range(duplicates)]
    rng.shuffle(bodies)
    for ref, amount in rng.sample(chosen, late):
        early = json.dumps({"event_id": f"evt_processing_{ref}", "merchant_reference": ref, "status": "processing", "amount": amount}).encode()
        position = next(i for i, b in enumerate(bodies) if json.loads(b)["merchant_reference"] == ref)
        bodies.insert(rng.randint(position + 1, len(bodies)), early)  # after its "paid": out of order
    return bodies, [ref for ref, _ in chosen]


async def connection(conn: Conn, queue: asyncio.Queue, secret: str, latencies: list, results: Counter) -> None:
    """One provider connection: takes the next notification until none is left."""
    while True:
        try:
            body = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        started = time.perf_counter()
        try:
            status, data = await conn.post("/payments/notify/demo/", body, f"X-Demo-Signature: {signature}\r\nContent-Type: application/json\r\n")
        except (OSError, asyncio.IncompleteReadError) as exc:
            results[f"error {type(exc).__name__}"] += 1
            continue
        latencies.append(time.perf_counter() - started)
        try:
            results[f"{status} {json.loads(data).get('result')}"] += 1
        except ValueError:
            results[str(status)] += 1


async def main(args) -> None:
    with servers.postgres(durable=True) as db, servers.redis_server() as redis_url:
        ref = servers.reference_report(db)
        env = servers.app_env(
            db,
            redis_url,
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            DB_CONN_MAX_AGE="60",
            GUNICORN_CMD_ARGS="--keep-alive 120 --backlog 2048",
        )
        for cmd in (["migrate", "--noinput"], ["createcachetable"], ["load_demo", "--single"]):
            servers.manage(env, *cmd)
        setup = _bench_line(servers.manage(env, "shell", "-c", SETUP.format(n=args.n)).stdout)
        bodies, sent_paid = notifications(setup["payments"], args.n)
        with servers.gunicorn(env, workers=args.workers, threads=args.threads) as base:
            host, port = base.removeprefix("http://").split(":")
            latencies: list[float] = []
            results: Counter = Counter()
            queue: asyncio.Queue = asyncio.Queue()
            for body in bodies:
                queue.put_nowait(body)
            conns = [Conn(host, int(port)) for _ in range(args.connections)]
            started = time.monotonic()
            await asyncio.gather(*(connection(c, queue, setup["secret"], latencies, results) for c in conns))
            elapsed = time.monotonic() - started
            for c in conns:
                c.close()
        check = _bench_line(servers.manage(env, "shell", "-c", CHECK.format(refs=json.dumps(sent_paid))).stdout)
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 2 else [0] * 99
    print(
        f"notifications={len(bodies)} (paid {len(sent_paid)}, duplicates {args.n * 20 // 100}, out of order {len(bodies) - len(sent_paid) - args.n * 20 // 100}), connections={args.connections}, gunicorn {args.workers}x{args.threads}, {elapsed:.1f} s"
    )
    print(f"throughput: {len(latencies) / elapsed:.1f} notifications/s")
    print(f"latency: p50={q[49] * 1000:.0f} ms  p99={q[98] * 1000:.0f} ms")
    print("answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(results.items())))
    print(f"double settlements: {check['double']}   lost payments: {check['lost']}   (both must be 0)")
    print(ref)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_PAYMENTS_N", 1000)))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_PAYMENTS_CONNECTIONS", 200)))
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
