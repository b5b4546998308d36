"""共同運営 isolation, one level above the section tests: two cities from the same demo loaders
(so the same slugs, codes and shapes), city A's rows marked, then every URL pattern of the site
— pages, API operations, exports, feeds, files — requested on city B's host with city A's ids,
as a visitor, as the resident who has records in both cities and as B's administrator. Nothing
of A may appear. Then B's background tasks run and B's emails are read the same way.

The marker: every free-text column of every city-owned row of A gets 「〔A市〕」 appended, so
a leak shows whatever the page, the field or the format (CSV, JSON, XLSX, iCalendar, PDF text is
not parsed: a PDF leak still shows in its link's page).
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile

import pytest
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from madoguchi.core import tenancy

MARK = "〔A市〕"
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


# Pages that show a user's own records of every city on purpose (one account across a 共同運営).
BY_DESIGN = {"resident": ("/accounts/everywhere/",)}


def _text_fields(model):
    for field in model._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField) and not field.choices and not field.unique:
            if isinstance(field, models.SlugField | models.EmailField | models.URLField | models.GenericIPAddressField):
                continue
            name = field.name
            if any(
                part in name
                for part in (
                    "code",
                    "token",
                    "key",
                    "slug",
                    "hash",
                    "secret",
                    "seed",
                    "digest",
                    "password",
                    "kana",
                    "postal",
                    "phone",
                    "url",
                    "email",
                    "number",
                    "mime",
                    "content_type",
                    "status",
                    "channel",
                    "language",
                )
            ):
                continue
            yield field


def _mark_city(city) -> int:
    """Append the marker to every free-text column of every row of ``city`` (in the database,
    bypassing save(): append-only models included)."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Left

    marked = 0
    for model in tenancy.city_owned_models():
        fields = list(_text_fields(model))
        if not fields:
            continue
        updates = {}
        for f in fields:
            expr = Concat(f.name, Value(MARK), output_field=f)
            updates[f.name] = Left(expr, f.max_length) if getattr(f, "max_length", None) else expr
        with tenancy.unscoped():
            marked += model._base_manager.filter(municipality=city).exclude(**{f"{fields[0].name}": ""}).update(**updates)
    return marked


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _ids_of(city) -> dict[str, list]:
    """Candidate values for URL parameters, taken from city A's rows."""
    ints, uuids, codes, tokens = set(), set(), set(), set()
    for model in tenancy.city_owned_models():
        with tenancy.unscoped():
            rows = model._base_manager.filter(municipality=city)
            pks = rows.values_list("pk", flat=True)[:30]
            (ints if isinstance(model._meta.pk, models.IntegerField) else uuids).update(
                pks if isinstance(model._meta.pk, models.IntegerField) else map(str, pks)
            )
            for field in model._meta.concrete_fields:
                if isinstance(field, models.UUIDField):
                    uuids.update(str(v) for v in rows.values_list(field.name, flat=True)[:10])
                elif isinstance(field, models.CharField) and field.name in ("code", "receipt_number"):
                    codes.update(v for v in rows.values_list(field.name, flat=True)[:10] if v)
                elif isinstance(field, models.CharField) and field.name in ("token", "link_code"):
                    tokens.update(v for v in rows.values_list(field.name, flat=True)[:10] if v)
    return {"int": sorted(ints), "uuid": sorted(uuids), "code": sorted(codes), "token": sorted(tokens)}


_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _urls(pattern: str, ids: dict) -> list[str]:
    """Concrete paths for a pattern: each parameter filled with A's values of its kind."""
    if pattern.startswith("^") or "(?P" in pattern:
        return []  # regex patterns (static files, media): not the site's own views
    params = _PARAM.findall(pattern)
    if not params:
        return [pattern]
    choices = []
    for conv, name in params:
        if conv == "int" or name.endswith("_id") or name in ("pk", "id", "year", "fiscal_year", "number"):
            values = [str(v) for v in ids["int"]][:15]
        elif conv == "uuid" or "uuid" in name:
            values = ids["uuid"][:10] or [str(uuid.uuid4())]
        elif name in ("token", "key", "link_code"):
            values = ids["token"][:10] or ["x"]
        else:  # slug, code, str
            values = (ids["code"][:10] + ["csv", "xlsx", "pdf", "json"]) if name in ("code", "fmt", "format") else ids["code"][:10] or ["x"]
        choices.append(values)
    # One parameter varies at a time; the others take their first value (enough to reach every
    # object of A through every view, without the full product).
    urls = set()
    for i, values in enumerate(choices):
        for value in values:
            parts = [c[0] for c in choices]
            parts[i] = value
            url = pattern
            for (_conv, name), part in zip(params, parts, strict=True):
                url = re.sub(rf"<(?:\w+:)?{name}>", part, url, count=1)
            urls.add(url)
    return sorted(urls)


def _text(response) -> str:
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if body[:2] == b"PK":  # XLSX
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as z:
                return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        except zipfile.BadZipFile:
            pass
    return body.decode("utf-8", "replace")


@pytest.fixture
def two_demo_cities(db):
    from django.core.management import call_command

    from madoguchi.core.models import Municipality

    call_command("load_demo", verbosity=0)
    a = Municipality.objects.get(domains__domain="midorino.localhost")
    b = Municipality.objects.get(domains__domain="aobadai.localhost")
    assert _mark_city(a) > 0
    tenancy.clear_caches()
    return a, b


def _users(b):
    from django.contrib.auth import get_user_model

    from madoguchi.core import demo

    User = get_user_model()
    return {
        "visitor": None,
        "resident": User.objects.get(email=demo.RESIDENT_EMAIL),
        "admin_b": User.objects.get(email=f"admin@{demo.NEIGHBOUR_STAFF_DOMAIN}"),
    }


def test_nothing_of_city_a_shows_on_city_b(client, two_demo_cities, settings):
    from madoguchi.accounts.testing import login_staff

    a, b = two_demo_cities
    settings.TENANCY_STRICT_HOSTS = True
    ids = _ids_of(a)
    host = "aobadai.localhost"
    leaks, served = [], 0
    for who, user in _users(b).items():
        client.logout()
        if user is not None:
            login_staff(client, user) if user.is_staff else client.force_login(user)
        for pattern, _entry in _patterns():
            for path in _urls(pattern, ids):
                url = "/" + path.lstrip("/")
                if url.startswith(("/accounts/logout", "/static/", "/media/")):
                    continue
                try:
                    response = client.get(url, HTTP_HOST=host)
                except Exception as exc:  # a view that fails on an odd id is another test's business
                    leaks.append(f"{who} GET {url}: raised {type(exc).__name__}")
                    continue
                served += 1
                if url in BY_DESIGN.get(who, ()):
                    continue
                if response.status_code == 200 and MARK in _text(response):
                    leaks.append(f"{who} GET {url}")
    assert served > 200
    assert not leaks, "city A's data on city B's host:\n" + "\n".join(leaks[:50])


def test_city_b_tasks_and_emails_carry_nothing_of_a(two_demo_cities, run_tasks, mailoutbox):
    from madoguchi.core.models import Task

    a, b = two_demo_cities
    with tenancy.using(b):
        run_tasks()
    b_tasks = Task.objects.filter(municipality=b)
    for task in b_tasks:
        assert MARK not in str(task.payload)
    for message in mailoutbox:
        assert MARK not in message.subject + message.body or any(addr.endswith("midorino.example.lg.jp") for addr in message.to)
