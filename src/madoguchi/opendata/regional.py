"""The 共同運営 operator's all-cities catalogue (全自治体のオープンデータカタログ), as regional
portals such as BODIK serve: on the operator's host (``core.tenancy.is_operator_host``) the CKAN
Action API lists every city's published datasets, with organization = city (``city-<団体コード>``)
instead of the city host's organization = section.

No city is active there (``TenantMiddleware`` serves the operator host with none, and the
database city is ``*``), so the reads already span every city; what changes is naming:

- a dataset's CKAN name is ``<団体コード>-<name>`` (names are unique only within a city), and
  ``package_show`` accepts that or the dataset's id;
- links (the dataset page, a resource's latest file) point at the dataset's own city host,
  because the operator host serves no city's pages.

Only published datasets are read, as on a city's host (``ckan._datasets``)."""

from __future__ import annotations

import re

from django.db.models import Count, Q

from madoguchi.core import tenancy
from madoguchi.core.links import absolute_url
from madoguchi.core.models import Municipality

ORG_PREFIX = "city-"
_NAME = re.compile(r"^(\d{6})-(.+)$")


def active(request) -> bool:
    """Whether this request is for the all-cities catalogue (the operator's host)."""
    return getattr(request, "municipality", None) is None and tenancy.is_operator_host(request)


def org_name(city: Municipality) -> str:
    return f"{ORG_PREFIX}{city.code}"


def org_dict(city: Municipality, *, package_count: int | None = None) -> dict:
    from .ckan import organization

    extras = [{"key": "local_government_code", "value": city.code}, {"key": "site_url", "value": city.site_url or ""}]
    return organization(org_name(city), f"{city.prefecture}{city.name}", city.address or "", package_count=package_count, extras=extras)


def city_by_org(value: str) -> Municipality | None:
    value = str(value)
    if not value.startswith(ORG_PREFIX):
        return None
    return Municipality.objects.filter(code=value[len(ORG_PREFIX) :]).first()


def org_q(value: str) -> Q:
    """The ``organization:`` filter of package_search on the operator host."""
    city = city_by_org(value)
    return Q(municipality_id=city.pk) if city else Q(pk__in=[])


def package_name(ds) -> str:
    return f"{ds.municipality.code}-{ds.name}"


def name_q(value: str) -> Q:
    """A dataset by its all-cities name (``<団体コード>-<name>``)."""
    match = _NAME.match(str(value))
    if not match:
        return Q(pk__in=[])
    return Q(municipality__code=match.group(1), name=match.group(2))


def dataset_url(ds) -> str:
    return absolute_url("opendata:dataset", ds.name, municipality=ds.municipality)


def latest_url(resource, municipality) -> str:
    return absolute_url("opendata:latest", resource.pk, municipality=municipality)


def publishers(datasets) -> list[tuple[Municipality, int]]:
    """Cities with published datasets and how many, by 団体コード."""
    counts = dict(datasets.order_by().values("municipality_id").annotate(n=Count("pk")).values_list("municipality_id", "n"))
    return [(c, counts[c.pk]) for c in Municipality.objects.filter(pk__in=counts).order_by("code")]


def org_facet(qs) -> list[tuple[str, str, int]]:
    cities = {c.pk: c for c in Municipality.objects.all()}
    return [
        (org_name(cities[cid]), f"{cities[cid].prefecture}{cities[cid].name}", n)
        for cid, n in qs.order_by().values_list("municipality_id").annotate(n=Count("pk"))
        if cid in cities
    ]
