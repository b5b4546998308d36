"""package_search: CKAN's q/fq query syntax (the clauses harvesters send), sort and facets."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from django.db.models import Count, Exists, OuterRef, Q, Window
from django.utils import timezone

from madoguchi.core.models import Section

from .. import browse, conf, regional
from ..models import DatasetTag, Resource
from .base import SearchQueryError, _int, _list, action
from .dictize import _datasets, _sections_by_name, _with_page, org_name, package_dict

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
        elif field == "res_format":  # CKAN shows the format itself, not the page's label
            pairs = [(v, v, n) for v, _label, n in browse.count_pairs(qs, "format")]
        else:
            pairs = browse.count_pairs(qs, {"tags": "tag", "license_id": "licence", "groups": "theme"}[field])
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
