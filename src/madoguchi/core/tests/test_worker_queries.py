"""What the task worker spends on the outbox itself: one statement to claim and read up to
``tasks.BATCH`` rows, one to mark them done (bench/bench_worker_cost.py measures the CPU of a
whole email)."""

import pytest

from madoguchi.core import registry
from madoguchi.core.models import Task
from madoguchi.core.tasks import enqueue, run_pending, run_task


@pytest.fixture
def probe(settings):
    settings.TASK_MODE = "redis-off"  # queue only; the test runs them
    seen = []

    @registry.tasks.register("test.worker_probe", origin="test")
    class _Probe:
        name = "test.worker_probe"
        max_attempts = 1
        every = None

        @staticmethod
        def func(n):
            seen.append(n)

    yield seen
    registry.tasks.unregister("test.worker_probe")


def test_running_a_task_costs_two_statements(db, probe, django_assert_num_queries):
    task = enqueue("test.worker_probe", for_city=None, n=1)
    with django_assert_num_queries(2):  # claim-and-read, mark done
        assert run_task(task.pk)
    assert probe == [1] and Task.objects.get(pk=task.pk).status == Task.Status.DONE
    with django_assert_num_queries(1):  # taken already: the claim finds nothing
        assert not run_task(task.pk)


def test_a_sweep_claims_and_marks_done_a_batch_at_a_time(db, probe, django_assert_num_queries):
    from madoguchi.core import tasks

    Task.objects.filter(status__in=[Task.Status.PENDING, Task.Status.RUNNING]).delete()  # other apps' set-up work
    count = tasks.BATCH + 2
    for n in range(count):
        enqueue("test.worker_probe", for_city=None, n=n)
    with django_assert_num_queries(1 + 2 * 2 + 1):  # look, 2 batches × (claim, done), look again (empty)
        assert run_pending() == count
    assert sorted(probe) == list(range(count))
    assert Task.objects.filter(status=Task.Status.DONE, attempts=1).count() == count


def test_a_failing_task_in_a_batch_is_retried_alone(db, probe, settings):
    from madoguchi.core import tasks

    tasks_ = [enqueue("test.worker_probe", for_city=None, n=n) for n in range(3)]
    broken = enqueue("test.worker_probe", for_city=None, wrong=1)  # the handler raises TypeError
    assert tasks.run_tasks([tasks_[0].pk, broken.pk, tasks_[1].pk, tasks_[2].pk]) == 4
    assert probe == [0, 1, 2]
    rows = {t.pk: t for t in Task.objects.filter(pk__in=[*(t.pk for t in tasks_), broken.pk])}
    assert all(rows[t.pk].status == Task.Status.DONE for t in tasks_)
    assert rows[broken.pk].status == Task.Status.FAILED and "TypeError" in rows[broken.pk].last_error  # max_attempts 1


def test_a_worker_pops_an_announced_id_and_the_backlog_behind_it():
    """Announcements are LPUSHed (``_announce``); a worker takes the oldest and up to
    BATCH - 1 more without waiting, so a backlog costs one claim per batch."""
    import redis

    from madoguchi.core import tasks
    from madoguchi.devtools import servers

    with servers.redis_server() as url:
        client = redis.Redis.from_url(url)
        for task_id in range(1, tasks.BATCH + 4):
            client.lpush(tasks.REDIS_KEY, task_id)
        assert tasks.popped_ids(client, timeout=1) == list(range(1, tasks.BATCH + 1))
        assert tasks.popped_ids(client, timeout=1) == [tasks.BATCH + 1, tasks.BATCH + 2, tasks.BATCH + 3]
        client.lpush(tasks.REDIS_KEY, 99)
        assert tasks.popped_ids(client, timeout=1) == [99]  # one announced: one popped, no wait for more


def test_a_redis_without_blmpop_pops_the_same_ids(monkeypatch):
    """Redis before 7.0 has no BLMPOP: the worker falls back to BRPOP and a counted RPOP."""
    import redis

    from madoguchi.core import tasks
    from madoguchi.devtools import servers

    class OldRedis(redis.Redis):
        def blmpop(self, *args, **kwargs):
            raise redis.ResponseError("ERR unknown command 'BLMPOP'")

    monkeypatch.setattr(tasks, "_old_redis", [])
    with servers.redis_server() as url:
        client = OldRedis.from_url(url)
        for task_id in range(1, tasks.BATCH + 4):
            client.lpush(tasks.REDIS_KEY, task_id)
        assert tasks.popped_ids(client, timeout=1) == list(range(1, tasks.BATCH + 1))
        assert tasks._old_redis == [True]
        assert tasks.popped_ids(client, timeout=1) == [tasks.BATCH + 1, tasks.BATCH + 2, tasks.BATCH + 3]
