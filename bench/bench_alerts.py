"""Alerts benchmark: N email + N Web Push subscribers (default 100,000 each), one emergency
notice, the normal scale-out setup (PostgreSQL + Redis + runworker processes), a local aiosmtpd
and a local push receiver (each in its own process) that checks the VAPID JWT and the aes128gcm
framing. Prints messages/s per channel and the total time; exits 1 if not every subscriber got
a message within BENCH_ALERTS_TIMEOUT seconds. PostgreSQL runs durable (fsync, synchronous_commit,
full_page_writes on) and a pgbench TPC-B reference of the same cluster is printed with the figures.

    .venv/bin/python bench/bench_alerts.py   # BENCH_ALERTS_N=100000 BENCH_ALERTS_WORKERS=4
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from madoguchi.devtools.servers import app_env, free_port, manage, postgres, redis_server, reference_report, worker  # noqa: E402

N = int(os.environ.get("BENCH_ALERTS_N", "100000"))
WORKERS = int(os.environ.get("BENCH_ALERTS_WORKERS", "4"))
# delivery tasks per channel; as many as workers, so a worker freed by one channel helps the other
PARALLELISM = int(os.environ.get("BENCH_ALERTS_PARALLELISM", str(WORKERS)))
TIMEOUT = int(os.environ.get("BENCH_ALERTS_TIMEOUT", "900"))
PIPELINING = os.environ.get("BENCH_ALERTS_SMTP_PIPELINING", "1") == "1"


class Counter:
    """Shared with the receiver processes: messages accepted, distinct recipients (a flag per
    bench subscriber number), time of the last."""

    def __init__(self, n: int):
        self._lock = mp.Lock()
        self._n = mp.Value("q", 0, lock=False)
        self._unique = mp.Value("q", 0, lock=False)
        self._last = mp.Value("d", 0.0, lock=False)
        self._seen = mp.Array("b", n, lock=False)

    def hit(self, number: int) -> None:
        with self._lock:
            self._n.value += 1
            if 0 <= number < len(self._seen) and not self._seen[number]:
                self._seen[number] = 1
                self._unique.value += 1
            self._last.value = time.monotonic()

    @property
    def n(self) -> int:
        return self._n.value

    @property
    def unique(self) -> int:
        return self._unique.value

    @property
    def last(self) -> float | None:
        return self._last.value or None


def _smtp_main(counter: Counter, port: int, ready) -> None:
    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            # Offer PIPELINING (RFC 2920) as production MTAs (Postfix, Exim, Exchange) do;
            # aiosmtpd reads and answers buffered commands in order, which is all it requires.
            session.host_name = hostname
            return [*responses[:-1], "250-PIPELINING", responses[-1]] if PIPELINING else responses

        async def handle_DATA(self, server, session, envelope):
            rcpt = envelope.rcpt_tos[0]
            if rcpt.endswith("@bench.example"):  # not the demo resident
                counter.hit(int(rcpt[1 : rcpt.index("@")]))
            return "250 OK"

    import asyncio

    from aiosmtpd.smtp import SMTP

    async def serve():
        # Several receiver processes on one port (SO_REUSEPORT), like a real MTA's smtpd processes.
        server = await asyncio.get_running_loop().create_server(lambda: SMTP(Handler(), hostname="bench.example"), "127.0.0.1", port, reuse_port=True)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def smtp_receiver(counter: Counter, processes: int = 2):
    """aiosmtpd in processes of its own, so that receiving competes for the CPU like an MTA
    would rather than sharing one process's GIL and scheduler share with the bench."""
    port = free_port()
    procs = []
    for _ in range(processes):
        ready = mp.Event()
        proc = mp.Process(target=_smtp_main, args=(counter, port, ready), daemon=True)
        proc.start()
        if not ready.wait(90):
            raise SystemExit("the SMTP receiver did not start (machine too busy?)")
        procs.append(proc)
    return procs, port


def _vapid_ok(auth: str, audience: str, cache: dict) -> bool:
    """RFC 8292 check of ``vapid t=<JWT>, k=<key>``: ES256 signature by k, aud, exp. The JWT is
    the same for many messages, so each distinct header is verified once."""
    if auth in cache:
        return cache[auth]
    import base64
    import json

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    def b64(s: str) -> bytes:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

    ok = False
    try:
        params = dict(p.strip().split("=", 1) for p in auth[len("vapid ") :].split(","))
        head, claims, sig = params["t"].split(".")
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64(params["k"]))
        raw = b64(sig)
        der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        body = json.loads(b64(claims))
        ok = body.get("aud") == audience and body.get("exp", 0) > time.time() and str(body.get("sub", "")).startswith(("mailto:", "https:"))
    except (ValueError, KeyError, InvalidSignature):
        ok = False
    cache[auth] = ok
    return ok


def _push_main(counter: Counter, port: int, ready) -> None:
    """A minimal HTTP/1.1 push service on asyncio (keep-alive): checks what a push service
    checks before accepting — a valid VAPID JWT for its origin, aes128gcm, a TTL, a body of
    at least one record header — and answers 201."""
    import asyncio

    audience = f"http://127.0.0.1:{port}"
    verified: dict = {}

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                ok = (
                    headers.get("content-encoding") == "aes128gcm"
                    and "ttl" in headers
                    and len(body) > 86
                    and _vapid_ok(headers.get("authorization", ""), audience, verified)
                )
                if ok:
                    counter.hit(int(path.rsplit("/", 1)[1]))
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n" if ok else b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def push_receiver(counter: Counter):
    port = free_port()
    ready = mp.Event()
    proc = mp.Process(target=_push_main, args=(counter, port, ready), daemon=True)
    proc.start()
    ready.wait(30)
    return proc, f"http://127.0.0.1:{port}"


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
import time
from django.urls import get_resolver
get_resolver().reverse_dict  # loaded, as in the running app process whose request this stands for
print("REQUESTED_AT", time.monotonic(), flush=True)  # CLOCK_MONOTONIC: the same clock as the bench's
with transaction.atomic():
    n = Notice.objects.create(municipality=m, section=Section.objects.get(municipality=m, name="防災安全課"), topic=Topic.objects.get(municipality=m, slug="bousai"),
        severity="Extreme", title="避難指示（ベンチマーク）", body="川辺町に避難指示を発令しました。直ちに避難してください。", channels=["email", "webpush"], all_areas=True, created_by=admin)
    services.request_send(n, admin)
