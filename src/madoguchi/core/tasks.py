"""One task queue for all background work (emails, PDFs, exports, deliveries, purges).

The queue *is* the outbox table (``core.Task``): ``enqueue`` writes a row inside the caller's
transaction, so work committed with a request is never lost and work from a rolled-back request
never runs. After commit the row is announced to a worker:

- ``TASK_MODE=eager``: run at once in the same thread after commit (tests, management commands);
- ``TASK_MODE=embedded`` (default): an in-process worker thread (no extra server needed);
- ``TASK_MODE=redis``: separate ``manage.py runworker`` processes; the row's id goes on a Redis
  list, a worker pops it and runs that task, and every worker also sweeps the table every few
  seconds for what no announcement covers (delayed tasks, retries, lost announcements).

Workers claim rows with a conditional UPDATE (status pending → running), which is atomic on
PostgreSQL and SQLite alike, so any number of processes can work the same table; a backlog is
claimed and marked done ``BATCH`` rows per statement. A worker that dies leaves its rows
``running`` with an expired lease; another worker takes them again (at-least-once). Handlers must therefore be idempotent; ``dedupe_key`` prevents enqueueing the
same logical job twice.

Usage::

    @task("applications.send_receipt")
    def send_receipt(submission_id: int) -> None: ...

    enqueue("applications.send_receipt", submission_id=s.pk)

    @periodic("applications.purge_expired", every=3600)
    def purge_expired() -> None: ...
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from . import registry, tenancy

log = logging.getLogger(__name__)

REDIS_KEY = "madoguchi:tasks:wake"
LEASE = timedelta(minutes=5)


@dataclass
class _Registered:
    name: str
    func: Callable
    max_attempts: int
    every: int | None = None  # seconds, for periodic tasks

    def check(self):
        from django.core import checks

        if not callable(self.func):
            return [checks.Error(f"task {self.name!r} has no callable handler", id="madoguchi.E020")]
        return []


# Tasks live in the one plugin registry (core.registry.tasks), discovered from <app>/tasks.py.
_REGISTRY = registry.tasks
_PERIODIC: dict[str, int] = {}  # name → seconds; a view kept beside the registry for the scheduler


def task(name: str, max_attempts: int = 8):
    def decorator(func):
        _REGISTRY.register(name, _Registered(name, func, max_attempts), origin=f"{func.__module__}.{func.__qualname__}")
        func.task_name = name
        return func

    return decorator


def periodic(name: str, every: int, max_attempts: int = 3):
    """Register a task that workers enqueue once per ``every`` seconds (cluster-wide, once)."""

    def decorator(func):
        task(name, max_attempts=max_attempts)(func)
        _REGISTRY._plugins[name].every = every
        _PERIODIC[name] = every
        return func

    return decorator


def registered() -> dict[str, _Registered]:
    return dict(_REGISTRY.items())


_ACTIVE = object()


def enqueue(name: str, *, dedupe_key: str | None = None, delay: float = 0, for_city: int | None | object = _ACTIVE, **payload):
    """Write a task row in the current transaction; announce it after commit. The task runs for
    the active city, or for ``for_city`` (a municipality id; None: a platform task) when the
    caller queues work for a row's city rather than the request's."""
    from .models import Task

    city_id = tenancy.current_id() if for_city is _ACTIVE else for_city

    if name not in _REGISTRY:
        raise KeyError(f"unknown task {name!r}")
    run_after = timezone.now() + timedelta(seconds=delay)
    if dedupe_key:
        # INSERT … ON CONFLICT DO NOTHING: an existing key costs no error, so the caller's
        # transaction needs no savepoint (three round trips fewer on every request that mails).
        row = Task(
            name=name,
            payload=payload,
            dedupe_key=dedupe_key,
            run_after=run_after,
            max_attempts=_REGISTRY[name].max_attempts,
            municipality_id=city_id,
        )
        row.pk = _insert_unless_duplicate(row)
        if row.pk is None:
            return Task.objects.get(dedupe_key=dedupe_key)
        row._state.adding = False
    else:
        row = Task.objects.create(name=name, payload=payload, run_after=run_after, max_attempts=_REGISTRY[name].max_attempts, municipality_id=city_id)
    if not delay:
        transaction.on_commit(lambda: _announce(row.pk))
    return row


@functools.cache
def _insert_sql(vendor: str) -> str:
    from . import rawsql
    from .models import Task

    fields = rawsql.written(Task)
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {rawsql.table(Task)} ({', '.join(quote(f.column) for f in fields)}) VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote(Task._meta.get_field('dedupe_key').column)}) DO NOTHING RETURNING {quote(Task._meta.pk.column)}"
    )


def _insert_unless_duplicate(row) -> int | None:
    """Insert ``row`` (values prepared by the fields themselves, as ``save`` would); its id, or
    None when a task with the same dedupe key exists."""
    from . import rawsql

    with connection.cursor() as cur:
        cur.execute(_insert_sql(connection.vendor), rawsql.prepared(row, rawsql.written(type(row))))
        found = cur.fetchone()
    return None if found is None else found[0]


def _announce(task_id: int) -> None:
    mode = settings.TASK_MODE
    if mode == "eager":
        run_task(task_id)
    elif mode == "redis":
        try:
            _redis().lpush(REDIS_KEY, task_id)
        except Exception:  # the row is safe in the outbox; workers poll as well
            log.warning("could not wake workers through Redis; task %s waits for the next poll", task_id)
    else:
        EmbeddedWorker.wake()


@functools.cache
def _redis():
    """One client (and connection pool) per process: a new client per wake-up would open a
    new TCP connection for every task enqueued."""
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def _c(field: str) -> str:
    from . import rawsql
    from .models import Task

    return rawsql.column(Task, field)


# Tasks claimed, and marked done, together: a worker popping a backlog (the receipts of a
# deadline day, the confirmations of an opening rush) makes one claim and one done commit per
# batch, not per task — each is a durable commit (a WAL flush). The cost: a worker killed half
# way through a batch leaves the tasks it already ran marked running, and they run again when
# the lease ends (at most BATCH - 1 repeats; handlers are idempotent, sends at least once).
BATCH = 10


@functools.cache
def _claim_sql(vendor: str, count: int = 1) -> str:
    from . import rawsql
    from .models import Task

    S = Task.Status
    return (
        f"UPDATE {rawsql.table(Task)} SET {_c('status')} = '{S.RUNNING}', {_c('locked_until')} = %s, {_c('locked_by')} = %s "
        f"WHERE {_c('id')} IN ({', '.join(['%s'] * count)}) "
        f"AND (({_c('status')} = '{S.PENDING}' AND {_c('run_after')} <= %s) OR ({_c('status')} = '{S.RUNNING}' AND {_c('locked_until')} < %s)) "
        f"RETURNING {', '.join(rawsql.columns(Task))}"
    )


@functools.cache
def _done_sql(vendor: str, count: int = 1) -> str:
    from . import rawsql
    from .models import Task

    return (
        f"UPDATE {rawsql.table(Task)} SET {_c('attempts')} = {_c('attempts')} + 1, {_c('status')} = '{Task.Status.DONE}', "
        f"{_c('locked_until')} = NULL, {_c('finished_at')} = %s, {_c('last_error')} = '' WHERE {_c('id')} IN ({', '.join(['%s'] * count)})"
    )


def _claim(task_ids: list[int], worker_id: str) -> list:
    """Take those of the tasks that are due (or whose lease ran out) and read them, in one
    conditional UPDATE … RETURNING (atomic on PostgreSQL and SQLite alike), in the order
    given; a task another worker has is left out."""
    from . import rawsql
    from .models import Task

    ops, now = connection.ops, timezone.now()
    lease, now = ops.adapt_datetimefield_value(now + LEASE), ops.adapt_datetimefield_value(now)
    with connection.cursor() as cur:
        cur.execute(_claim_sql(connection.vendor, len(task_ids)), [lease, worker_id, *task_ids, now, now])
        rows = {row.pk: row for row in (rawsql.from_row(Task, values) for values in cur.fetchall())}
    return [rows[pk] for pk in task_ids if pk in rows]


def _execute(row) -> bool:
    """Run one claimed task; a failure is recorded on its row (retried with backoff, or failed
    for good after ``max_attempts``). True if it succeeded (it is then to be marked done)."""
    from .models import Task

    entry = _REGISTRY.get(row.name)
    attempts = row.attempts + 1
    try:
        if entry is None:
            raise KeyError(f"unknown task {row.name!r}")
        city = tenancy.municipality_by_id(row.municipality_id) if row.municipality_id else None
        with tenancy.for_task(city):
            entry.func(**row.payload)
    except Exception as exc:  # recorded on the row; retried with backoff
        failed = attempts >= row.max_attempts
        Task.objects.filter(pk=row.pk).update(
            attempts=attempts,
            status=Task.Status.FAILED if failed else Task.Status.PENDING,
            run_after=timezone.now() + timedelta(seconds=min(2**attempts, 3600)),
            locked_until=None,
            last_error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"[:4000],
            finished_at=timezone.now() if failed else None,
        )
        log.warning("task %s#%s failed (attempt %s): %s", row.name, row.pk, attempts, type(exc).__name__)
        return False
    return True


def _mark_done(task_ids: list[int]) -> None:
    with connection.cursor() as cur:
        cur.execute(_done_sql(connection.vendor, len(task_ids)), [connection.ops.adapt_datetimefield_value(timezone.now()), *task_ids])


def run_tasks(task_ids: list[int], worker_id: str | None = None) -> int:
    """Claim and run these tasks, ``BATCH`` at a time; returns how many this call ran
    (succeeded or failed), leaving out those another worker had or that were not due."""
    worker_id = worker_id or _worker_id()
    ran = 0
    for start in range(0, len(task_ids), BATCH):
        rows = _claim(task_ids[start : start + BATCH], worker_id)
        succeeded = []
        try:
            for row in rows:
                if _execute(row):
                    succeeded.append(row.pk)
                ran += 1
        finally:  # what ran is marked even if the loop is interrupted (a worker shutting down)
            if succeeded:
                _mark_done(succeeded)
    return ran


def run_task(task_id: int, worker_id: str | None = None) -> bool:
    """Claim and run one task. Returns True if this call ran it."""
    return bool(run_tasks([task_id], worker_id))


@functools.cache
def _due_sql(vendor: str) -> str:
    from . import rawsql
    from .models import Task

    S = Task.Status
    return (
        f"SELECT {_c('id')} FROM {rawsql.table(Task)} "
        f"WHERE {_c('status')} IN ('{S.PENDING}', '{S.RUNNING}') "  # the task_open partial index
        f"AND (({_c('status')} = '{S.PENDING}' AND {_c('run_after')} <= %s) OR ({_c('status')} = '{S.RUNNING}' AND {_c('locked_until')} < %s)) "
        f"ORDER BY {_c('run_after')}, {_c('id')} LIMIT %s"
    )


def due_task_ids(limit: int = 50) -> list[int]:
    """Tasks due now, and tasks whose worker's lease ran out, oldest first."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cur:
        cur.execute(_due_sql(connection.vendor), [now, now, limit])
        return [row[0] for row in cur.fetchall()]


