"""The month's calendar, computed once per change (空き状況のキャッシュ; issue #14 item 1).

When a popular court opens, every resident loads its month again and again; computing 31 days
of frames in Python per read was the rush's bottleneck. Here the month of a unit is computed
once and kept in the shared cache (Redis in production) under a key naming the city, the unit,
the month and the facility's **calendar version** (``CalendarVersion``):

- every change that alters a calendar raises the version *in its own transaction* (``bump``,
  wired to the models' save/delete signals below and called by the services that write with
  ``QuerySet.update``), so the first read after the commit misses the cache and recomputes;
  a rolled-back change raises nothing;
- a reader reads the version *before* computing, and stores what it computed under that
  version: a month computed from data older than a commit can only land under the old key,
  which nobody asks for after the commit;
- some changes need no write: a hold running out frees its frame, a frame's start makes it
  past, midnight moves the booking window. The entry carries the earliest such moment
  (``services.month_state``) and is recomputed after it;
- the entry keeps the API's JSON ready, so a cached API read is one small SQL query (the
  version), one cache get and no serialisation. The HTML page renders the same days.

A free frame can only be shown stale by an HTTP cache in front (``s-maxage``, a second by
default); the booking POST then answers 「予約済み」 at once (``queries.unit_day``'s taken check,
then the unique constraint).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from madoguchi.core import rawsql, tenancy

from . import services
from .models import Booking, CalendarVersion, ClosedPeriod, Facility, FrameDefinition, Lottery, OpeningHours, Unit

_t, _c = rawsql.table, rawsql.column


def max_age() -> int:
    """Seconds a reverse proxy may answer a public calendar from its cache
    (RESERVATIONS_CALENDAR_MAX_AGE, sent as ``s-maxage``). Browsers get ``max-age=0`` and
    revalidate every time (a 304 from the proxy is cheap), so a resident who reloads after
    「予約済み」 sees the proxy's copy, at most this old, never an older one of their own."""
    return int(getattr(settings, "RESERVATIONS_CALENDAR_MAX_AGE", 1))


def cache_seconds() -> int:
    """Upper bound on a cached month's life in the shared cache (memory only: correctness comes
    from the version and the stale moment)."""
    return int(getattr(settings, "RESERVATIONS_CALENDAR_CACHE_SECONDS", 3600))


# --- the version ---------------------------------------------------------------------------
@functools.cache
def _bump_sql(vendor: str) -> str:
    v = _c(CalendarVersion, "version")
    return f"UPDATE {_t(CalendarVersion)} SET {v} = {v} + 1 WHERE {_c(CalendarVersion, 'facility')} = %s AND {_c(CalendarVersion, 'municipality')} = %s"


def bump(facility_id: int, municipality_id: int | None = None) -> None:
    """Raise the facility's calendar version in the current transaction (creating the row on
    first use). Call it inside the transaction that makes the change. Every successful booking
    runs it, so the UPDATE is written out (Raw SQL sites, docs/engineering.md)."""
    if facility_id is None:
        return
    if municipality_id is None:
        with tenancy.unscoped():
            municipality_id = Facility.objects.filter(pk=facility_id).values_list("municipality_id", flat=True).first()
        if municipality_id is None:
            return
    with connection.cursor() as cur:
        cur.execute(_bump_sql(connection.vendor), [facility_id, municipality_id])
        if cur.rowcount:
            return
    try:
        with transaction.atomic():
            CalendarVersion.objects.create(facility_id=facility_id, municipality_id=municipality_id, version=1)
    except IntegrityError:  # another transaction created it first
        with connection.cursor() as cur:
            cur.execute(_bump_sql(connection.vendor), [facility_id, municipality_id])


@functools.cache
def _unit_sql(vendor: str) -> str:
    unit, facility = f"u.{_c(Unit, 'id')}", f"f.{_c(Facility, 'id')}"
    return f"""
SELECT u.{_c(Unit, "facility")}, COALESCE(v.{_c(CalendarVersion, "version")}, 0)
FROM {_t(Unit)} u INNER JOIN {_t(Facility)} f ON {facility} = u.{_c(Unit, "facility")} AND f.{_c(Facility, "municipality")} = u.{_c(Unit, "municipality")}
  LEFT JOIN {_t(CalendarVersion)} v ON v.{_c(CalendarVersion, "facility")} = {facility} AND v.{_c(CalendarVersion, "municipality")} = u.{_c(Unit, "municipality")}
WHERE {unit} = %s AND u.{_c(Unit, "municipality")} = %s AND u.{_c(Unit, "is_active")} AND f.{_c(Facility, "is_public")}"""


def unit_version(unit_id: int, municipality_id: int) -> tuple[int, int] | None:
    """(facility id, calendar version) of a bookable unit of the city, in one query; None if
    the unit is not found, inactive or its facility not public."""
    with connection.cursor() as cur:
        cur.execute(_unit_sql(connection.vendor), [unit_id, municipality_id])
        row = cur.fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


def facility_version(facility_id: int, municipality_id: int | None = None) -> int:
    rows = CalendarVersion.objects.filter(facility_id=facility_id)
    if municipality_id is not None:
        rows = rows.filter(municipality_id=municipality_id)
    return rows.values_list("version", flat=True).first() or 0


# --- the cached month ----------------------------------------------------------------------
@dataclass
class Month:
    """One unit's month as shown: ``days`` (``services.availability``'s shape, for pages),
    ``json`` (the API's body), ``etag`` and ``stale_at`` (recompute after it)."""

    days: list[dict]
    json: bytes
    etag: str
    stale_at: dt.datetime


@dataclass
class ApiMonth:
    """The API's part of a ``Month`` (no ``days``), cached under its own key: the calendar API and
    the public read load a few hundred bytes instead of unpickling a month of frame objects."""

    json: bytes
    etag: str
    stale_at: dt.datetime