print(n.pk)
"""


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its children so far (Linux /proc), for the CPU split."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu(db_url: str) -> float:
    """CPU of this benchmark's cluster only: its postmaster (found by port) and its children."""
    port = db_url.rsplit(":", 1)[1].split("/")[0]
    procs = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ")
                ppid = int(next(x for x in (d / "status").read_text().splitlines() if x.startswith("PPid:")).split()[1])
            except (OSError, StopIteration, ValueError):
                continue
            procs[int(d.name)] = (cmd, ppid)
    master = [pid for pid, (cmd, _) in procs.items() if b"postgres" in cmd and f"-p {port}".encode() in cmd]
    return sum(_cpu_seconds(pid) for pid, (_, ppid) in procs.items() if pid in master or ppid in master)


def main() -> int:
    from py_vapid import Vapid02

    v = Vapid02()
    v.generate_keys()
    email_count, push_count = Counter(N), Counter(N)
    smtps, smtp_port = smtp_receiver(email_count, int(os.environ.get("BENCH_ALERTS_SMTP_PROCESSES", "2")))
    push, push_url = push_receiver(push_count)
    try:
        with postgres(durable=True) as db_url, redis_server() as redis_url:
            ref = reference_report(db_url)
            pg_cpu0 = _postgres_cpu(db_url)  # leave pgbench's backends out of the cluster's CPU
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
                ALERTS_PARALLELISM=str(PARALLELISM),
                # the push service is on loopback: no network latency for threads to hide
                ALERTS_PUSH_THREADS=os.environ.get("ALERTS_PUSH_THREADS", "2"),
            )
            manage(env, "migrate", "--noinput")
            manage(env, "createcachetable")
            t = time.monotonic()
            out = manage(env, "shell", "-c", SETUP.replace("sys.argv[1]", repr(str(N))).replace("sys.argv[2]", repr(push_url)))
            print(f"setup: {out.stdout.split()[-1]} subscriptions in {time.monotonic() - t:.1f}s", flush=True)
            from contextlib import ExitStack

            with ExitStack() as stack:
                procs = [stack.enter_context(worker(env)) for _ in range(WORKERS)]
                cpu0 = {"workers": sum(_cpu_seconds(p.pid) for p in procs), "smtp": sum(_cpu_seconds(p.pid) for p in smtps), "push": _cpu_seconds(push.pid)}
                launched = time.monotonic()
                sent = manage(env, "shell", "-c", SEND)
                # The clock starts when staff's send is requested, not when the ``manage.py shell``
                # that stands in for the app's request process starts: its Django set-up (every
                # app's modules, the URLconf: 0.6-1.2 s of CPU) is not part of delivering a notice,
                # and in production the send is a request to an app process already running.
                start = next((float(line.split()[1]) for line in sent.stdout.splitlines() if line.startswith("REQUESTED_AT")), launched)
                deadline = start + TIMEOUT
                next_report = start + 30
                while time.monotonic() < deadline and (email_count.unique < N or push_count.unique < N):
                    time.sleep(0.2)
                    if time.monotonic() > next_report:
                        print(f"  {time.monotonic() - start:.0f}s: email {email_count.unique}, push {push_count.unique}", flush=True)
                        next_report += 30
                end = time.monotonic()
                cpu = {
                    "workers": sum(_cpu_seconds(p.pid) for p in procs) - cpu0["workers"],
                    "postgres": _postgres_cpu(db_url) - pg_cpu0,
                    "aiosmtpd": sum(_cpu_seconds(p.pid) for p in smtps) - cpu0["smtp"],
                    "push receiver": _cpu_seconds(push.pid) - cpu0["push"],
                }
    finally:
        for p in [*smtps, push]:
            p.kill()
    total = end - start
    print(
        f"workers: {WORKERS} runworker processes, {PARALLELISM} delivery tasks per channel, N={N} per channel, SMTP PIPELINING {'on' if PIPELINING else 'off'}"
    )
    for name, c in (("email", email_count), ("push ", push_count)):
        t_ch = (c.last or end) - start
        dup = c.n - c.unique
        print(f"{name}: {c.unique}/{N} in {t_ch:.1f}s = {c.unique / max(t_ch, 1e-9):.0f} msg/s" + (f" ({dup} duplicates)" if dup else ""))
    print("CPU seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items()) + f" (wall {total:.0f}s x {os.cpu_count()} cores)")
    delivered = email_count.unique + push_count.unique
    print(f"total: {delivered}/{2 * N} in {total:.1f}s = {delivered / max(total, 1e-9):.0f} msg/s; target 200,000 in < 300 s")
    print(ref, flush=True)
    if delivered < 2 * N:
        print(f"FAILED: {2 * N - delivered} messages did not arrive within {TIMEOUT}s (BENCH_ALERTS_TIMEOUT)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
