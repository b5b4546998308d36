"""Tenants (共同運営): one deployment serves many municipalities, told apart by the request's host.

``TenantMiddleware`` resolves the host name to a ``Municipality`` (through
``MunicipalityDomain``) and activates it for the request; ``Municipality.current()`` and every
scoped query read it from here. Background tasks carry the municipality they were queued for
and run with it active. A single-city deployment needs no host names at all: an unknown host
falls back to the default city (``is_default``) unless ``TENANCY_STRICT_HOSTS`` is on, as it
should be for a 共同運営, where an unknown host answers 404.

The host → municipality lookup is cached (per process for a few seconds, then the shared cache),
so a request costs no query for it; the cache is a copy of rows in the database, never the truth.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import time
from urllib.parse import urlsplit

from django.conf import settings

_current: contextvars.ContextVar = contextvars.ContextVar("madoguchi_municipality", default=None)

_LOCAL_TTL = 10.0  # seconds a process trusts its copy of a host's municipality
_local: dict[str, tuple[float, int | None]] = {}
_by_id: dict[int, tuple[float, object]] = {}
_MISSING = -1


def strict_hosts() -> bool:
    value = getattr(settings, "TENANCY_STRICT_HOSTS", None)
    if value is None:
        value = os.environ.get("TENANCY_STRICT_HOSTS", "") in ("1", "true", "yes")
    return bool(value)


def operator_hosts() -> frozenset[str]:
    """Host names of the 共同運営 operator (``TENANCY_OPERATOR_HOSTS``, comma-separated). When
    set, the operator console answers only there, and those hosts serve no city: only the
    console, signing in and static files. Unset (a single city, or a small deployment), the
    console answers on every host, as before."""
    value = getattr(settings, "TENANCY_OPERATOR_HOSTS", None)
    if value is None:
        value = os.environ.get("TENANCY_OPERATOR_HOSTS", "")
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(normalise_host(h) for h in value if h.strip())


# Paths an operator host serves; every other path there is a 404 (no city's pages on it). The
# CKAN Action API and /opendata/all/ there are the all-cities open data catalogue (opendata/regional.py).
OPERATOR_PATHS = (
    "/operator/", "/accounts/login/", "/accounts/logout/", "/accounts/otp/", "/i18n/", "/static/", "/healthz",
    "/api/3/action/", "/api/action/", "/opendata/all/",
)  # fmt: skip


# --- the active municipality ----------------------------------------------------------------
def current():
    """The active municipality, or None outside any (a management command, the operator)."""
    return _current.get()


_VIEWS_LOADED = False


def load_views_before_any_city() -> None:
    """Import the URL conf — every view, form and module-level queryset — while no city is
    active. A queryset built at import time under a city keeps that city's filter for the life
    of the process (a form's class attribute would list one city's sections on every host), so
    the first activation of a city in a process (a request, a task, ``using`` in a command or
    the demo, whose ``reverse()`` would import the views) imports them first, city-less."""
    global _VIEWS_LOADED
    if _VIEWS_LOADED or _current.get() is not None:
        return
    _VIEWS_LOADED = True
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — the import is the point


def activate(municipality) -> contextvars.Token:
    load_views_before_any_city()
    return _current.set(municipality)


def deactivate(token: contextvars.Token | None = None) -> None:
    if token is not None:
        _current.reset(token)
    else:
        _current.set(None)


@contextlib.contextmanager
def using(municipality, database: bool = False):
    """``with tenancy.using(city): ...`` — run code (a task, a test, a command) for one city.
    ``database``: also set the city on the PostgreSQL connection (row-level security)."""
    load_views_before_any_city()
    token = _current.set(municipality)
    previous = None
    if database:
        previous = _database_city()
        set_database_city(getattr(municipality, "pk", None))
    try:
        yield municipality
    finally:
        _current.reset(token)
        if database:
            set_database_city(previous)


@contextlib.contextmanager
def for_task(municipality):
    """Run a worker's task for its city (None: a platform task, every row). Like a server's
    request, the worker's database session keeps the city between tasks and sets it only when
    it changes (consecutive tasks of one city cost no query); tests, whose connection is
    shared with the test's own queries, restore it afterwards (TENANCY_RESET_DB_CITY)."""
    if reset_database_city_after_request():
        with using(municipality, database=municipality is not None):
            yield municipality
        return
    load_views_before_any_city()
    token = _current.set(municipality)
    set_database_city_if_changed(getattr(municipality, "pk", None))
    try:
        yield municipality
    finally:
        _current.reset(token)


