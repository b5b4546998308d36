"""Keeping generated datasets current through the outbox (core.tasks): a save or delete of a
model a ``datasets`` contributor declared queues ``opendata.refresh`` of that dataset for the
row's city, at most once per ``OPENDATA_REFRESH_INTERVAL`` (5 minutes) per dataset and city.

Throttling uses the outbox's own mechanisms: the task is enqueued with ``delay`` to the end of
the current interval and a ``dedupe_key`` naming the dataset, the city and the interval, so every
change within one interval lands on the same row (a busy day of submissions costs one
regeneration per interval) and the refresh sees every change made before it runs."""

from __future__ import annotations

import logging
import time

from madoguchi.core import tenancy
from madoguchi.core.registry import datasets, on_model_changes
from madoguchi.core.tasks import enqueue, periodic, task

from . import conf

log = logging.getLogger(__name__)


@task("opendata.refresh")
def refresh(key: str, municipality_id: int) -> None:
    from madoguchi.core.models import Municipality

    from . import services

    if key not in datasets:
        log.warning("opendata.refresh: unknown dataset %s", key)
        return
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is None:
        return
    with tenancy.using(municipality):
        services.refresh_generated(key, municipality)


@periodic("opendata.refresh_statistics", every=conf.statistics_interval())
def refresh_statistics() -> int:
    """The periodic generated datasets (statistics: ``GeneratedDataset.periodic``) for every city:
    queued one task per dataset and city, so one city's failure does not stop the others."""
    from madoguchi.core.models import Municipality

    keys = [key for key, plugin in datasets.items() if plugin.periodic]
    slot = int(time.time()) // max(1, conf.statistics_interval())  # dedupe keys stay taken: one per period
    queued = 0
    with tenancy.unscoped():
        for city_id in Municipality.objects.values_list("pk", flat=True):
            for key in keys:
                enqueue("opendata.refresh", for_city=city_id, dedupe_key=f"opendata.refresh:{key}:{city_id}:p{slot}", key=key, municipality_id=city_id)
                queued += 1
    return queued


def queue_refresh(key: str, municipality_id: int, *, now: float | None = None):
    interval = max(1, conf.refresh_interval())
    now = time.time() if now is None else now
    slot = int(now // interval)
    delay = (slot + 1) * interval - now
    dedupe = f"opendata.refresh:{key}:{municipality_id}:{slot}"
    return enqueue("opendata.refresh", for_city=municipality_id, dedupe_key=dedupe, delay=delay, key=key, municipality_id=municipality_id)


def connect_signals() -> None:
    """A save or delete of a model a contributor declared queues its refresh (AppConfig.ready).
    Periodic (statistics) datasets declare no models: the periodic task above refreshes them."""
    on_model_changes(datasets, queue_refresh)
