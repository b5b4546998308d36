"""Keeping the index current through the outbox (core.tasks): a save or delete of a model a
contributor declared queues ``search.reindex`` of that contributor for the row's city, in the
same transaction as the change."""

from __future__ import annotations

import logging

from django.db import connection

from madoguchi.core.registry import on_model_changes, search_documents
from madoguchi.core.tasks import enqueue, task

log = logging.getLogger(__name__)


@task("search.reindex")
def reindex(kind: str, municipality_id: int) -> None:
    from madoguchi.core.models import Municipality

    from . import services

    if kind not in search_documents:
        log.warning("search.reindex: unknown contributor %s", kind)
        return
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is not None:
        services.index(kind, municipality)


def queue_reindex(kind: str, municipality_id: int) -> None:
    """Queue a reindex unless one for the same contributor and city is still waiting (many
    saves in one transaction — a demo load, an import — cost one reindex). The pending row is
    remembered per connection and looked up, so a task that already ran is never counted."""
    from madoguchi.core.models import Task

    marks: dict = connection.__dict__.setdefault("_search_reindex_marks", {})
    pending = marks.get((kind, municipality_id))
    if pending and Task.objects.filter(pk=pending, status=Task.Status.PENDING).exists():
        return
    row = enqueue("search.reindex", for_city=municipality_id, kind=kind, municipality_id=municipality_id)
    marks[(kind, municipality_id)] = row.pk


def connect_signals() -> None:
    """A save or delete of a model a contributor declared queues its reindex (AppConfig.ready)."""
    on_model_changes(search_documents, queue_reindex)
