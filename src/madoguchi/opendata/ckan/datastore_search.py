"""datastore_search: rows of a tabular resource's current version (through ``datastore.Query``)."""

from __future__ import annotations

import json
import uuid

from django.urls import reverse

from .. import conf, datastore
from ..models import Resource
from .base import Invalid, NotFound, _bool, _int, _list, _required, action


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