def enqueue_periodic(now=None) -> None:
    """Enqueue each periodic task once per period, whichever worker gets there first."""
    now = now or timezone.now()
    for name, every in _PERIODIC.items():
        slot = int(now.timestamp()) // every
        enqueue(name, dedupe_key=f"periodic:{name}:{slot}")


def run_pending(limit: int = 1000, worker_id: str | None = None) -> int:
    """Run due tasks until none are left (or ``limit``); returns how many ran."""
    done = 0
    while done < limit:
        batch = min(50, limit - done)
        ran = run_tasks(due_task_ids(batch), worker_id)
        done += ran
        # Tasks may enqueue tasks: look again while the last look found work.
        if not ran:
            break
    return done


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def work_forever(stop: threading.Event | None = None, poll: float = 2.0, periodic_every: float = 30.0) -> None:
    """The loop of ``manage.py runworker`` (redis mode) and of the embedded thread.

    In redis mode the wake-up carries the task's id: a worker pops one id and runs that task
    (claiming it, so a task announced twice or already swept runs once). A sweep of the table
    every ``poll`` seconds finds what no announcement covers: delayed tasks, retries after a
    failure, leases of dead workers, announcements lost while Redis was down. On PostgreSQL a
    busy outbox table is full of dead index entries until vacuum, so looking for due rows after
    every announcement cost more than the tasks themselves."""
    stop = stop or threading.Event()
    worker_id = _worker_id()
    last_periodic = last_sweep = 0.0
    client = _redis() if settings.TASK_MODE == "redis" and settings.REDIS_URL else None
    while not stop.is_set():
        close_old_connections()
        ran = 0
        try:
            if time.monotonic() - last_periodic > periodic_every:
                enqueue_periodic()
                last_periodic = time.monotonic()
            if client is None or time.monotonic() - last_sweep > poll:
                ran = run_pending(limit=200, worker_id=worker_id)
                last_sweep = time.monotonic()
        except Exception:
            log.exception("task worker loop error")
        if ran >= 200:
            continue  # more may be due
        if client is None:
            EmbeddedWorker.wait(poll)
            continue
        try:
            ids = popped_ids(client, timeout=max(1, int(poll)))
        except Exception:
            stop.wait(poll)
            continue
        if ids:
            try:
                run_tasks(ids, worker_id)
            except Exception:
                log.exception("task worker loop error")


