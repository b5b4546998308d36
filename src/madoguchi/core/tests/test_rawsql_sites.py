"""Each raw-SQL site (docs/engineering.md, "Raw SQL sites") reads and writes what the ORM would,
on SQLite and PostgreSQL, and names only the columns its model's metadata gives: a column
list equal to the model's concrete columns means a field added to the model is read (or
written) too. Sites with their own app tests: reservations/tests/test_queries.py,
applications/tests/test_queries.py, accounts/tests/test_backends.py, alerts/tests/test_rawsql.py."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from madoguchi.core import rawsql, tasks
from madoguchi.core.models import Task

pytestmark = pytest.mark.django_db

PAST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
FUTURE = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)


def quoted(model, *, pk: bool = True) -> list[str]:
    return [connection.ops.quote_name(f.column) for f in model._meta.concrete_fields if pk or not f.primary_key]


def identifiers(sql: str) -> set[str]:
    """The quoted names in ``sql`` (both backends quote with double quotes)."""
    return set(re.findall(r'"[^"]+"', sql))


def names_only_model_columns(sql: str, *models) -> None:
    allowed = {connection.ops.quote_name(m._meta.db_table) for m in models}
    for m in models:
        allowed |= set(quoted(m))
    assert identifiers(sql) <= allowed, identifiers(sql) - allowed


def same(a, b, skip=()) -> None:
    assert type(a) is type(b)
    for f in type(a)._meta.concrete_fields:
        if f.name not in skip:
            assert getattr(a, f.attname) == getattr(b, f.attname), f.name


# --- core.rawsql.get_by_pk (accounts.backends.ModelBackend.get_user) ---------------------------


@pytest.mark.parametrize("model_name", ["user", "task"])
def test_get_by_pk_reads_what_the_orm_reads_and_every_column(model_name):
    if model_name == "user":
        model = get_user_model()
        obj = model.objects.create_user(email="raw@example.jp", password="x" * 12)
    else:
        model = Task
        obj = Task.objects.create(name="core.send_email", payload={"a": [1, "二"]}, run_after=PAST)
    same(rawsql.get_by_pk(model, obj.pk), model.objects.get(pk=obj.pk))
    assert rawsql.get_by_pk(model, obj.pk + 1000) is None
    sql = rawsql._by_pk_sql(model, connection.vendor)
    assert re.match(r"SELECT (.*) FROM ", sql).group(1).split(", ") == quoted(model)
    names_only_model_columns(sql, model)


# --- core.tasks ----------------------------------------------------------------------------------


def test_deduplicated_insert_writes_what_create_writes_with_every_column():
    values = dict(name="core.send_email", payload={"to": "a@example.jp"}, dedupe_key="k1", run_after=PAST, max_attempts=3)
    pk = tasks._insert_unless_duplicate(Task(**values))
    assert tasks._insert_unless_duplicate(Task(**values)) is None  # same key: nothing written
    orm = Task.objects.create(**{**values, "dedupe_key": "k2"})
    same(Task.objects.get(pk=pk), Task.objects.get(pk=orm.pk), skip=("id", "dedupe_key", "created_at"))
    sql = tasks._insert_sql(connection.vendor)
    assert re.match(r"INSERT INTO \S+ \((.*?)\) VALUES", sql).group(1).split(", ") == quoted(Task, pk=False)
    names_only_model_columns(sql, Task)


def test_claim_returns_the_row_as_the_orm_reads_it_and_done_writes_what_update_writes():
    t = Task.objects.create(name="core.send_email", payload={}, run_after=PAST)
    (claimed,) = tasks._claim([t.pk], "w1")
    same(claimed, Task.objects.get(pk=t.pk))
    assert (claimed.status, claimed.locked_by) == (Task.Status.RUNNING, "w1")
    assert tasks._claim([t.pk], "w2") == []  # leased to w1
    assert tasks._claim([Task.objects.create(name="x", run_after=FUTURE).pk], "w1") == []  # not due
    sql = tasks._claim_sql(connection.vendor)
    assert sql.split(" RETURNING ")[1].split(", ") == quoted(Task)
    names_only_model_columns(sql, Task)

    tasks._mark_done([t.pk])
    other = Task.objects.create(name="core.send_email", payload={}, run_after=PAST, status=Task.Status.RUNNING, locked_until=FUTURE, last_error="e")
    Task.objects.filter(pk=other.pk).update(attempts=1, status=Task.Status.DONE, locked_until=None, last_error="")
    same(Task.objects.get(pk=t.pk), Task.objects.get(pk=other.pk), skip=("id", "created_at", "locked_by", "finished_at"))
    assert Task.objects.get(pk=t.pk).finished_at is not None
    names_only_model_columns(tasks._done_sql(connection.vendor), Task)


def test_a_batch_is_claimed_in_the_order_given_and_marked_done_together():
    due = [Task.objects.create(name="core.send_email", payload={}, run_after=PAST) for _ in range(3)]
    later = Task.objects.create(name="core.send_email", payload={}, run_after=FUTURE)
    order = [due[2].pk, later.pk, due[0].pk, due[1].pk]
    claimed = tasks._claim(order, "w1")
    assert [row.pk for row in claimed] == [due[2].pk, due[0].pk, due[1].pk]  # the one not due is left out
    assert tasks._claim(order, "w2") == []
    tasks._mark_done([due[0].pk, due[2].pk])
    statuses = dict(Task.objects.filter(pk__in=order).values_list("pk", "status"))
    assert statuses == {due[0].pk: "done", due[2].pk: "done", due[1].pk: "running", later.pk: "pending"}
    assert set(Task.objects.filter(pk__in=[due[0].pk, due[2].pk]).values_list("attempts", flat=True)) == {1}


def test_due_task_ids_are_the_orm_query():
    S = Task.Status
    Task.objects.create(name="a", run_after=FUTURE)
    Task.objects.create(name="b", run_after=PAST + dt.timedelta(days=2))
    Task.objects.create(name="c", run_after=PAST)
    Task.objects.create(name="d", run_after=PAST, status=S.RUNNING, locked_until=PAST)  # lease ran out
    Task.objects.create(name="e", run_after=PAST, status=S.RUNNING, locked_until=FUTURE)
    Task.objects.create(name="f", run_after=PAST, status=S.DONE)
    Task.objects.create(name="g", run_after=PAST, status=S.FAILED)
    now = timezone.now()
    orm = Task.objects.filter(Q(status=S.PENDING, run_after__lte=now) | Q(status=S.RUNNING, locked_until__lt=now)).order_by("run_after", "id")
    assert tasks.due_task_ids() == list(orm.values_list("id", flat=True))
    assert len(tasks.due_task_ids()) == 3 and len(tasks.due_task_ids(limit=2)) == 2
    names_only_model_columns(tasks._due_sql(connection.vendor), Task)


# --- applications.services.next_receipt_number ----------------------------------------------------


def test_receipt_number_bump_is_the_orm_update():
    from django.db.models import F

    from madoguchi.applications import services
    from madoguchi.applications.models import ReceiptCounter
    from madoguchi.core.factories import MunicipalityFactory

    MunicipalityFactory()  # receipt numbers are counted per city (the default one here)
    day = dt.date(2027, 5, 1)  # 令和9年度 (fiscal year 2027)
    assert services.next_receipt_number(day) == "2027-000001"  # the year's row is created
    assert services.next_receipt_number(day) == "2027-000002"
    ReceiptCounter.objects.filter(fiscal_year=2027).update(last=F("last") + 5)
    assert services.next_receipt_number(day) == "2027-000008"
    assert ReceiptCounter.objects.get(fiscal_year=2027).last == 8
    names_only_model_columns(services._receipt_bump_sql(connection.vendor), ReceiptCounter)


# --- forms.api._published_head ----------------------------------------------------------------


def test_form_head_is_the_orm_read_of_the_latest_published_version():
    from madoguchi.core.factories import MunicipalityFactory
    from madoguchi.forms import api
    from madoguchi.forms.models import Form, FormVersion

    MunicipalityFactory()  # a form belongs to a city (the default one here)
    P = FormVersion.Status.PUBLISHED
    form = Form.objects.create(name="転入届", allows_my_number=True)
    assert api._published_head(form.pk) is None
    FormVersion.objects.create(form=form, number=1, status=P, published_at=PAST)
    FormVersion.objects.create(form=form, number=2, status=P, published_at=PAST + dt.timedelta(days=1))
    FormVersion.objects.create(form=form, number=3)  # a draft
    version_id, published_raw, form_id, name, allows = api._published_head(form.pk)
    orm = FormVersion.objects.select_related("form").filter(form=form, status=P).order_by("-number").first()
    col = FormVersion._meta.get_field("published_at").get_col("v")
    for conv in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
        published_raw = conv(published_raw, col, connection)
    assert (version_id, published_raw, form_id, name, allows) == (orm.pk, orm.published_at, orm.form.pk, orm.form.name, orm.form.allows_my_number)
    names_only_model_columns(api._head_sql(connection.vendor), Form, FormVersion)


# --- reservations.queries and applications.queries: the column lists ------------------------------


def test_hot_path_reads_select_every_column_of_the_models_they_build():
    from madoguchi.applications import queries as app_queries
    from madoguchi.applications.models import Procedure
    from madoguchi.core.models import Municipality, Section
    from madoguchi.forms.models import Form, FormVersion
    from madoguchi.reservations import models as r
    from madoguchi.reservations import queries as res_queries

    sql = app_queries._procedure_sql(connection.vendor)
    expected = []
    for model, alias in [(Procedure, "p"), (Section, "s"), (Municipality, "m"), (Form, "f"), (FormVersion, "v")]:
        expected += [f"{alias}.{c}" for c in quoted(model)]
    assert re.match(r"SELECT (.*?) FROM ", sql).group(1).split(", ") == expected
    names_only_model_columns(sql, Procedure, Section, Municipality, Form, FormVersion)

    sql = res_queries._unit_day_sql(connection.vendor)
    expected = [f"u.{c}" for c in quoted(r.Unit)] + [f"f.{c}" for c in quoted(r.Facility)]
    assert re.search(r"SELECT (.*?), oh\.", sql).group(1).split(", ") == expected
    models = (r.Unit, r.Facility, r.OpeningHours, r.ClosedPeriod, r.Lottery, r.Fee, r.Booking)
    names_only_model_columns(sql, *models)
    names_only_model_columns(res_queries._counts_sql(connection.vendor), r.Booking, r.Unit)
    names_only_model_columns(res_queries._registration_sql(connection.vendor), r.Registration)


# --- web.views.healthz ----------------------------------------------------------------------------


def test_healthz_answers_from_the_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json() == {"status": "ok"}
