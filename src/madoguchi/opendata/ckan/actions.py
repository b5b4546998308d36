"""The CKAN read actions other than package_search and datastore_search."""

from __future__ import annotations

import uuid

from django.db.models import Count

from madoguchi.core.models import Section

from .. import regional
from ..models import DatasetTag, Resource
from .base import ACTIONS, CKAN_VERSION, NotFound, _bool, _int, _required, action
from .dictize import _datasets, _get_dataset, _sections_by_name, _with_page, org_dict, org_name, package_dict, resource_dict


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
