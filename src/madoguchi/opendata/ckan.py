"""CKAN Action API v3 (the read actions harvesters and ``ckanapi`` use), at /api/3/action/.

Shapes follow ckan/logic/action/get.py and ckan/views/api.py: ``{help, success, result}``;
errors ``{help, success: false, error: {__type, message | field: [..]}}`` with 404 (Not Found
Error), 409 (Validation Error), 400 (Search Query Error, a malformed JSON body, an unknown
action — whose body is a bare JSON string, as CKAN's is). On a city's host an organization is a
section (課) of that city. Reads only: GET (limited like every anonymous read, by the city's
requests per second) or POST with a JSON body (counted by the anonymous-write limit, as every
anonymous POST is; harvesters should use GET, ``ckanapi.RemoteCKAN(get_only=True)``)."""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from datetime import UTC, datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Window
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from madoguchi.core.models import Section

from . import conf, datastore, regional
from .models import LICENCE_URLS, Dataset, DatasetTag, Licence, Resource, ResourceVersion, Theme

CKAN_VERSION = "2.10.4"  # the API generation these shapes follow


class NotFound(Exception):
    pass


class Invalid(Exception):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class SearchQueryError(Exception):
    pass


ACTIONS: dict = {}


def action(func):
    ACTIONS[func.__name__] = func
    return func


