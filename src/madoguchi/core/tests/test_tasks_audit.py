import logging

import pytest

from madoguchi.core import audit, tasks
from madoguchi.core.codes import my_number_check_digit
from madoguchi.core.models import AppendOnlyError, AuditLog, Task

CALLS = []


@tasks.task("tests.record_call", max_attempts=2)
def record_call(value, fail=False):
    if fail:
        raise RuntimeError("boom")
    CALLS.append(value)


@pytest.mark.django_db
def test_outbox_runs_after_commit_and_retries(run_tasks):
    CALLS.clear()
    tasks.enqueue("tests.record_call", value=1)
    tasks.enqueue("tests.record_call", value=2, dedupe_key="k")
    tasks.enqueue("tests.record_call", value=3, dedupe_key="k")  # same key: one task
    failing = tasks.enqueue("tests.record_call", value=0, fail=True)
    assert run_tasks() == 3
    assert sorted(CALLS) == [1, 2]
    failing.refresh_from_db()
    assert failing.status == Task.Status.PENDING and failing.attempts == 1 and "boom" in failing.last_error
    Task.objects.filter(pk=failing.pk).update(run_after=failing.created_at)
    run_tasks()
    failing.refresh_from_db()
    assert failing.status == Task.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_eager_mode_runs_on_commit(settings):
    from django.db import transaction

    CALLS.clear()
    with transaction.atomic():
        tasks.enqueue("tests.record_call", value=7)
        assert CALLS == []
    assert CALLS == [7]
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        tasks.enqueue("tests.record_call", value=8)
        raise ZeroDivisionError
    assert CALLS == [7] and not Task.objects.filter(payload__value=8).exists()


@pytest.mark.django_db
def test_expired_lease_is_taken_again(run_tasks):
    from datetime import timedelta

    from django.utils import timezone

    CALLS.clear()
    row = tasks.enqueue("tests.record_call", value=5)
    Task.objects.filter(pk=row.pk).update(status=Task.Status.RUNNING, locked_until=timezone.now() - timedelta(seconds=1), locked_by="dead")
    assert run_tasks() == 1 and CALLS == [5]


@pytest.mark.django_db
def test_audit_log_is_append_only_and_redacts(django_user_model):
    user = django_user_model.objects.create_user("staff@example.jp", "x" * 12)
    number = "12345678901" + str(my_number_check_digit("12345678901"))
    entry = audit.record(AuditLog.Action.VIEW, user, actor=user, detail={"note": f"個人番号 {number}"})
    assert number not in str(entry.detail)
    entry.action = AuditLog.Action.DELETE
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_log_filter_redacts(caplog):
    from madoguchi.core.logging import RedactingFilter

    number = "12345678901" + str(my_number_check_digit("12345678901"))
    logger = logging.getLogger("madoguchi.test")
    handler_filter = RedactingFilter()
    record = logger.makeRecord("x", logging.INFO, __file__, 1, "password=%s num=%s", ("hunter2", number), None)
    handler_filter.filter(record)
    assert "hunter2" not in record.getMessage() and number not in record.getMessage()


def test_production_refuses_unsafe(monkeypatch):
    import subprocess
    import sys

    env = {"MADOGUCHI_ENV": "production", "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "madoguchi.settings", "PYTHONPATH": "src"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True)
    assert out.returncode != 0 and "Refusing to start in production" in out.stderr
    env.update(SECRET_KEY="s" * 50, DATABASE_URL="postgres://x@127.0.0.1:1/x", TRUSTED_PROXY_HOPS="1")
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); print('ok')"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
