"""Submission benchmark (issue: online applications).

The app under gunicorn with PostgreSQL (production settings, Redis cache/queue and a worker, as
a city would run it). N concurrent clients, each signed in as its own resident, repeatedly load a
form definition and submit an application through the API. Prints submissions/s, p50/p99 latency
of the submit request and the error count.

    python bench/bench_submissions.py [--clients 50] [--seconds 20] [--workers 4] [--threads 4]
Target (2-core machine): >= 150 submissions/s, p99 < 500 ms at 50 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time

import httpx

from madoguchi.devtools import servers

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
PROCEDURE = "kaigo-saikofu"
PASSWORD = "bench-password-2026"

CREATE_USERS = """
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
User = get_user_model()
hashed = make_password({password!r})
User.objects.bulk_create([User(email=f"bench{{i}}@example.jp", password=hashed, email_verified=True, family_name="緑野", given_name=f"{{i}}") for i in range({n})], ignore_conflicts=True)
"""


async def sign_in(client: httpx.AsyncClient, base: str, email: str) -> None:
    page = await client.get(base + "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = await client.post(base + "/accounts/login/", data={"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD}, headers={"Referer": base + "/"})
    if response.status_code != 302:
        raise SystemExit(f"login failed for {email}: {response.status_code}")


async def run_client(client: httpx.AsyncClient, i: int, base: str, form_id: int, stop_at: float, latencies: list, errors: list, refused: list) -> None:
    if True:
        csrf = client.cookies.get("csrftoken")
        n = 0
        while time.monotonic() < stop_at:
            await client.get(f"{base}/api/forms/{form_id}")
            n += 1
            started = time.perf_counter()
            try:
                response = await client.post(
                    f"{base}/api/applications/procedures/{PROCEDURE}/submissions",
                    json={"answers": ANSWERS},
                    headers={"X-CSRFToken": csrf, "Referer": base + "/", "Idempotency-Key": f"bench-{i}-{n}"},
                )
            except httpx.HTTPError as exc:
                errors.append(repr(exc))
                continue
            elapsed = time.perf_counter() - started
            if response.status_code == 201:
                latencies.append(elapsed)
            elif response.status_code >= 500:
                errors.append(response.status_code)
            else:
                refused.append(response.status_code)


async def main(args) -> None:
    with servers.postgres() as db, servers.redis_server() as redis_url:
        env = servers.app_env(db, redis_url, EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend", LOGIN_RATE_LIMIT="100000")
        for cmd in (["migrate", "--noinput"], ["createcachetable"], ["load_demo"], ["shell", "-c", CREATE_USERS.format(password=PASSWORD, n=args.clients)]):
            servers.manage(env, *cmd)
        with servers.gunicorn(env, workers=args.workers, threads=args.threads) as base, servers.worker(env):
            detail = httpx.get(f"{base}/api/applications/procedures/{PROCEDURE}").json()
            form_id = detail["form_id"]
            latencies: list[float] = []
            errors: list = []
            refused: list = []
            # Sign in first, a few at a time (Argon2 is deliberately slow); only submissions are timed.
            clients = [httpx.AsyncClient(timeout=60) for _ in range(args.clients)]
            for start in range(0, args.clients, 4):
                await asyncio.gather(*(sign_in(clients[i], base, f"bench{i}@example.jp") for i in range(start, min(start + 4, args.clients))))
            stop_at = time.monotonic() + args.seconds
            started = time.monotonic()
            await asyncio.gather(*(run_client(clients[i], i, base, form_id, stop_at, latencies, errors, refused) for i in range(args.clients)))
            elapsed = time.monotonic() - started
            for client in clients:
                await client.aclose()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 2 else [0] * 99
    print(f"clients={args.clients} gunicorn workers={args.workers}x{args.threads} threads, {elapsed:.1f} s ")
    print(f"submissions: {len(latencies)}  -> {len(latencies) / elapsed:.1f} submissions/s")
    print(f"latency of submit: p50={q[49] * 1000:.0f} ms  p99={q[98] * 1000:.0f} ms")
    print(f"errors (5xx or network): {len(errors)}  refused (4xx): {len(refused)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
