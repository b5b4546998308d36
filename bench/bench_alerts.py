"""Alerts benchmark: N email + N Web Push subscribers (default 100,000 each), one emergency
notice, the normal scale-out setup (PostgreSQL + Redis + runworker processes), a local aiosmtpd
and a local push receiver that accepts real aes128gcm payloads (it skips the VAPID signature
check for speed). Prints messages/s per channel and the total time.

    .venv/bin/python bench/bench_alerts.py            # BENCH_ALERTS_N=100000 BENCH_ALERTS_WORKERS=3
"""

from __future__ import annotations

import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from madoguchi.devtools.servers import app_env, free_port, manage, postgres, redis_server, worker  # noqa: E402

N = int(os.environ.get("BENCH_ALERTS_N", "100000"))
WORKERS = int(os.environ.get("BENCH_ALERTS_WORKERS", "3"))
TIMEOUT = int(os.environ.get("BENCH_ALERTS_TIMEOUT", "900"))


class Counter:
    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()
        self.last = None

    def hit(self):
        with self.lock:
            self.n += 1
            self.last = time.monotonic()


def smtp_receiver(counter: Counter):
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            counter.hit()
            return "250 OK"

    port = free_port()
    c = Controller(Handler(), hostname="127.0.0.1", port=port)
    c.start()
    return c, port


def push_receiver(counter: Counter):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            ok = self.headers.get("Content-Encoding") == "aes128gcm" and self.headers.get("Authorization", "").startswith("vapid ") and len(body) > 86
            if ok:
                counter.hit()
            self.send_response(201 if ok else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


SETUP = r"""
import base64, os, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from madoguchi.core import demo
from madoguchi.alerts import demo as alerts_demo
from madoguchi.alerts.models import Subscription, Topic
n = int(sys.argv[1]); push_url = sys.argv[2]
m = demo.load(); alerts_demo.load(m)
topic = Topic.objects.get(municipality=m, slug="bousai")
key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
p256dh = base64.urlsafe_b64encode(key).rstrip(b"=").decode()
auth = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()
rows = [Subscription(municipality=m, channel="email", address=f"r{i}@bench.example", status="active", token=f"e{i}") for i in range(n)]
rows += [Subscription(municipality=m, channel="webpush", address=f"{push_url}/push/{i}", push_p256dh=p256dh, push_auth=auth, status="active", token=f"p{i}") for i in range(n)]
Subscription.objects.bulk_create(rows, batch_size=5000)
through = Subscription.topics.through
ids = list(Subscription.objects.filter(municipality=m).exclude(address="resident@example.jp").values_list("pk", flat=True))
through.objects.bulk_create([through(subscription_id=i, topic_id=topic.pk) for i in ids], batch_size=10000)
print(len(ids))
"""

SEND = r"""
from django.db import transaction
from madoguchi.core.models import Municipality, Section
from madoguchi.alerts.models import Notice, Topic
from madoguchi.alerts import services
from django.contrib.auth import get_user_model
m = Municipality.current()
admin = get_user_model().objects.get(email__startswith="admin@")
with transaction.atomic():
    n = Notice.objects.create(municipality=m, section=Section.objects.get(municipality=m, name="防災安全課"), topic=Topic.objects.get(municipality=m, slug="bousai"),
        severity="Extreme", title="避難指示（ベンチマーク）", body="川辺町に避難指示を発令しました。直ちに避難してください。", channels=["email", "webpush"], all_areas=True, created_by=admin)
    services.request_send(n, admin)
print(n.pk)
"""


def main() -> None:
    from py_vapid import Vapid02

    v = Vapid02()
    v.generate_keys()
    email_count, push_count = Counter(), Counter()
    smtp, smtp_port = smtp_receiver(email_count)
    push, push_url = push_receiver(push_count)
    with postgres() as db_url, redis_server() as redis_url:
        env = app_env(
            db_url,
            redis_url,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            VAPID_PRIVATE_KEY=v.private_pem().decode(),
            SITE_URL="https://city.example.lg.jp",
            ALERTS_RATE_EMAIL="0",
            ALERTS_RATE_WEBPUSH="0",
            ALERTS_PARALLELISM=str(max(2, WORKERS)),
        )
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
        t = time.monotonic()
        out = manage(env, "shell", "-c", SETUP.replace("sys.argv[1]", repr(str(N))).replace("sys.argv[2]", repr(push_url)))
        print(f"setup: {out.stdout.strip()} subscriptions in {time.monotonic() - t:.1f}s", flush=True)
        from contextlib import ExitStack

        with ExitStack() as stack:
            for _ in range(WORKERS):
                stack.enter_context(worker(env))
            start = time.monotonic()
            manage(env, "shell", "-c", SEND)
            deadline = start + TIMEOUT
            while time.monotonic() < deadline and (email_count.n < N or push_count.n < N):
                time.sleep(1)
            end = time.monotonic()
    smtp.stop()
    push.shutdown()
    total = end - start
    e_t = (email_count.last or end) - start
    p_t = (push_count.last or end) - start
    print(f"email: {email_count.n}/{N} in {e_t:.1f}s = {email_count.n / max(e_t, 1e-9):.0f} msg/s")
    print(f"push : {push_count.n}/{N} in {p_t:.1f}s = {push_count.n / max(p_t, 1e-9):.0f} msg/s")
    print(
        f"total: {email_count.n + push_count.n}/{2 * N} in {total:.1f}s ({WORKERS} workers) target < 300s: {'OK' if total < 300 and email_count.n + push_count.n >= 2 * N else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
