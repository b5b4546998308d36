"""The alerts' written-out SQL (fan-out INSERT … SELECT, the marker's UPDATE) writes what the
ORM would, on SQLite and PostgreSQL, with columns from Delivery's metadata."""

import re

from django.db import connection

from madoguchi.alerts import services
from madoguchi.alerts.channels import Outcome, Result
from madoguchi.alerts.models import Delivery, Notice, Subscription, Topic
from madoguchi.core.tests.test_rawsql_sites import names_only_model_columns, quoted

# Fields whose values differ between two equal writes made at different moments or ids.
VOLATILE = {"id", "next_attempt_at", "sent_at"}


def _notice(city, staff):
    return Notice.objects.create(
        municipality=city,
        section=staff["section"],
        topic=Topic.objects.get(municipality=city, slug="bousai"),
        severity="Moderate",
        title="給水のお知らせ",
        body="中央一丁目で断水しています。",
        channels=["email"],
        all_areas=True,
        created_by=staff["clerk"],
    )


def _subs(city, n, topic="bousai", prefix="r"):
    out = []
    for i in range(n):
        s = Subscription.objects.create(municipality=city, channel="email", address=f"{prefix}{i}@example.jp", status="active")
        s.topics.set(Topic.objects.filter(municipality=city, slug=topic))
        out.append(s)
    return out


def _rows(notice, skip=()):
    fields = [f.attname for f in Delivery._meta.concrete_fields if f.name not in VOLATILE | set(skip)]
    return sorted(Delivery.objects.filter(notice=notice).values_list(*fields))


def test_fan_out_insert_writes_the_rows_bulk_create_writes(city, staff):
    _subs(city, 3)
    _subs(city, 1, topic="gomi", prefix="g")
    notice = _notice(city, staff)
    assert services._fan_out_sql(notice, "email") == 3
    assert services._fan_out_sql(notice, "email") == 0  # idempotent
    via_sql = _rows(notice)
    Delivery.objects.filter(notice=notice).delete()
    ids = services.recipients(notice, "email")
    Delivery.objects.bulk_create([Delivery(municipality_id=notice.municipality_id, notice_id=notice.pk, subscription_id=sid, channel="email") for sid in ids])
    assert via_sql == _rows(notice) and len(via_sql) == 3


def test_fan_out_insert_writes_every_column_of_delivery(city, staff):
    sql, params = services._fan_out_insert(_notice(city, staff), "email", "SELECT 1 AS sid")
    assert re.match(r"INSERT INTO \S+ \((.*?)\) SELECT", sql).group(1).split(", ") == quoted(Delivery, pk=False)
    assert len(params) == len(quoted(Delivery, pk=False)) - 1  # all but the subscription, from the SELECT
    names_only_model_columns(sql, Delivery)


def test_marker_writes_what_the_orm_update_writes(city, staff):
    _subs(city, 4)
    notice = _notice(city, staff)
    services._fan_out_sql(notice, "email")
    batch = services.claim(notice.pk, "email", "w1", 10)
    marker = services._Marker({d.pk: d for d in batch}, every=10)
    for d in batch[:2]:
        marker(Result(d.pk, Outcome.SENT))
    marker.flush()
    now = batch[0].next_attempt_at
    Delivery.objects.filter(pk__in=[d.pk for d in batch[2:]]).update(state=Delivery.State.SENT, sent_at=now, lease_until=None, error="")
    rows = _rows(notice, skip=["subscription"])
    assert len(rows) == 4 and len(set(rows)) == 1, rows  # the same values apart from ids and times
    assert Delivery.objects.filter(notice=notice, sent_at=None).count() == 0
    names_only_model_columns(services._sent_sql(connection.vendor), Delivery)
