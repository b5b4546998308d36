"""CKAN dicts (package, resource, organization) of the catalogue's rows, and the querysets the
actions and the pages read them from."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import UTC, datetime

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from madoguchi.core.models import Section

from .. import regional
from ..models import LICENCE_URLS, Dataset, DatasetTag, Licence, Resource, ResourceVersion, Theme
from .base import NotFound


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
    from ..services import MEDIA_TYPES

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
