"""Keeping the index current through the outbox (core.tasks): a save or delete of a model a
contributor declared queues ``search.reindex`` of that contributor for the row's city, in the
same transaction as the change."""

from __future__ import annotations

import logging

from django.db import connection

from madoguchi.core import tenancy
from madoguchi.core.registry import search_documents
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
    city = tenancy.municipality_by_id(municipality_id) if tenancy.current_id() != municipality_id else None
    if city is not None:
        with tenancy.using(city):
            row = enqueue("search.reindex", kind=kind, municipality_id=municipality_id)
    else:
        row = enqueue("search.reindex", kind=kind, municipality_id=municipality_id)
    marks[(kind, municipality_id)] = row.pk


def _changed(kind: str):
    def handler(sender, instance, raw=False, **kwargs):
        if raw:  # fixtures
            return
        municipality_id = getattr(instance, "municipality_id", None)
        if municipality_id:
            queue_reindex(kind, municipality_id)

    return handler


_HANDLERS: list = []  # strong references: signals hold receivers weakly


def connect_signals() -> None:
    """Connect post_save/post_delete of every contributor's declared models (AppConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    for kind, contributor in search_documents.items():
        for model in contributor.models():
            handler = _changed(kind)
            _HANDLERS.append(handler)
            post_save.connect(handler, sender=model, dispatch_uid=f"search:{kind}:{model._meta.label}:save")
            post_delete.connect(handler, sender=model, dispatch_uid=f"search:{kind}:{model._meta.label}:delete")