def _database_city() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting(%s, true)", [GUC])
        value = cur.fetchone()[0]
    return int(value) if value and value != ALL_CITIES else None


def current_id() -> int | None:
    m = _current.get()
    return getattr(m, "pk", None)


# --- host names -----------------------------------------------------------------------------
def normalise_host(host: str) -> str:
    host = (host or "").strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host.split("]")[0] + "]"
    return host.split(":")[0].rstrip(".")


def _cache_key(host: str) -> str:
    return f"madoguchi:tenancy:host:{host}"


def forget_host(host: str) -> None:
    _forget(_local, host, _cache_key(host))


def municipality_id_for_host(host: str) -> int | None:
    """The municipality id a host name belongs to, or None."""

    def load():
        from .models import MunicipalityDomain

        return MunicipalityDomain.objects.filter(domain=host).values_list("municipality_id", flat=True).first() or _MISSING

    host = normalise_host(host)
    found = _cached(_local, host, _cache_key(host), load)
    return None if found == _MISSING else found


def _forget(local: dict, key, shared_key: str) -> None:
    """Drop a ``_cached`` value here and in the shared cache (the row behind it changed)."""
    from django.core.cache import cache

    local.pop(key, None)
    try:
        cache.delete(shared_key)
    except Exception:  # the cache table may not exist yet (migrations)
        pass


def _cached(local: dict, key, shared_key: str, load):
    """A value cached in this process for ``_LOCAL_TTL`` seconds and in the shared cache for five
    minutes (forgotten there when the row behind it changes): tenancy's lookups that every
    request or email makes. ``load()`` never returns None (use a marker for "none")."""
    from django.core.cache import cache

    now = time.monotonic()
    hit = local.get(key)
    if hit and hit[0] > now:
        return hit[1]
    found = cache.get(shared_key)
    if found is None:
        found = load()
        cache.set(shared_key, found, 300)
    local[key] = (now + _LOCAL_TTL, found)
    return found


def municipality_by_id(pk: int):
    """A municipality row, cached per process for a few seconds (name, settings are read on
    every page)."""
    from .models import Municipality

    now = time.monotonic()
    hit = _by_id.get(pk)
    if hit and hit[0] > now:
        return hit[1]
    found = Municipality.objects.filter(pk=pk).first()
    _by_id[pk] = (now + _LOCAL_TTL, found)
    return found


_domains: dict[int, tuple[float, str]] = {}


def _domain_key(pk: int) -> str:
    return f"madoguchi:tenancy:primary-domain:{pk}"


def primary_domain(pk: int) -> str:
    """A city's main host name ("" if it has none), cached like the host → city map: every
    email and absolute link needs it (a query per receipt email before)."""

    def load():
        from .models import MunicipalityDomain

        return MunicipalityDomain.objects.filter(municipality_id=pk).order_by("-is_primary", "domain").values_list("domain", flat=True).first() or ""

    return _cached(_domains, pk, _domain_key(pk), load)


def forget_primary_domain(pk: int) -> None:
    _forget(_domains, pk, _domain_key(pk))


def resolve(host: str):
    """The municipality for a request's host; the default city for an unknown host unless
    strict; None when nothing matches."""
    pk = municipality_id_for_host(host)
    if pk is not None:
        return municipality_by_id(pk)
    if strict_hosts():
        return None
    from .models import Municipality

    now = time.monotonic()
    hit = _local.get("")
    if hit and hit[0] > now:
        default_pk = hit[1]
    else:
        default_pk = (
            Municipality.objects.filter(is_default=True).values_list("pk", flat=True).first() or Municipality.objects.values_list("pk", flat=True).first()
        )
        _local[""] = (now + _LOCAL_TTL, default_pk)
    return municipality_by_id(default_pk) if default_pk is not None else None


