"""What the task worker spends on the outbox itself, per task: one statement to claim and read
the row, one to mark it done (bench/bench_worker_cost.py measures the CPU of a whole email)."""

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


def test_a_sweep_costs_one_look_per_batch_and_two_statements_per_task(db, probe, django_assert_num_queries):
    Task.objects.filter(status__in=[Task.Status.PENDING, Task.Status.RUNNING]).delete()  # other apps' set-up work
    for n in range(5):
        enqueue("test.worker_probe", for_city=None, n=n)
    with django_assert_num_queries(1 + 5 * 2 + 1):  # look, 5 × (claim, done), look again (empty)
        assert run_pending() == 5
    assert sorted(probe) == [0, 1, 2, 3, 4]