def popped_ids(client, timeout: int) -> list[int]:
    """The next announced task id (waiting up to ``timeout`` seconds for one) and up to
    ``BATCH - 1`` more queued behind it, oldest first; [] when none came. One round trip
    (BLMPOP, Redis 7); an older Redis answers with a blocking pop and a counted one."""
    import redis

    if not _old_redis:
        try:
            popped = client.blmpop(timeout, 1, REDIS_KEY, direction="RIGHT", count=BATCH)
            return [int(x) for x in popped[1]] if popped else []
        except redis.ResponseError:  # unknown command: Redis before 7.0
            _old_redis.append(True)
    popped = client.brpop(REDIS_KEY, timeout=timeout)
    if not popped:
        return []
    try:
        more = client.rpop(REDIS_KEY, BATCH - 1)  # without waiting: only a backlog has more
    except redis.ResponseError:  # a Redis before 6.2 pops one at a time
        more = None
    return [int(popped[1]), *(int(x) for x in more or ())]


_old_redis: list = []  # set once a Redis has refused BLMPOP (a fact of the server, not state to share)


class EmbeddedWorker:
    """One daemon thread per app process, started on the first wake-up. All state that matters
    is in the database, so several app processes each running one is safe."""

    _event = threading.Event()
    _lock = threading.Lock()
    _thread: threading.Thread | None = None

    @classmethod
    def wake(cls) -> None:
        cls.start()
        cls._event.set()

    @classmethod
    def wait(cls, timeout: float) -> None:
        cls._event.wait(timeout)
        cls._event.clear()

    @classmethod
    def start(cls) -> None:
        with cls._lock:
            if cls._thread is None or not cls._thread.is_alive():
                cls._thread = threading.Thread(target=work_forever, name="madoguchi-embedded-worker", daemon=True)
                cls._thread.start()