def clear_caches() -> None:
    """Forget this process's copies (a municipality or host changed here; tests)."""
    _local.clear()
    _by_id.clear()
    _domains.clear()


def site_url_for_domain(domain: str) -> str:
    """``SITE_URL``'s scheme and port with this host name (http://b.localhost:8000)."""
    base = urlsplit(getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000")
    port = f":{base.port}" if base.port else ""
    return f"{base.scheme or 'https'}://{domain}{port}"


UNKNOWN_HOST_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>ページが見つかりません</title></head>
<body><main><h1>このアドレスの自治体は見つかりません</h1>
<p>アドレス（URL）の自治体名の部分が正しいか確かめてください。お住まいの自治体のウェブサイトからもう一度お進みください。</p>
</main></body></html>"""


OPERATOR_HOST_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>ページが見つかりません</title></head>
<body><main><h1>このアドレスは共同運営の管理用です</h1>
<p>手続きや施設の予約は、お住まいの自治体のウェブサイトからお進みください。管理者の方は <a href="/operator/">管理画面</a> からログインしてください。</p>
</main></body></html>"""


_UNTHROTTLED = ("/static/", "/healthz")
_ANY_HOST = ("/healthz",)  # a load balancer checks by address, not by a city's host name


def city_requests_per_second() -> int:
    """Per-city request limit (共同運営: one city's opening rush must not starve the others);
    0 = off, as a single-city deployment wants. ``TENANCY_CITY_REQUESTS_PER_SECOND``."""
    value = getattr(settings, "TENANCY_CITY_REQUESTS_PER_SECOND", None)
    if value is None:
        value = os.environ.get("TENANCY_CITY_REQUESTS_PER_SECOND") or 0
    return int(value)


BUSY_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>ただいま混み合っています</title></head>
<body><main><h1>ただいま混み合っています</h1>
<p>申し込みが集中しています。数秒待ってから、もう一度お試しください。入力した内容は消えていません（ブラウザの「戻る」で戻れます）。</p>
</main></body></html>"""


def busy_response():
    from django.http import HttpResponse

    response = HttpResponse(BUSY_PAGE.encode(), status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "1"
    return response


class TenantMiddleware:
    """Activates the municipality of the request's host for the request (``request.municipality``).
    An unknown host on a strict (共同運営) deployment gets the Japanese 404 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseNotFound

        operator = operator_hosts()
        on_operator_host = is_operator_host(request)
        if on_operator_host:
            # The operator works across cities, for none of them: no city's pages on this host.
            if not request.path.startswith(OPERATOR_PATHS):
                return HttpResponseNotFound(OPERATOR_HOST_PAGE.encode(), content_type="text/html; charset=utf-8")
            municipality = None
        else:
            if operator and request.path.startswith(OPERATOR_PATHS[0]):
                from django.http import Http404

                raise Http404("共同運営の管理画面は、管理用のアドレスでだけ開けます。")  # the site's own 404 page
            municipality = resolve(request.get_host())
        request.municipality = municipality
        if municipality is None and not on_operator_host and strict_hosts() and not request.path.startswith(_ANY_HOST):
            return HttpResponseNotFound(UNKNOWN_HOST_PAGE.encode(), content_type="text/html; charset=utf-8")
        if over_city_limit(request, municipality):
            return busy_response()
        with serving(municipality):
            return self.get_response(request)


def over_city_limit(request, municipality) -> bool:
    """Whether this request exceeds its city's request limit (``city_requests_per_second``): one
    counter per city, shared by every app process, for the full stack and the public reads."""
    city_id = getattr(municipality, "pk", None)
    limit = city_requests_per_second()
    if not limit or city_id is None or request.path.startswith(_UNTHROTTLED):
        return False
    from . import ratelimit

    return not ratelimit.take("city-requests", str(city_id), limit=limit)


def city_of_request(request):
    """The city a request is for, by host name, or None (unknown host, or the 共同運営 operator's
    host, which serves no city): the public reads' cheap version of ``TenantMiddleware``'s
    decision — anything it cannot answer goes on to the middleware, which gives the error page."""
    return None if is_operator_host(request) else resolve(request.get_host())


def is_operator_host(request) -> bool:
    """Whether the request came to the 共同運営 operator's host (which serves no city)."""
    operator = operator_hosts()
    return bool(operator) and normalise_host(request.get_host()) in operator


@contextlib.contextmanager
def serving(municipality):
    """Serve one request for ``municipality``: the active city and the database connection's
    city (row-level security), set only when it changed (a server thread serving one city
    costs no query per request), reset afterwards in tests."""
    city_id = getattr(municipality, "pk", None)
    load_views_before_any_city()
    token = _current.set(municipality)
    reset_after = reset_database_city_after_request()
    if reset_after:
        set_database_city(city_id)
    else:
        set_database_city_if_changed(city_id)
    try:
        yield municipality
    finally:
        _current.reset(token)
        if reset_after and city_id is not None:
            set_database_city(None)


# --- per-city settings ----------------------------------------------------------------------
_CITY_SETTINGS = {
    # city field → deployment-wide setting it overrides
    "sender_email": "DEFAULT_FROM_EMAIL",
    "line_channel_secret": "LINE_CHANNEL_SECRET",
    "line_channel_access_token": "LINE_CHANNEL_ACCESS_TOKEN",
}


def city_setting(name: str, municipality=None, default=None):
    """A per-city setting: the city's own value when it has one, else the deployment's setting
    (``settings.<NAME>`` or the environment), else ``default``. ``municipality`` defaults to
    the active city."""
    m = municipality if municipality is not None else current()
    value = getattr(m, name, "") if m is not None else ""
    if value:
        return value
    fallback = _CITY_SETTINGS.get(name)
    if fallback:
        return getattr(settings, fallback, None) or os.environ.get(fallback) or default
    return default


def provider_settings(kind: str, provider: str, municipality=None) -> dict:
    """A provider's configuration for a city (payments, identity): the city's registration
    merged over the deployment's ``MADOGUCHI_PROVIDERS[kind][provider]`` defaults."""
    m = municipality if municipality is not None else current()
    base = dict(((getattr(settings, "MADOGUCHI_PROVIDERS", {}) or {}).get(kind) or {}).get(provider) or {})
    own = (((getattr(m, "provider_settings", None) or {}).get(kind)) or {}).get(provider) or {}
    return {**base, **own}


# --- scoping every query (the first wall) -----------------------------------------------------
_unscoped: contextvars.ContextVar = contextvars.ContextVar("madoguchi_unscoped", default=False)


@contextlib.contextmanager
def unscoped():
    """Read across cities on purpose (the operator's aggregates, a resident's own records in
    every city, cross-city jobs). Rare and explicit: grep for it in review."""
    token = _unscoped.set(True)
    try:
        yield
    finally:
        _unscoped.reset(token)


@contextlib.contextmanager
def across_cities():
    """Read other cities' rows that were shared on purpose (ひな形: forms' ``SharedTemplate``,
    guide's ``SharedGuide``): the manager's city filter lifted and the PostgreSQL connection's
    city cleared (row-level security). Use it only around a query of shared rows."""
    with unscoped(), using(None, database=True):
        yield


def _scoping_city_id():
    if _unscoped.get():
        return None
    return current_id()


_ALL = "all"  # a queryset made under unscoped(): never filtered later


class TenantQuerySet:
    """Mixed into the queryset of every city-owned model (``CityOwned``).

    A queryset made while no city was active (a form's class attribute, a module-level
    constant) is filtered when it is next cloned under an active city — which Django does before
    using it (``.all()``, ``.filter()``, a form field's copy) — so defining a queryset at import
    time cannot show every city's rows later."""

    _city_scoped = None

    def for_city(self, municipality):
        return self.filter(municipality=municipality)

    def _clone(self):
        clone = super()._clone()
        clone._city_scoped = self._city_scoped
        if clone._city_scoped is None:
            if _unscoped.get():
                clone._city_scoped = _ALL
            else:
                city_id = current_id()
                if city_id is not None:
                    clone.query.add_q(models_q(municipality_id=city_id))
                    clone._city_scoped = city_id
        return clone

    def bulk_create(self, objs, *args, **kwargs):
        """Fill each row's municipality as ``save()`` does (from ``tenant_parent`` or the
        active city) and refuse another city's rows likewise: a bulk insert never writes a
        row without its city. On the queryset, not only the manager, because Django's
        many-to-many ``add()``/``set()`` insert through ``through._default_manager.using(db)``
        — a queryset — so explicit through tables (``alerts.SubscriptionTopic`` …) get their
        city this way. Callers building many rows set ``municipality_id`` themselves, so no
        parent is fetched here."""
        from .models import fill_municipality

        objs = list(objs)
        _fill_from_parents(self.model, objs, self.db)
        for obj in objs:
            fill_municipality(obj)
        return super().bulk_create(objs, *args, **kwargs)


def _fill_from_parents(model, objs, db) -> None:
    """Give rows without a city their parent's (``tenant_parent``) in one query for the lot,
    rather than one fetch of the parent per row (a many-to-many ``set()`` builds rows that
    carry only the parent's id)."""
    parent_name = getattr(model, "tenant_parent", "")
    if not parent_name:
        return
    field = model._meta.get_field(parent_name)
    waiting = [obj for obj in objs if obj.municipality_id is None and getattr(obj, field.attname) is not None and not field.is_cached(obj)]
    if not waiting:
        return
    ids = {getattr(obj, field.attname) for obj in waiting}
    cities = dict(field.related_model._base_manager.using(db).filter(pk__in=ids).values_list("pk", "municipality_id"))
    for obj in waiting:
        obj.municipality_id = cities.get(getattr(obj, field.attname))


def models_q(**kwargs):
    from django.db.models import Q

    return Q(**kwargs)


def tenant_manager_class():
    from django.db import models

    class TenantManager(models.Manager.from_queryset(type("TenantQuerySetImpl", (TenantQuerySet, models.QuerySet), {}))):
        """The default manager of every city-owned model: while a city is active (a request on
        its host, a task queued for it), every query is limited to that city's rows, so a
        forgotten filter cannot show another city's data. Outside any city (management commands,
        the operator's host) it is unfiltered."""

        def get_queryset(self):
            qs = super().get_queryset()
            if _unscoped.get():
                qs._city_scoped = _ALL
                return qs
            city_id = current_id()
            if city_id is None:
                return qs  # scoped later, if a city is active when it is used (_clone)
            qs.query.add_q(models_q(municipality_id=city_id))
            qs._city_scoped = city_id
            return qs

    return TenantManager


# --- PostgreSQL row-level security (the second wall) ------------------------------------------
GUC = "madoguchi.city"


def reset_database_city_after_request() -> bool:
    """Tests share one connection between the client's requests and their own queries (and roll
    back session settings with each test), so they clear the city after every request. A server
    does not need to: every request sets its city first, and a session that served city A is
    only reused by the next request, which sets its own."""
    return bool(getattr(settings, "TENANCY_RESET_DB_CITY", False))


def set_database_city_if_changed(municipality_id: int | None, using: str = "default") -> None:
    """``set_database_city`` without the round trip when this database session already has it
    (a thread serving one city's requests keeps its session: no query per request)."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    conn.ensure_connection()
    session = conn.connection  # a new session (reconnect) starts without the mark, at '*' (None)
    if getattr(session, "_madoguchi_city", None) == municipality_id:
        return
    set_database_city(municipality_id, using)


def set_database_city(municipality_id: int | None, using: str = "default") -> None:
    """Tell PostgreSQL which city this connection works for; row-level security policies on every
    city-owned table compare ``municipality_id`` with it. None = no city ('*', all rows: commands,
    migrations, the operator's aggregates)."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cur:
        cur.execute("SELECT set_config(%s, %s, false)", [GUC, ALL_CITIES if municipality_id is None else str(municipality_id)])
    try:
        conn.connection._madoguchi_city = municipality_id  # what set_database_city_if_changed compares
    except AttributeError:  # a driver connection that takes no attributes: always set
        pass


# The setting's value for "no city, every row" (commands, migrations, the operator). A session
# that never set it sees no row at all: the policy fails closed (and so does a Citus worker that
# did not receive the setting).
ALL_CITIES = "*"


def rls_statements(table: str, column: str = "municipality_id") -> list[str]:
    policy = f"madoguchi_city_{table}"[:63]
    # In a sub-select PostgreSQL reads the setting once per statement (an InitPlan), not once
    # per row: a read of 200,000 rows (the lottery's wishes and applications) evaluated it for each.
    setting = f"(SELECT current_setting('{GUC}', true))"
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        # FORCE: the table's owner (the app's own role) is bound by the policy too.
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS "{policy}" ON "{table}"',
        f"CREATE POLICY \"{policy}\" ON \"{table}\" USING ({setting} = '{ALL_CITIES}' OR \"{column}\" = nullif(nullif({setting}, '{ALL_CITIES}'), '')::bigint)",
    ]


def city_owned_models():
    """Every installed model with a municipality of its own (``CityOwned`` or a ``municipality``
    foreign key)."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if getattr(model, "tenant_exempt", False):
            continue
        try:
            field = model._meta.get_field("municipality")
        except Exception:
            continue
        if getattr(field, "related_model", None) is not None and field.related_model._meta.label == "core.Municipality" and not field.many_to_many:
            found.append(model)
    return found


def apply_row_level_security(using: str = "default", verbosity: int = 0) -> int:
    """(Re)create the policy on every city-owned table (after each migrate). Idempotent."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        return 0
    tables = {m._meta.db_table: m._meta.get_field("municipality").column for m in city_owned_models() if m._meta.managed and not m._meta.proxy}
    existing = set(conn.introspection.table_names())
    n = 0
    with conn.cursor() as cur:
        for table, column in sorted(tables.items()):
            if table not in existing:
                continue
            columns = {c.name for c in conn.introspection.get_table_description(cur, table)}
            if column not in columns:  # a partial migrate, before the column exists
                continue
            for sql in rls_statements(table, column):
                cur.execute(sql)
            n += 1
    return n


def check_tenancy(app_configs=None, **kwargs):
    """System check: every model of the platform's apps is either city-owned (a ``municipality``
    foreign key and a ``TenantManager`` as its default manager) or declares
    ``tenant_exempt = True`` (platform-wide rows: users, the outbox, host names)."""
    from django.apps import apps
    from django.core import checks

    # Every app is city-owned now: a new model that is neither city-owned nor declared
    # platform-wide stops start-up (and CI).
    _level = checks.Error
    problems = []
    manager_class = None
    for model in apps.get_models(include_auto_created=True):
        if not model.__module__.startswith("madoguchi.") or model._meta.proxy or getattr(model, "tenant_exempt", False):
            continue
        if model._meta.label == "core.Municipality":
            continue
        owner = model._meta.auto_created  # the model of a plain many-to-many field, for its link table
        if owner:
            if not getattr(owner, "tenant_exempt", False):
                problems.append(
                    _level(
                        f"{owner._meta.label}: the link table {model._meta.db_table} of a many-to-many field does not carry its municipality",
                        hint="Give the field an explicit through model that is city-owned (alerts.SubscriptionTopic is one; docs/scaling.md).",
                        obj=owner,
                        id="madoguchi.E052",
                    )
                )
            continue
        if model in city_owned_models():
            if manager_class is None:
                from .models import TenantManager as manager_class
            if not isinstance(model._default_manager, manager_class):
                problems.append(
                    _level(
                        f"{model._meta.label} has a municipality but its default manager does not scope by city",
                        hint="Declare `objects = TenantManager()` (madoguchi.core.models) first in the class.",
                        obj=model,
                        id="madoguchi.E050",
                    )
                )
        else:
            problems.append(
                _level(
                    f"{model._meta.label} does not carry its municipality",
                    hint="Inherit madoguchi.core.models.CityOwned (or add a municipality foreign key), or set tenant_exempt = True for platform-wide rows.",
                    obj=model,
                    id="madoguchi.E051",
                )
            )
    return problems


def single_city() -> bool:
    """True while the deployment serves one municipality (cached per process for a few seconds)."""
    from .models import Municipality

    now = time.monotonic()
    hit = _local.get("#single")
    if hit and hit[0] > now:
        return bool(hit[1])
    value = Municipality.objects.count() <= 1
    _local["#single"] = (now + _LOCAL_TTL, value)
    return value
