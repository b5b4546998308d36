"""Public pages of the open data catalogue: browse, dataset page (versions, downloads, API
examples, DCAT links), resource page with a table preview (server-side sort, filter, paging)
and the file downloads (the stable "latest" URL and every older version)."""

from __future__ import annotations

import mimetypes
import uuid

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from madoguchi.core.cachecontrol import no_personal_data
from madoguchi.core.registry import datasets as generated_datasets

from . import browse, ckan, conf, datastore, dcat, standards
from .models import LICENCE_URLS, Dataset, Resource

PAGE = 20
PREVIEW_PAGE = 50


def _published():
    return Dataset.objects.filter(is_published=True)


def _words_q(q: str):
    """Datasets the platform's Japanese search finds for ``q`` (kind オープンデータ: readings,
    normalised forms, synonyms — ひなんじょ finds 避難所), or whose title, description or tags
    contain every word (the index is refreshed through the outbox, so a dataset saved a moment
    ago is still found)."""
    from django.db.models import Q

    from madoguchi.core.models import Municipality
    from madoguchi.search import services as search

    words = Q()
    for term in q.replace("　", " ").split():
        words &= ckan._text_q(term)
    found = search.search(Municipality.current(), q, kinds=("datasets",), limit=100)
    names = [r.entry.key for r in found.results if not r.typo]
    return words | Q(name__in=names) if names else words


CATALOGUE_FILTERS = ("q", "theme", "section", "format", "tag", "licence")


def _words(qs, text: str):
    return qs.filter(_words_q(text))


@no_personal_data
def catalogue(request):
    chosen = browse.chosen(request, CATALOGUE_FILTERS)
    qs = _published()
    if chosen["q"]:
        qs = _words(qs, chosen["q"])
    qs = browse.apply(qs, chosen).select_related("section").prefetch_related("tags", "resources")
    page = Paginator(qs.order_by("-modified_at", "pk"), PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "opendata/catalogue.html",
        {
            "page": page,
            "filter_fields": browse.fields(_published(), chosen, CATALOGUE_FILTERS, words=_words),
            "query": query.urlencode(),
        },
    )


def _dataset(name: str) -> Dataset:
    return get_object_or_404(ckan._with_related(_published()), name=name)


@no_personal_data
def dataset(request, name: str):
    ds = _dataset(name)
    plugin = generated_datasets.get(ds.generator) if ds.generator else None
    api = request.build_absolute_uri(reverse("ckan:action", args=["package_show"]))
    resources = []
    for r in ds.resources.all():
        versions = list(r.versions.all())
        resources.append({"resource": r, "versions": versions, "latest": versions[0] if versions else None})
    first_tabular = next((x for x in resources if x["resource"].is_tabular and x["latest"]), None)
    examples = [f"{api}?id={ds.name}"]
    if first_tabular:
        examples.append(request.build_absolute_uri(reverse("ckan:action", args=["datastore_search"])) + f"?resource_id={first_tabular['resource'].pk}&limit=5")
    return render(
        request,
        "opendata/dataset.html",
        {
            "ds": ds,
            "resources": resources,
            "activity": ds.activity.select_related("user")[:20],
            "plugin": plugin,
            "examples": examples,
            "licence_url": LICENCE_URLS.get(ds.licence, ""),
            "standard": standards.get(ds.standard),
        },
    )


def _resource(pk) -> Resource:
    return get_object_or_404(Resource.objects.select_related("dataset", "dataset__section"), pk=pk, dataset__is_published=True)