def _key(municipality_id: int, unit_id: int, year: int, month: int, version: int) -> str:
    return f"resv:cal:{municipality_id}:{unit_id}:{year:04d}{month:02d}:v{version}"


def as_api(days: list[dict]) -> list[dict]:
    return [
        {
            "date": d["date"].isoformat(),
            "closed": d["closed"],
            "frames": [
                {"start": f"{f['frame'].start:%H:%M}", "end": f"{f['frame'].end:%H:%M}", "label": f["frame"].label, "state": f["state"]} for f in d["frames"]
            ],
        }
        for d in days
    ]


def month(
    unit_id: int,
    year: int,
    month_: int,
    *,
    municipality_id: int | None = None,
    version: int | None = None,
    unit: Unit | None = None,
    now=None,
    api_only: bool = False,
) -> Month | ApiMonth | None:
    """The month of a bookable unit of the city (default: the active one), from the cache when
    its version and time allow, else computed and stored. ``version``: already read by the
    caller (``unit_version``) — it must be read before computing. ``api_only``: only the JSON
    and ETag are wanted (an ``ApiMonth``, a much smaller cache entry). None: no such unit."""
    city = municipality_id if municipality_id is not None else tenancy.current_id()
    if version is None:
        found = unit_version(unit_id, city)
        if found is None:
            return None
        version = found[1]
    now = now or timezone.now()
    key = _key(city, unit_id, year, month_, version)
    entry = cache.get(key + ":api" if api_only else key)
    if entry is not None and entry.stale_at > now:
        return entry
    if unit is None:
        unit = Unit.objects.select_related("facility").filter(pk=unit_id, is_active=True, facility__is_public=True).first()
        if unit is None:
            return None
    days, stale_at = services.month_state(unit, year, month_, now)
    body = json.dumps(as_api(days), ensure_ascii=False, separators=(",", ":")).encode()
    etag = f'"cal-{city}-{unit_id}-{year:04d}{month_:02d}-v{version}-{int(stale_at.timestamp())}"'
    entry = Month(days=days, json=body, etag=etag, stale_at=stale_at)
    light = ApiMonth(json=body, etag=etag, stale_at=stale_at)
    timeout = max(1, min(cache_seconds(), int((stale_at - now).total_seconds()) + 1))
    cache.set_many({key: entry, key + ":api": light}, timeout)
    return light if api_only else entry


@dataclass
class FacilityMonth:
    """Every bookable unit's month of a facility: ``units`` [(unit id, name, ApiMonth)], the
    API's ``json`` and an ``etag`` naming the facility's version."""

    units: list
    json: bytes
    etag: str


def facility_month(facility_id: int, year: int, month_: int, *, municipality_id: int | None = None, now=None) -> FacilityMonth | None:
    """The month of each active unit of a public facility of the city, each from the cache
    like ``month``: the facility's version is read once, before anything is computed."""
    city = municipality_id if municipality_id is not None else tenancy.current_id()
    version = facility_version(facility_id, city)
    units = list(
        Unit.objects.filter(facility_id=facility_id, municipality_id=city, is_active=True, facility__is_public=True).order_by("pk").values_list("pk", "name")
    )
    if not units:
        return None
    now = now or timezone.now()
    out = []
    for pk, name in units:
        m = month(pk, year, month_, municipality_id=city, version=version, now=now, api_only=True)
        if m is not None:
            out.append((pk, name, m))
    parts = [b'{"unit_id":%d,"unit":%s,"days":%s}' % (pk, json.dumps(name, ensure_ascii=False).encode(), m.json) for pk, name, m in out]
    stale = min((m.stale_at for _, _, m in out), default=now)
    etag = f'"calf-{city}-{facility_id}-{year:04d}{month_:02d}-v{version}-{len(out)}-{int(stale.timestamp())}"'
    return FacilityMonth(units=out, json=b"[" + b",".join(parts) + b"]", etag=etag)


def not_modified(request, etag: str) -> bool:
    """Whether the request's If-None-Match names ``etag`` (weak or strong, or *)."""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return etag in tags


# --- what raises the version ---------------------------------------------------------------
def _facility_of(instance) -> int | None:
    if isinstance(instance, Facility):
        return instance.pk
    if isinstance(instance, Booking):
        unit = Booking.unit.field.get_cached_value(instance, None)
        if unit is not None:
            return unit.facility_id
        with tenancy.unscoped():
            return Unit.objects.filter(pk=instance.unit_id).values_list("facility_id", flat=True).first()
    return getattr(instance, "facility_id", None)


def _changed(sender, instance, **kwargs):
    if kwargs.get("raw"):  # fixtures
        return
    if isinstance(instance, Facility) and kwargs.get("signal") is post_delete:
        return
    bump(_facility_of(instance), getattr(instance, "municipality_id", None) if not isinstance(instance, Facility) else instance.municipality_id)


for _model in (Booking, ClosedPeriod, OpeningHours, FrameDefinition, Lottery, Unit, Facility):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"reservations.calendar.{_model.__name__}.save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"reservations.calendar.{_model.__name__}.delete")


def response(request, cal):
    """The API's answer for a cached month (a unit's or a facility's): 304 when the client has
    it, else the stored JSON; with its ETag, cacheable by a shared cache for ``max_age()`` (it
    holds no personal data)."""
    from django.http import HttpResponse, HttpResponseNotModified
    from django.utils.cache import patch_cache_control

    answer = HttpResponseNotModified() if not_modified(request, cal.etag) else HttpResponse(cal.json, content_type="application/json")
    answer["ETag"] = cal.etag
    patch_cache_control(answer, public=True, max_age=0, s_maxage=max_age())
    return answer
