"""Throwaway servers on loopback for tests and benchmarks: PostgreSQL (initdb/pg_ctl), Redis,
gunicorn app processes, nginx in front of them (the production proxy) and task workers. Each is a context manager that cleans up after itself.

    with postgres() as db_url, redis_server() as redis_url:
        env = app_env(db_url, redis_url)
        manage(env, "migrate")
        with gunicorn(env) as url_a, gunicorn(env) as url_b, worker(env):
            ...

Benchmarks start PostgreSQL with ``postgres(durable=True)`` (fsync, synchronous_commit and
full_page_writes on, as in production) and print ``reference_report(db_url)``: the settings in effect
and a pgbench TPC-B run on the same cluster, so that figures can be compared across machines.
The test suite keeps the fast, non-durable default.

The URL ``postgres()`` yields is the app's: role ``madoguchi_app``, neither SUPERUSER nor
BYPASSRLS (as scripts/pg.sh and production), owner of database 'madoguchi', so the row-level
security policies of core.tenancy bind it. ``admin_url(db_url)`` is the cluster's superuser
(``madoguchi``) on the same server, for pgbench and ``SHOW data_directory``.

This module only uses the standard library, httpx and the PostgreSQL binaries, never the app's
own modules, so that the benchmark harness can be copied onto an older checkout.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

PROJECT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def has_postgres() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def _pg_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return Path(candidates[-1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


# What "durable" means here: the production defaults that make a commit survive a crash.
DURABILITY_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")


# The cluster's superuser (initdb -U) and the role the app connects as.
ADMIN_ROLE = "madoguchi"
APP_ROLE = "madoguchi_app"


def admin_url(db_url: str) -> str:
    """The same server and database as ``db_url``, as the cluster's superuser (pgbench, SHOW
    data_directory, CREATE DATABASE): never hand it to the app."""
    url = urlsplit(db_url)
    port = f":{url.port}" if url.port else ""
    return url._replace(netloc=f"{ADMIN_ROLE}@{url.hostname}{port}").geturl()


@contextlib.contextmanager
def postgres(max_connections: int = 300, durable: bool = False):
    """Yield the app's URL of a fresh PostgreSQL cluster with database 'madoguchi'.

    The app connects as ``madoguchi_app`` (LOGIN CREATEDB, NOSUPERUSER NOBYPASSRLS, owner of the
    database, so migrations create tables it owns and FORCE ROW LEVEL SECURITY binds it): a
    superuser or BYPASSRLS role would skip every row-level security policy without a word.
    ``admin_url()`` gives the superuser's URL of the same cluster.

    ``durable=False`` (tests) turns fsync, synchronous_commit and full_page_writes off: fast,
    and a crash loses nothing a test cares about. Benchmarks pass ``durable=True``: all three on,
    as a production server runs, so every commit waits for its WAL flush."""
    pg = _pg_bin()
    tmp = Path(tempfile.mkdtemp(prefix="madoguchi-pg-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    port = free_port()
    data = tmp / "data"
    subprocess.run(
        _as_postgres([str(pg / "initdb"), "-D", str(data), "-U", "madoguchi", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
        check=True,
        capture_output=True,
    )
    durability = " ".join(f"-c {name}={'on' if durable else 'off'}" for name in DURABILITY_SETTINGS)
    opts = f"-h 127.0.0.1 -p {port} -k {tmp} {durability} -c max_connections={max_connections} -c shared_buffers=256MB"
    subprocess.run(_as_postgres([str(pg / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "-o", opts, "start"]), check=True, capture_output=True)
    try:
        conn = ["-h", "127.0.0.1", "-p", str(port), "-U", ADMIN_ROLE]
        create_role = f"CREATE ROLE {APP_ROLE} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS"
        subprocess.run([str(pg / "psql"), *conn, "-d", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", create_role], check=True, capture_output=True)
        subprocess.run([str(pg / "createdb"), *conn, "-O", APP_ROLE, "madoguchi"], check=True, capture_output=True)
        yield f"postgres://{APP_ROLE}@127.0.0.1:{port}/madoguchi"
    finally:
        subprocess.run(_as_postgres([str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def _pg_args(db_url: str) -> tuple[list[str], str]:
    """Connection options for the PostgreSQL client binaries, and the database name."""
    url = urlsplit(db_url)
    return ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"], url.path.lstrip("/") or "postgres"


def _psql(db_url: str, *sql: str, database: str | None = None) -> list[str]:
    conn, name = _pg_args(db_url)
    cmd = [str(_pg_bin() / "psql"), *conn, "-d", database or name, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    for statement in sql:
        cmd += ["-c", statement]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()


def pg_settings(db_url: str) -> dict[str, str]:
    """The durability settings actually in effect (SHOW), the server version and the file
    system type of the data directory (fsync on tmpfs would promise nothing)."""
    names = [*DURABILITY_SETTINGS, "server_version", "data_directory"]
    db_url = admin_url(db_url)  # data_directory is shown to superusers (pg_read_all_settings) only
    values = dict(zip(names, _psql(db_url, *(f"SHOW {name}" for name in names)), strict=True))
    fs = subprocess.run(["stat", "-f", "-c", "%T", values["data_directory"]], capture_output=True, text=True)
    values["filesystem"] = fs.stdout.strip() or "unknown"
    return values


def is_durable(settings: dict[str, str]) -> bool:
    return all(settings.get(name) == "on" for name in DURABILITY_SETTINGS)


def pgbench_reference(db_url: str, clients: int = 8, seconds: int = 20, scale: int = 10, threads: int | None = None) -> dict:
    """A pgbench TPC-B run on the cluster of ``db_url``, in a database of its own (created and
    dropped here, so the app's tables are not touched): ``pgbench -i -s scale``, a CHECKPOINT,
    then ``clients`` clients for ``seconds`` s (simple protocol, pgbench's default). Returns
    tps, average latency and what was run, with the cluster's settings. Runs as the cluster's
    superuser (``admin_url``), not as the app's role."""
    db_url = admin_url(db_url)
    pg = _pg_bin()
    conn, _ = _pg_args(db_url)
    threads = threads or max(1, min(clients, os.cpu_count() or 1))
    database = f"pgbench_reference_{os.getpid()}"
    subprocess.run([str(pg / "createdb"), *conn, database], check=True, capture_output=True)
    try:
        started = time.monotonic()
        subprocess.run([str(pg / "pgbench"), *conn, "-i", "-q", "-s", str(scale), database], check=True, capture_output=True, text=True)
        init_seconds = time.monotonic() - started
        _psql(db_url, "CHECKPOINT", database=database)
        run = subprocess.run(
            [str(pg / "pgbench"), *conn, "-c", str(clients), "-j", str(threads), "-T", str(seconds), database],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        subprocess.run([str(pg / "dropdb"), *conn, "--if-exists", database], capture_output=True)

    def figure(pattern: str) -> float:
        match = re.search(pattern, run.stdout, re.MULTILINE)
        if not match:
            raise RuntimeError(f"unexpected pgbench output:\n{run.stdout}\n{run.stderr}")
        return float(match.group(1))

    return {
        "tps": figure(r"^tps = ([0-9.]+)"),
        "latency_ms": figure(r"^latency average = ([0-9.]+) ms"),
        "transactions": int(figure(r"number of transactions actually processed: ([0-9]+)")),
        "failed": int(figure(r"number of failed transactions: ([0-9]+)")) if "failed transactions" in run.stdout else 0,
        "scale": scale,
        "clients": clients,
        "threads": threads,
        "seconds": seconds,
        "init_seconds": init_seconds,
        "settings": pg_settings(db_url),
    }


def reference_report(db_url: str) -> str:
    """What every PostgreSQL benchmark prints next to its figures: the durability settings in
    effect and a pgbench TPC-B reference of the same cluster. Sizes from the environment:
    BENCH_PGBENCH_CLIENTS (8), BENCH_PGBENCH_SECONDS (20), BENCH_PGBENCH_SCALE (10);
    BENCH_PGBENCH=0 skips the pgbench run (the settings are still printed)."""
    settings = pg_settings(db_url)
    flags = ", ".join(f"{name}={settings[name]}" for name in DURABILITY_SETTINGS)
    durable = "durable" if is_durable(settings) else "NOT durable"
    lines = [f"postgres: {flags} ({durable}; PostgreSQL {settings['server_version'].split()[0]}, data on {settings['filesystem']})"]
    if os.environ.get("BENCH_PGBENCH", "1") == "0":
        lines.append("reference: pgbench TPC-B skipped (BENCH_PGBENCH=0)")
    else:
        ref = pgbench_reference(
            db_url,
            clients=int(os.environ.get("BENCH_PGBENCH_CLIENTS", "8")),
            seconds=int(os.environ.get("BENCH_PGBENCH_SECONDS", "20")),
            scale=int(os.environ.get("BENCH_PGBENCH_SCALE", "10")),
        )
        failed = f", {ref['failed']} failed" if ref["failed"] else ""
        lines.append(
            f"reference: pgbench TPC-B (scale {ref['scale']}, {ref['clients']} clients, {ref['threads']} threads, {ref['seconds']} s, {durable})"
            f" = {ref['tps']:,.0f} tps, latency avg {ref['latency_ms']:.1f} ms{failed}  (same cluster, run before the benchmark)"
        )
    return "\n".join(lines)


@contextlib.contextmanager
def redis_server():
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def app_env(database_url: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    """Environment of a production-shaped process (production mode, no DEBUG)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "TASK_MODE", "EMAIL_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="madoguchi.settings",
        PYTHONPATH=str(PROJECT / "src"),
        MADOGUCHI_ENV="production",
        SECRET_KEY="test-" + "x" * 60,
        DEBUG="0",
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        BEHIND_PROXY="0",
        TRUSTED_PROXY_HOPS="0",  # clients connect directly: X-Forwarded-For is never trusted
        SECURE_HSTS_SECONDS="0",
        MADOGUCHI_VAR_DIR=str(Path(tempfile.mkdtemp(prefix="madoguchi-var-"))),
        LOG_LEVEL="WARNING",
    )
    if redis_url:
        env.update(REDIS_URL=redis_url, TASK_MODE="redis")
    env.update(extra)
    return env


def manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(PROJECT / "manage.py"), *args], env=env, check=check, capture_output=True, text=True)


def _wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


def _log_file(name: str):
    """Where a server's stderr goes: a file under var/log, never a pipe nobody reads (a full
    pipe blocks the process at its next log line, with the logging lock held)."""
    directory = PROJECT / "var" / "log"
    directory.mkdir(parents=True, exist_ok=True)
    return open(directory / f"{name}-{os.getpid()}-{time.monotonic_ns()}.log", "w")


@contextlib.contextmanager
def gunicorn(env: dict, workers: int = 2, threads: int = 4, port: int | None = None):
    """Yield the base URL of one gunicorn app process (master + workers)."""
    port = port or free_port()
    cmd = [
        str(BIN / "gunicorn"),
        "madoguchi.wsgi",
        "--pythonpath",
        str(PROJECT / "src"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]
    with _http_server("gunicorn", cmd, port, env) as url:
        yield url


@contextlib.contextmanager
def _http_server(name: str, cmd: list[str], port: int, env: dict | None = None):
    """Start ``cmd`` (listening on ``port``), wait until /healthz answers through it, yield its
    URL, and stop the whole process group afterwards."""
    with _log_file(name) as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, env=env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    try:
        _wait_port(port)
        url = f"http://127.0.0.1:{port}"
        _wait_http(url + "/healthz")
        yield url
    finally:
        _stop(proc)


NGINX_LOCATIONS = PROJECT / "deploy" / "nginx" / "madoguchi-locations.conf"


def has_nginx() -> bool:
    return bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())


@contextlib.contextmanager
def nginx(upstream_url: str, workers: int = 1):
    """Yield the base URL of nginx in front of ``upstream_url``, configured with the project's own
    deploy/nginx/madoguchi-locations.conf (the production proxy: the calendar micro-cache and
    X-Request-Start). Run the app behind it with BEHIND_PROXY=1 TRUSTED_PROXY_HOPS=1."""
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    upstream = urlsplit(upstream_url).netloc
    tmp = Path(tempfile.mkdtemp(prefix="madoguchi-nginx-"))
    tmp.chmod(0o777)  # workers drop to nobody when started as root; they write the cache here
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream madoguchi {{ server {upstream}; }}
    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=calendar:10m max_size=100m inactive=60s;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        keepalive_timeout 120s;
        keepalive_requests 100000;
        include {NGINX_LOCATIONS};
    }}
}}
"""
    )
    try:
        with _http_server("nginx", [exe, "-c", str(conf), "-e", str(tmp / "error.log")], port) as url:
            yield url
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(url)


@contextlib.contextmanager
def worker(env: dict, nice: int = 0, ready_timeout: float = 120.0):
    """A task worker process; ``nice`` > 0 lowers its CPU priority below the app's. Yields once
    the worker has started (Django set up, checks run, its loop entered): a city's workers run
    before anyone sends a notice, so start-up belongs neither to a benchmark's clock nor to its
    CPU figures (with a fixed sleep, four workers' start-ups overlapped the alerts benchmark)."""
    with _log_file("worker") as log:
        # stdout to the log too: runworker writes "worker started" there when it enters its loop
        proc = subprocess.Popen(
            ["nice", "-n", str(nice), PYTHON, str(PROJECT / "manage.py"), "runworker"],
            env={**env, "PYTHONUNBUFFERED": "1"},  # the line reaches the file when written
            cwd=PROJECT,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        path = Path(log.name)
    try:
        _wait_log(proc, path, "worker started", ready_timeout)
        yield proc
    finally:
        _stop(proc)


def _wait_log(proc: subprocess.Popen, path: Path, line: str, timeout: float) -> None:
    """Wait until ``line`` appears in a server's log file (or the process ends: its log says why)."""
    deadline = time.monotonic() + timeout
    while line not in path.read_text(errors="replace"):
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[3:]} exited with {proc.returncode}; see {path}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{proc.args[3:]} did not start within {timeout:.0f}s; see {path}")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