# --- the view -----------------------------------------------------------------------------------
def _json(status: int, body) -> HttpResponse:
    response = HttpResponse(json.dumps(body, ensure_ascii=False, default=str), status=status, content_type="application/json;charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # public data, no credentials
    return response


def _params(request) -> dict:
    if request.method == "POST":
        if request.content_type in ("application/json", "text/plain", "") or not request.POST:
            raw = request.body.decode("utf-8", "replace").strip()
            if not raw:
                return {}
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("Request data JSON decoded to a non-dict")
            return data
        source = request.POST
    else:
        source = request.GET
    return {k: (v[0] if len(v) == 1 else v) for k, v in source.lists()}


@csrf_exempt  # reads only, no cookie-based authority is used
def dispatch(request, name: str):
    help_url = request.build_absolute_uri(reverse("ckan:action", args=["help_show"])) + f"?name={name}"
    func = ACTIONS.get(name)
    if func is None:
        return _json(400, f"Bad request - Action name not known: {name}")
    if request.method not in ("GET", "POST"):
        return _json(400, "Bad request - only GET and POST are accepted")
    try:
        params = _params(request)
    except (ValueError, UnicodeDecodeError) as exc:
        return _json(400, f"Bad request - JSON Error: {exc}")
    try:
        result = func(request, params)
    except NotFound as exc:
        message = "Not found" + (f": {exc}" if str(exc) else "")
        return _json(404, {"help": help_url, "success": False, "error": {"__type": "Not Found Error", "message": message}})
    except Invalid as exc:
        return _json(409, {"help": help_url, "success": False, "error": {**exc.errors, "__type": "Validation Error"}})
    except SearchQueryError as exc:
        return _json(400, {"help": help_url, "success": False, "error": {"__type": "Search Query Error", "message": f"Search Query is invalid: {exc}"}})
    return _json(200, {"help": help_url, "success": True, "result": result})


# --- parameters ---------------------------------------------------------------------------------
def _int(params: dict, key: str, default: int, *, maximum: int | None = None) -> int:
    value = params.get(key, default)
    if value in (None, ""):
        return default
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise Invalid({key: ["Invalid integer"]}) from None
    if n < 0:
        raise Invalid({key: ["Must be a natural number"]})
    return min(n, maximum) if maximum is not None else n


def _bool(params: dict, key: str, default: bool = False) -> bool:
    value = params.get(key, default)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes", "on")


def _list(value) -> list:
    """A list parameter: a JSON list, a list (repeated GET keys), or a comma-separated string."""
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            raise Invalid({"fields": ["Invalid JSON list"]}) from None
        return [str(v) for v in parsed]
    return [p.strip() for p in text.split(",") if p.strip()]


def _required(params: dict, key: str) -> str:
    value = params.get(key)
    if value in (None, ""):
        raise Invalid({key: ["Missing value"]})
    return str(value)


# --- dictization ----------------------------------------------------------------------------------
def _ts(value) -> str | None:
    """CKAN's timestamps: UTC, no zone, microseconds (2024-05-01T09:00:00.123456)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value, UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    return value.isoformat()


_PLACEHOLDER = {"opendata:dataset": "placeholder-slug", "opendata:latest": "00000000-0000-4000-8000-000000000000"}


def _abs(request, view: str, arg) -> str:
    """An absolute URL of ``view`` for ``arg``: reverse and the host once per request and view,
    then string substitution (a page of 100 packages would otherwise reverse 200 times)."""
    cache = request.__dict__.setdefault("_opendata_urls", {})
    template = cache.get(view)
    if template is None:
        template = cache[view] = request.build_absolute_uri(reverse(view, args=[_PLACEHOLDER[view]]))
    return template.replace(_PLACEHOLDER[view], str(arg))


def org_name(section) -> str:
    code = re.sub(r"[^a-z0-9_-]", "", (section.code or "").lower())
    return f"section-{code}" if code else f"section-{section.pk}"


def organization(name: str, title: str, description: str, *, package_count: int | None = None, **extra) -> dict:
    """A CKAN organization dict (a section on a city's host, a city on the operator's)."""
    d = {
        "id": name,
        "name": name,
        "title": title,
        "display_name": title,
        "description": description,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "created": None,
        **extra,
    }
    if package_count is not None:
        d["package_count"] = package_count
    return d


def org_dict(request, section, *, package_count: int | None = None) -> dict:
    return organization(org_name(section), section.name, section.location or "", package_count=package_count)


def _sections_by_name() -> dict[str, Section]:
    return {org_name(s): s for s in Section.objects.all()}


def resource_dict(request, resource: Resource, versions: list | None = None) -> dict:
    if versions is None:
        versions = list(resource.versions.order_by("-number"))
    latest = versions[0] if versions else None
    if resource.format == Resource.Format.LINK:
        url = resource.link_url
    elif regional.active(request):  # the operator host serves no city's files: the city's own host
        url = regional.latest_url(resource, resource.municipality)
    else:
        url = _abs(request, "opendata:latest", resource.pk)
    from .services import MEDIA_TYPES

    return {
        "id": str(resource.pk),
        "package_id": str(resource.dataset_id),
        "name": resource.name,
        "description": resource.description,
        "format": resource.format if resource.format != Resource.Format.LINK else "HTML",
        "url": url,
        "url_type": "upload" if resource.format != Resource.Format.LINK else None,
        "mimetype": MEDIA_TYPES.get(resource.format),
        "size": latest.size if latest else None,
        "hash": f"sha256:{latest.sha256}" if latest and latest.sha256 else "",
        "created": _ts(resource.created_at),
        "last_modified": _ts(latest.uploaded_at if latest else resource.modified_at),
        "metadata_modified": _ts(resource.modified_at),
        "position": resource.position,
        "state": "active",
        "datastore_active": bool(resource.is_tabular and latest is not None and latest.row_count is not None),
        "download_count": resource.download_count,
        "version_count": len(versions),
    }


_LICENCE_TITLES = {v: str(label) for v, label in Licence.choices}  # Japanese first; the API answers in ja
_THEME_TITLES = {v: str(label) for v, label in Theme.choices}


def load_related(datasets) -> list[Dataset]:
    """Tags, resources and their versions of a page of datasets, in three queries, kept on each
    dataset for ``package_dict``. Not ``prefetch_related``: it builds a related manager (and a
    city-scoped queryset) per dataset and per resource — 300 of them for a page of 100, which
    cost more than the queries."""
    datasets = list(datasets)
    ids = [ds.pk for ds in datasets]
    tags, resources, versions = defaultdict(list), defaultdict(list), defaultdict(list)
    if ids:
        for dataset_id, name in DatasetTag.objects.filter(dataset_id__in=ids).order_by("name").values_list("dataset_id", "name"):
            tags[dataset_id].append(name)
        found = list(Resource.objects.filter(dataset_id__in=ids).order_by("position", "created_at"))
        fields = ("id", "resource_id", "number", "size", "sha256", "row_count", "uploaded_at")
        for v in ResourceVersion.objects.filter(resource_id__in=[r.pk for r in found]).only(*fields).order_by("-number"):
            versions[v.resource_id].append(v)
        for r in found:
            r.loaded_versions = versions[r.pk]
            resources[r.dataset_id].append(r)
    for ds in datasets:
        ds.loaded_tags, ds.loaded_resources = tags[ds.pk], resources[ds.pk]
    return datasets


def _versions(resource: Resource) -> list:
    loaded = getattr(resource, "loaded_versions", None)
    return loaded if loaded is not None else list(resource.versions.all())


def package_dict(request, ds: Dataset) -> dict:
    tags = getattr(ds, "loaded_tags", None)
    if tags is None:
        tags = [t.name for t in ds.tags.all()]
    resources = getattr(ds, "loaded_resources", None)
    if resources is None:
        resources = list(ds.resources.all())
    theme = Theme(ds.theme) if ds.theme in Theme.values else Theme.OTHER
    licence = Licence(ds.licence) if ds.licence in Licence.values else Licence.CC_BY_4
    extras = [
        {"key": "frequency", "value": ds.frequency},
        {"key": "spatial", "value": ds.spatial or f"{ds.municipality.prefecture}{ds.municipality.name}"},
        {"key": "local_government_code", "value": ds.municipality.code},
    ]
    if ds.temporal_start:
        extras.append({"key": "temporal_start", "value": ds.temporal_start.isoformat()})
    if ds.temporal_end:
        extras.append({"key": "temporal_end", "value": ds.temporal_end.isoformat()})
    if ds.standard:
        extras.append({"key": "standard", "value": ds.standard})
    if regional.active(request):  # all cities: organization = city, links to the city's host
        for r in resources:
            r.municipality = ds.municipality  # already loaded: no query per resource
        name, org, url = regional.package_name(ds), regional.org_dict(ds.municipality), regional.dataset_url(ds)
    else:
        name, org, url = ds.name, org_dict(request, ds.section), _abs(request, "opendata:dataset", ds.name)
    return {
        "id": str(ds.pk),
        "name": name,
        "title": ds.title,
        "notes": ds.notes,
        "type": "dataset",
        "state": "active",
        "private": False,
        "license_id": licence.value,
        "license_title": _LICENCE_TITLES[licence],
        "license_url": LICENCE_URLS.get(licence, ""),
        "owner_org": org["name"],
        "organization": org,
        "author": ds.section.name,
        "maintainer": ds.section.name,
        "maintainer_email": ds.section.email or None,
        "url": url,
        "metadata_created": _ts(ds.created_at),
        "metadata_modified": _ts(ds.modified_at),
        "tags": [{"name": t, "display_name": t, "state": "active", "vocabulary_id": None} for t in tags],
        "num_tags": len(tags),
        "groups": [{"name": theme.value, "title": _THEME_TITLES[theme], "display_name": _THEME_TITLES[theme]}],
        "extras": extras,
        "resources": [resource_dict(request, r, _versions(r)) for r in resources],
        "num_resources": len(resources),
    }


def _datasets():
    return Dataset.objects.filter(is_published=True)


def _with_page(qs):
    """A page of datasets for the API: section and city joined, the rest by ``load_related``."""
    return load_related(qs.select_related("section", "municipality"))


def _with_related(qs):
    versions = ResourceVersion.objects.only(
        "id", "resource_id", "number", "size", "sha256", "row_count", "uploaded_at", "rows_added", "rows_removed", "rows_changed",
        "standard", "error_count", "override_reason",
    ).order_by("-number")  # fmt: skip
    return qs.select_related("section", "municipality").prefetch_related(
        "tags", Prefetch("resources", queryset=Resource.objects.prefetch_related(Prefetch("versions", queryset=versions)))
    )


def _get_dataset(value: str, *, all_cities: bool = False) -> Dataset:
    qs = _datasets().select_related("section", "municipality")
    ds = None
    try:
        ds = qs.filter(pk=uuid.UUID(str(value))).first()
    except ValueError:
        pass
    if ds is None:
        ds = qs.filter(regional.name_q(value) if all_cities else Q(name=value)).first()
    if ds is None:
        raise NotFound()
    return load_related([ds])[0]


# --- actions ------------------------------------------------------------------------------------
@action
def status_show(request, params):
    """Site status: CKAN version and extensions."""
    city = getattr(request, "municipality", None)
    title = f"{city.name} オープンデータカタログ" if city else "オープンデータカタログ"
    if regional.active(request):
        title = "オープンデータカタログ（共同運営のすべての自治体）"
    return {
        "site_title": title,
        "site_description": "",
        "site_url": request.build_absolute_uri("/"),
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "ja",
        "extensions": ["datastore", "dcat"],
    }


@action
def help_show(request, params):
    """The documentation of an action."""
    name = _required(params, "name")
    func = ACTIONS.get(name)
    if func is None:
        raise NotFound(f"Action function not found: {name}")
    return (func.__doc__ or "").strip()


@action
def package_list(request, params):
    """Names of every public dataset (limit, offset)."""
    limit = _int(params, "limit", 0)
    offset = _int(params, "offset", 0)
    if regional.active(request):
        rows = _datasets().order_by("municipality__code", "name").values_list("municipality__code", "name")
        rows = rows[offset : offset + limit] if limit else rows[offset:]
        return [f"{code}-{name}" for code, name in rows]
    names = _datasets().order_by("name").values_list("name", flat=True)
    names = names[offset : offset + limit] if limit else names[offset:]
    return list(names)


@action
def package_show(request, params):
    """One dataset by name or id."""
    return package_dict(request, _get_dataset(_required(params, "id"), all_cities=regional.active(request)))


@action
def resource_show(request, params):
    """One resource by id."""
    value = _required(params, "id")
    try:
        rid = uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None
    resource = Resource.objects.filter(pk=rid, dataset__is_published=True).select_related("dataset").first()
    if resource is None:
        raise NotFound()
    return resource_dict(request, resource)


@action
def tag_list(request, params):
    """Tags of public datasets (query: part of a name; all_fields)."""
    qs = DatasetTag.objects.filter(dataset__is_published=True)
    if params.get("query"):
        qs = qs.filter(name__icontains=str(params["query"]))
    names = list(qs.order_by("name").values_list("name", flat=True).distinct())
    if _bool(params, "all_fields"):
        return [{"id": n, "name": n, "display_name": n, "vocabulary_id": None} for n in names]
    return names


def _publishers():
    counts = dict(_datasets().values("section_id").annotate(n=Count("pk")).values_list("section_id", "n"))
    return [(s, counts[s.pk]) for s in Section.objects.filter(pk__in=counts)], counts


@action
def organization_list(request, params):
    """Sections (課) that publish datasets (all_fields, sort: name|title|package_count, limit, offset)."""
    all_cities = regional.active(request)
    if all_cities:  # organization = city
        orgs = regional.publishers(_datasets())
        name_of, dict_of = regional.org_name, (lambda c, n: regional.org_dict(c, package_count=n))
    else:
        orgs, _counts = _publishers()
        name_of, dict_of = org_name, (lambda s, n: org_dict(request, s, package_count=n))
    sort = str(params.get("sort") or "name asc").strip().split()
    key = {"name": lambda o: name_of(o[0]), "title": lambda o: o[0].name, "package_count": lambda o: o[1]}.get(sort[0], lambda o: name_of(o[0]))
    orgs.sort(key=key, reverse=len(sort) > 1 and sort[1] == "desc")
    offset = _int(params, "offset", 0)
    limit = _int(params, "limit", 0)
    orgs = orgs[offset : offset + limit] if limit else orgs[offset:]
    if _bool(params, "all_fields"):
        return [dict_of(o, n) for o, n in orgs]
    return [name_of(o) for o, _n in orgs]


@action
def organization_show(request, params):
    """One section by name (include_datasets)."""
    value = _required(params, "id")
    if regional.active(request):
        city = regional.city_by_org(value)
        if city is None:
            raise NotFound("Organization was not found.")
        qs = _datasets().filter(municipality=city)
        d = regional.org_dict(city, package_count=qs.count())
    else:
        section = _sections_by_name().get(str(value))
        if section is None:
            raise NotFound("Organization was not found.")
        qs = _datasets().filter(section=section)
        d = org_dict(request, section, package_count=qs.count())
    if _bool(params, "include_datasets"):
        d["packages"] = [package_dict(request, ds) for ds in _with_page(qs.order_by("name")[:1000])]
    return d


# --- package_search ----------------------------------------------------------------------------
_CLAUSE = re.compile(r'([+-]?)([\w.]+):("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|\S+)')
SORTS = {
    "metadata_modified": "modified_at",
    "metadata_created": "created_at",
    "name": "name",
    "title_string": "title",
    "title": "title",
    "id": "id",
}
FACETS = ("organization", "tags", "res_format", "license_id", "groups")


def _date_bound(text: str):
    text = text.strip()
    if text in ("*", ""):
        return None
    if text.upper().startswith("NOW"):
        return timezone.now()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchQueryError(f"invalid date {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _clause_q(field: str, raw: str, all_cities: bool = False) -> Q:
    value = raw[1:-1] if raw.startswith('"') and raw.endswith('"') else raw
    if raw[:1] in "[{":
        inner = raw[1:-1].split(" TO ")
        if len(inner) != 2 or field not in ("metadata_modified", "metadata_created"):
            raise SearchQueryError(f"range on {field!r} not supported")
        column = SORTS[field]
        low, high = _date_bound(inner[0]), _date_bound(inner[1])
        q = Q()
        if low is not None:
            q &= Q(**{f"{column}__gte" if raw[0] == "[" else f"{column}__gt": low})
        if high is not None:
            q &= Q(**{f"{column}__lte" if raw[-1] == "]" else f"{column}__lt": high})
        return q
    if field in ("organization", "owner_org") and all_cities:
        return regional.org_q(value)
    if field in ("organization", "owner_org"):
        section = _sections_by_name().get(value)
        return Q(section_id=section.pk) if section else Q(pk__in=[])
    if field in ("tags", "tag"):
        return Q(Exists(DatasetTag.objects.filter(dataset=OuterRef("pk"), name=value)))
    if field in ("res_format", "format"):
        fmt = "LINK" if value.upper() == "HTML" else value
        return Q(Exists(Resource.objects.filter(dataset=OuterRef("pk"), format__iexact=fmt)))
    if field == "license_id":
        return Q(licence=value)
    if field in ("groups", "theme"):
        return Q(theme=value)
    if field == "name":
        return regional.name_q(value) if all_cities else Q(name=value)
    if field == "id":
        try:
            return Q(pk=uuid.UUID(value))
        except ValueError:
            return Q(pk__in=[])
    if field in ("title", "text", "notes"):
        return _text_q(value)
    if field in ("standard",):
        return Q(standard=value)
    raise SearchQueryError(f"unknown field {field!r}")


def _text_q(term: str) -> Q:
    # The tags as ``IN (subquery)``, not a correlated EXISTS: OR'd with the columns, EXISTS is run
    # once per dataset; IN is hashed once per query (5,000 datasets: 36 ms → a few).
    tagged = DatasetTag.objects.filter(name__icontains=term).values("dataset_id")
    return Q(title__icontains=term) | Q(notes__icontains=term) | Q(pk__in=tagged)


def _parse_query(text: str, *, free_text: bool, all_cities: bool = False) -> Q:
    text = (text or "").strip()
    q = Q()
    if not text or text == "*:*":
        return q
    for sign, field, raw in _CLAUSE.findall(text):
        if field == "*" and raw == "*":
            continue
        clause = _clause_q(field, raw, all_cities)
        q &= ~clause if sign == "-" else clause
    rest = _CLAUSE.sub(" ", text)
    for term in rest.replace("AND", " ").replace("　", " ").split():
        if term in ("*", "*:*", "+", "OR"):
            continue
        if not free_text:
            raise SearchQueryError(f"cannot parse {term!r}")
        q &= _text_q(term.strip('"'))
    return q


def _sort(text: str) -> list[str]:
    order = []
    for part in (text or "score desc, metadata_modified desc").split(","):
        bits = part.split()
        if not bits:
            continue
        field, direction = bits[0], (bits[1].lower() if len(bits) > 1 else "asc")
        if direction not in ("asc", "desc"):
            raise SearchQueryError(f"bad sort direction {direction!r}")
        if field == "score":
            continue
        column = SORTS.get(field)
        if column is None:
            raise SearchQueryError(f"cannot sort by {field!r}")
        order.append(("-" if direction == "desc" else "") + column)
    if not any(o.lstrip("-") == "modified_at" for o in order):
        order.append("-modified_at")
    order.append("id")  # a total order, so paging never repeats or skips a dataset
    return order


def _facets(qs, fields: list[str], limit: int, mincount: int, all_cities: bool = False) -> tuple[dict, dict]:
    facets, search_facets = {}, {}
    ids = qs.values("pk")
    for field in fields:
        if field not in FACETS:
            continue
        if field == "organization" and all_cities:
            pairs = regional.org_facet(qs)
        elif field == "organization":
            sections = {s.pk: s for s in Section.objects.all()}
            pairs = [
                (org_name(sections[sid]), sections[sid].name, n)
                for sid, n in qs.order_by().values_list("section_id").annotate(n=Count("pk"))
                if sid in sections
            ]
        elif field == "tags":
            pairs = [
                (n, n, c) for n, c in DatasetTag.objects.filter(dataset__in=ids).order_by().values_list("name").annotate(c=Count("dataset", distinct=True))
            ]
        elif field == "res_format":
            pairs = [
                (f, f, c) for f, c in Resource.objects.filter(dataset__in=ids).order_by().values_list("format").annotate(c=Count("dataset", distinct=True))
            ]
        elif field == "license_id":
            labels = dict(Licence.choices)
            pairs = [(v, str(labels.get(v, v)), c) for v, c in qs.order_by().values_list("licence").annotate(c=Count("pk"))]
        else:
            labels = dict(Theme.choices)
            pairs = [(v, str(labels.get(v, v)), c) for v, c in qs.order_by().values_list("theme").annotate(c=Count("pk"))]
        pairs = sorted((p for p in pairs if p[2] >= mincount), key=lambda p: (-p[2], p[0]))[:limit]
        facets[field] = {name: count for name, _title, count in pairs}
        search_facets[field] = {"title": field, "items": [{"name": name, "display_name": title, "count": count} for name, title, count in pairs]}
    return facets, search_facets


@action
def package_search(request, params):
    """Search datasets: q, fq, rows, start, sort, facet.field, facet.limit, facet.mincount."""
    rows = _int(params, "rows", 10, maximum=conf.search_rows_max())
    start = _int(params, "start", 0)
    all_cities = regional.active(request)
    qs = _datasets().filter(_parse_query(str(params.get("q") or ""), free_text=True, all_cities=all_cities))
    fq = params.get("fq") or ""
    for clause in fq if isinstance(fq, list) else [fq]:
        qs = qs.filter(_parse_query(str(clause), free_text=False, all_cities=all_cities))
    sort_text = str(params.get("sort") or "score desc, metadata_modified desc")
    order = _sort(sort_text)
    if all_cities:  # the all-cities name is <団体コード>-<name>
        order = [o for col in order for o in ((f"{col[:-4]}municipality__code", col) if col.lstrip("-") == "name" else (col,))]
    # The count rides on the page's query (COUNT(*) OVER ()): the filter is evaluated once. Only
    # a page past the end (or rows=0) needs a count of its own.
    page = _with_page(qs.annotate(search_total=Window(Count("pk"))).order_by(*order)[start : start + rows]) if rows else []
    count = page[0].search_total if page else qs.count()
    results = [package_dict(request, ds) for ds in page]
    facet_fields = _list(params.get("facet.field"))
    facets, search_facets = _facets(qs, facet_fields, _int(params, "facet.limit", 50), _int(params, "facet.mincount", 1), all_cities)
    return {"count": count, "results": results, "facets": facets, "search_facets": search_facets, "sort": sort_text}


# --- datastore_search ----------------------------------------------------------------------------
def _filters(params) -> dict:
    value = params.get("filters")
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise Invalid({"filters": ["Not a JSON object"]}) from None
    if not isinstance(value, dict):
        raise Invalid({"filters": ["Not a JSON object"]})
    return value


@action
def datastore_search(request, params):
    """Rows of a tabular resource's current version: resource_id, q, filters, limit, offset, fields, sort, include_total."""
    rid = _required(params, "resource_id")
    try:
        resource = Resource.objects.filter(pk=uuid.UUID(rid), dataset__is_published=True).first()
    except ValueError:
        resource = None
    if resource is None:
        raise NotFound(f'Resource "{rid}" was not found.')
    version = resource.versions.order_by("-number").first()
    if version is None or version.row_count is None:
        raise NotFound(f'Resource "{rid}" was not found.')
    columns = list(version.columns)
    limit = _int(params, "limit", 100, maximum=conf.datastore_limit_max())
    offset = _int(params, "offset", 0)
    filters = _filters(params)
    q = params.get("q")
    if isinstance(q, str) and q.startswith("{"):
        try:
            q = json.loads(q)
        except ValueError:
            pass
    fields = _list(params.get("fields")) or ["_id", *columns]
    sort_text = str(params.get("sort") or "")
    try:
        query = datastore.Query(version, filters=filters, q=q if isinstance(q, dict) else (str(q) if q else None), sort=sort_text)
    except datastore.QueryError as exc:
        raise Invalid(exc.errors) from None
    unknown = [f for f in fields if f != "_id" and f not in columns]
    if unknown:
        raise Invalid({"fields": [f'field "{f}" not in resource' for f in unknown]})
    include_total = _bool(params, "include_total", True)
    records = [{f: (number if f == "_id" else data.get(f, "")) for f in fields} for number, data in query.rows(offset, limit)]
    base = reverse("ckan:action", args=["datastore_search"])
    result = {
        "include_total": include_total,
        "resource_id": str(resource.pk),
        "fields": [{"id": f, "type": "int" if f == "_id" else "text"} for f in fields],
        "records_format": "objects",
        "records": records,
        "limit": limit,
        "_links": {"start": f"{base}?resource_id={resource.pk}", "next": f"{base}?resource_id={resource.pk}&offset={offset + limit}"},
    }
    if offset:
        result["offset"] = offset
    if filters:
        result["filters"] = filters
    if q:
        result["q"] = q
    if sort_text:
        result["sort"] = sort_text
    if include_total:
        result["total"] = query.count()
    return result