@no_personal_data
def resource(request, pk: uuid.UUID):
    """Table preview: filter by one column (exact) or by a word anywhere, sort by a column."""
    r = _resource(pk)
    version = r.versions.order_by("-number").first()
    context = {"r": r, "ds": r.dataset, "version": version}
    if version is not None and version.row_count is not None:
        columns = list(version.columns)
        column = request.GET.get("column", "")
        value = request.GET.get("value", "").strip()
        q = request.GET.get("q", "").strip()
        sort = request.GET.get("sort", "")
        desc = request.GET.get("dir") == "desc"
        query = datastore.Query(
            version,
            filters={column: value} if column in columns and value else {},
            q=q or None,
            sort=f"{sort} {'desc' if desc else 'asc'}" if sort in columns else "",
        )
        page = Paginator(datastore.Page(query), PREVIEW_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        base = request.GET.copy()
        for k in ("sort", "dir", "page"):
            base.pop(k, None)
        records = [(n, [d.get(c, "") for c in columns]) for n, d in page.object_list]
        numeric = numeric_columns(columns, [values for _n, values in records])
        chart_column = request.GET.get("chart", "")
        context.update(
            numeric=numeric,
            chart=bar_chart(columns, records, chart_column) if chart_column in numeric else None,
            chart_column=chart_column,
            has_map=has_coordinates(columns),
            columns=columns,
            page=page,
            records=records,
            column=column,
            value=value,
            q=q,
            sort=sort,
            desc=desc,
            query=query.urlencode(),
            base=base.urlencode(),
        )
    return render(request, "opendata/resource.html", context)


# --- chart and map previews ---------------------------------------------------------------------
LATITUDE, LONGITUDE = ("緯度", "latitude", "lat"), ("経度", "longitude", "lon", "lng")
NAME_COLUMNS = ("名称", "施設名称", "イベント名", "name", "title")


def _number(text: str) -> float | None:
    try:
        return float(str(text).replace(",", "").strip())
    except ValueError:
        return None


def numeric_columns(columns: list[str], rows: list[list[str]]) -> list[str]:
    """Columns whose every non-empty cell on the page is a number (at least one), except the
    coordinates and codes (a bar of a latitude or a 団体コード means nothing)."""
    out = []
    for i, c in enumerate(columns):
        if c.lower() in LATITUDE + LONGITUDE or "コード" in c or c.upper() in ("ID", "NO"):
            continue
        cells = [r[i] for r in rows if i < len(r) and str(r[i]).strip()]
        if cells and all(_number(v) is not None for v in cells):
            out.append(c)
    return out


def _label_column(columns: list[str], skip: str) -> str | None:
    for c in NAME_COLUMNS:
        if c in columns:
            return c
    return next((c for c in columns if c != skip), None)


def bar_chart(columns: list[str], records, column: str, limit: int = 30):
    """A bar per row shown (at most ``limit``) of a numeric column, labelled by the name column;
    the chart's own table gives the same numbers (core.charts)."""
    from madoguchi.core.charts import BarChart, Series

    i = columns.index(column)
    label = _label_column(columns, column)
    j = columns.index(label) if label else None
    shown = records[:limit]
    categories = [str(values[j]) if j is not None and values[j] else f"{n}行目" for n, values in shown]
    return BarChart(
        title=f"{column}（表示中の行{len(shown)}件）",
        categories=categories,
        series=[Series(column, [_number(values[i]) for _n, values in shown])],
        category_label=label or "行",
    )


def has_coordinates(columns: list[str]) -> bool:
    lowered = [c.lower() for c in columns]
    return any(c in LATITUDE for c in lowered) and any(c in LONGITUDE for c in lowered)


def _point(lat, lon) -> tuple[float, float] | None:
    lat, lon = _number(lat), _number(lon)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def map_detail(data: dict, columns=None) -> str:
    """What a shelter list (自治体標準 03 指定緊急避難場所一覧, our 指定避難所一覧) says about a
    point beyond its name, for the popup and the list: address, the hazards it is designated for,
    designation and capacity. Other tables: their address only."""
    parts = []
    address = str(data.get("所在地_連結表記") or data.get("住所") or "").strip()
    if address:
        parts.append(address)
    hazards = [c.removeprefix("災害種別_") for c in (columns or data) if c.startswith("災害種別_") and str(data.get(c, "")).strip() == "1"]
    if hazards:
        parts.append("対象の災害: " + "、".join(hazards))
    if str(data.get("指定避難所との重複", "")).strip() == "1":
        parts.append("指定避難所を兼ねる")
    if str(data.get("指定緊急避難場所との重複", "")).strip() == "1":
        parts.append("指定緊急避難場所を兼ねる")
    capacity = str(data.get("想定収容人数", "")).strip()
    if capacity:
        parts.append(f"想定収容人数 {capacity}人" if capacity.isdigit() else f"想定収容人数 {capacity}")
    return "／".join(parts)


def map_layers(resource, version) -> tuple[list[dict], list[dict], list[dict]]:
    """(points, shapes, items): points for markers, other GeoJSON features for shapes, and every
    item for the accessible list (name, kind, 緯度, 経度)."""
    import json

    limit = conf.map_points_max()
    points, shapes, items = [], [], []
    if resource.is_tabular and version.row_count is not None and has_coordinates(version.columns):
        columns = list(version.columns)
        lat_c = next(c for c in columns if c.lower() in LATITUDE)
        lon_c = next(c for c in columns if c.lower() in LONGITUDE)
        name_c = _label_column(columns, lat_c)
        for n, data in datastore.Query(version).rows(0, limit):
            name = str(data.get(name_c, "")) or f"{n}行目"
            at = _point(data.get(lat_c), data.get(lon_c))
            detail = map_detail(data, columns)  # in the file's column order (the stored row's keys are not)
            items.append({"name": name, "kind": "地点", "lat": at[0] if at else "", "lon": at[1] if at else "", "row": n, "detail": detail})
            if at:
                points.append({"name": name, "lat": at[0], "lon": at[1], "detail": detail})
    elif resource.format == Resource.Format.GEOJSON and version.file:
        try:
            with version.file.open("rb") as f:
                doc = json.loads(f.read().decode("utf-8-sig"))
        except (OSError, ValueError):
            return [], [], []
        features = doc.get("features", []) if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" else [doc]
        kinds = {"Point": "地点", "MultiPoint": "地点", "LineString": "線", "MultiLineString": "線", "Polygon": "区域", "MultiPolygon": "区域"}
        for i, feature in enumerate(features[:limit], start=1):
            if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
                continue
            props = feature.get("properties") or {}
            name = next((str(props[k]) for k in NAME_COLUMNS if props.get(k)), f"{i}番目の地物")
            geometry = feature["geometry"]
            kind = kinds.get(geometry.get("type"), "地物")
            coords = geometry.get("coordinates")
            at = _point(coords[1], coords[0]) if geometry.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2 else None
            items.append({"name": name, "kind": kind, "lat": at[0] if at else "", "lon": at[1] if at else "", "row": i})
            if at:
                points.append({"name": name, "lat": at[0], "lon": at[1]})
            elif geometry.get("type") != "Point":
                shapes.append({"type": "Feature", "geometry": geometry, "properties": {}})
    return points, shapes, items


@no_personal_data
def resource_map(request, pk: uuid.UUID):
    """Map preview (Leaflet) of GeoJSON or of a table with 緯度/経度, with the same items as a list."""
    r = _resource(pk)
    version = r.versions.order_by("-number").first()
    if version is None:
        raise Http404
    points, shapes, items = map_layers(r, version)
    if not items:
        raise Http404
    return render(
        request,
        "opendata/map.html",
        {"r": r, "ds": r.dataset, "version": version, "items": items, "map_data": {"points": points, "shapes": shapes},
         "has_detail": any(x.get("detail") for x in items),
         "tiles": conf.map_tiles(), "attribution": conf.map_attribution(), "limit": conf.map_points_max()},
    )  # fmt: skip


def _serve(version, resource, *, count: bool):
    if not version.file:
        raise Http404
    from . import services

    if count:
        services.count_download(resource)
    content_type = version.media_type or mimetypes.guess_type(version.filename)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("json"):
        content_type += "; charset=utf-8" if version.encoding in ("", "UTF-8", "UTF-8（BOM付き）") or version.converted else "; charset=shift_jis"
    response = FileResponse(version.file.open("rb"), content_type=content_type, as_attachment=True, filename=version.filename or "data")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@no_personal_data
def latest(request, pk: uuid.UUID):
    """The stable URL of a resource: always its newest version."""
    r = _resource(pk)
    if r.format == Resource.Format.LINK:
        from django.shortcuts import redirect

        return redirect(r.link_url)
    version = r.versions.order_by("-number").first()
    if version is None:
        raise Http404
    return _serve(version, r, count=True)


@no_personal_data
def version_file(request, pk: uuid.UUID, number: int):
    r = _resource(pk)
    version = get_object_or_404(r.versions, number=number)
    return _serve(version, r, count=True)


def _rdf(fmt: str):
    if fmt not in dcat.FORMATS:
        raise Http404


@no_personal_data
def dataset_rdf(request, name: str, fmt: str):
    _rdf(fmt)
    body, content_type = dcat.serialise(dcat.dataset_graph(request, _dataset(name)), fmt)
    return HttpResponse(body, content_type=content_type)


@no_personal_data
def catalogue_rdf(request, fmt: str):
    """The whole catalogue, 100 datasets a page (``?page=2``), newest first, as ckanext-dcat pages."""
    _rdf(fmt)
    qs = ckan._with_related(_published()).order_by("-modified_at", "pk")
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    body, content_type = dcat.serialise(dcat.catalogue_graph(request, getattr(request, "municipality", None), page.object_list), fmt)
    return HttpResponse(body, content_type=content_type)
