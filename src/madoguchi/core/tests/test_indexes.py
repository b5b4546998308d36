"""Indexes that cost writes and serve no read: a foreign key's own index (Django makes one for
every foreign key) when another index or unique constraint of the table already leads with
that column. On a table written per message or per booking each one is one more entry per
insert and per non-HOT update (docs/engineering.md, "Cities", indexes)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

# Tables written once or more per message, submission, booking or task: a redundant index here
# shows in the benchmarks (alerts: 84 -> 69 MB of WAL for 40,000 messages without two of them).
HOT_MODELS = ["alerts.Delivery", "core.Task", "applications.Submission", "applications.SubmissionEvent", "reservations.Booking"]


def leading_columns(model) -> set[str]:
    """The first column of every index and unique constraint that has no condition."""
    meta = model._meta
    firsts = set()
    for index in meta.indexes:
        if index.fields and index.condition is None:
            firsts.add(meta.get_field(index.fields[0].lstrip("-")).column)
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields and constraint.condition is None:
            firsts.add(meta.get_field(constraint.fields[0]).column)
    for fields in meta.unique_together:
        firsts.add(meta.get_field(fields[0]).column)
    return firsts


def redundant_indexes(model) -> list[str]:
    """Fields whose own single-column index another index or constraint already covers."""
    covered = leading_columns(model)
    return [f.name for f in model._meta.local_concrete_fields if f.db_index and not f.unique and not f.primary_key and f.column in covered]


def like_indexes(model) -> list[str]:
    """Text fields with ``db_index=True``: on PostgreSQL Django makes a second index for LIKE
    (``varchar_pattern_ops``) beside the btree. On a hot table declare ``models.Index(fields=[…])``
    in ``Meta`` instead, unless the column is searched by prefix."""
    return [f.name for f in model._meta.local_concrete_fields if f.db_index and not f.unique and isinstance(f, (models.CharField, models.TextField))]


@pytest.mark.parametrize("label", HOT_MODELS)
def test_hot_tables_have_no_like_index_nobody_uses(label):
    assert like_indexes(apps.get_model(label)) == [], f"{label}: declare a Meta index instead of db_index=True"


@pytest.mark.parametrize("label", HOT_MODELS)
def test_hot_tables_have_no_redundant_index(label):
    model = apps.get_model(label)
    assert redundant_indexes(model) == [], f"{label}: db_index=False on these fields, another index leads with them"


@isolate_apps("madoguchi.core")  # the probe model stays out of the app registry other tests walk
def test_the_check_finds_a_redundant_index():
    """The helper itself: a foreign key indexed alone and leading a unique constraint."""

    class Probe(models.Model):
        parent = models.ForeignKey("core.Municipality", on_delete=models.CASCADE)
        parent_plain = models.ForeignKey("core.Municipality", on_delete=models.CASCADE, related_name="+", db_index=False)
        code = models.CharField(max_length=5)
        status = models.CharField(max_length=5, db_index=True)

        class Meta:
            app_label = "core"
            constraints = [
                models.UniqueConstraint(fields=["parent", "code"], name="probe_once"),
                models.UniqueConstraint(fields=["parent_plain", "code"], name="probe_plain"),
            ]

    assert redundant_indexes(Probe) == ["parent"]
    assert like_indexes(Probe) == ["status"]


def test_delivery_keeps_the_indexes_its_queries_use():
    """The claim (notice, channel, state), the idempotent fan-out (city, notice, subscription,
    channel) and a subscription's cascade still have an index leading with their column."""
    from madoguchi.alerts.models import Delivery

    assert {"notice_id", "municipality_id"} <= leading_columns(Delivery)
    assert Delivery._meta.get_field("subscription").db_index
