"""Throwaway servers on loopback for tests and benchmarks: PostgreSQL (initdb/pg_ctl), Redis,
gunicorn app processes and task workers. Each is a context manager that cleans up after itself.

    with postgres() as db_url, redis_server() as redis_url:
        env = app_env(db_url, redis_url)
        manage(env, "migrate")
        with gunicorn(env) as url_a, gunicorn(env) as url_b, worker(env):
            ...
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


@contextlib.contextmanager
def postgres(max_connections: int = 300):
    """Yield the URL of a fresh PostgreSQL cluster with database 'madoguchi'."""
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
    opts = f"-h 127.0.0.1 -p {port} -k {tmp} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections={max_connections} -c shared_buffers=256MB"
    subprocess.run(_as_postgres([str(pg / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "-o", opts, "start"]), check=True, capture_output=True)
    try:
        subprocess.run([str(pg / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "madoguchi", "madoguchi"], check=True, capture_output=True)
        yield f"postgres://madoguchi@127.0.0.1:{port}/madoguchi"
    finally:
        subprocess.run(_as_postgres([str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


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
    with _log_file("gunicorn") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, env=env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    try:
        _wait_port(port)
        url = f"http://127.0.0.1:{port}"
        _wait_http(url + "/healthz")
        yield url
    finally:
        _stop(proc)


def _wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(url)


@contextlib.contextmanager
def worker(env: dict, nice: int = 0):
    """A task worker process; ``nice`` > 0 lowers its CPU priority below the app's."""
    with _log_file("worker") as log:
        proc = subprocess.Popen(
            ["nice", "-n", str(nice), PYTHON, str(PROJECT / "manage.py"), "runworker"],
            env=env,
            cwd=PROJECT,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
    try:
        time.sleep(0.5)
        yield proc
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
