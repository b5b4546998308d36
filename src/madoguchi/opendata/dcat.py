"""DCAT (W3C) descriptions of the catalogue and of each dataset, with rdflib, in the fields the
national catalogue harvests through ckanext-dcat: dcat:Dataset with dct:title, dct:description,
dct:identifier, dct:publisher, dct:issued/dct:modified, dcat:keyword, dcat:theme, dct:license,
dct:spatial, dct:temporal, and dcat:distribution (dcat:accessURL, dcat:downloadURL,
dcat:mediaType, dct:format, dcat:byteSize). Served as Turtle and JSON-LD."""

from __future__ import annotations

from django.urls import reverse
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from .models import LICENCE_URLS, Licence, Theme
from .services import MEDIA_TYPES

MADO = Namespace("https://madoguchi.example/ns/opendata#")
FORMATS = {"ttl": ("turtle", "text/turtle; charset=utf-8"), "jsonld": ("json-ld", "application/ld+json"), "rdf": ("xml", "application/rdf+xml")}


def _graph() -> Graph:
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("foaf", FOAF)
    return g


def _dt(value) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.dateTime)


def add_dataset(g: Graph, request, ds) -> URIRef:
    uri = URIRef(request.build_absolute_uri(reverse("opendata:dataset", args=[ds.name])))
    g.add((uri, RDF.type, DCAT.Dataset))
    g.add((uri, DCTERMS.identifier, Literal(str(ds.pk))))
    g.add((uri, DCTERMS.title, Literal(ds.title, lang="ja")))
    if ds.notes:
        g.add((uri, DCTERMS.description, Literal(ds.notes, lang="ja")))
    g.add((uri, DCTERMS.issued, _dt(ds.created_at)))
    g.add((uri, DCTERMS.modified, _dt(ds.modified_at)))
    g.add((uri, DCAT.landingPage, uri))
    publisher = BNode(f"publisher-{ds.section_id}")
    g.add((uri, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, Literal(f"{ds.municipality.name} {ds.section.name}", lang="ja")))
    for tag in ds.tags.all():
        g.add((uri, DCAT.keyword, Literal(tag.name, lang="ja")))
    theme = Theme(ds.theme) if ds.theme in Theme.values else Theme.OTHER
    g.add((uri, DCAT.theme, URIRef(request.build_absolute_uri(reverse("opendata:catalogue")) + f"?theme={theme.value}")))
    licence = URIRef(LICENCE_URLS.get(ds.licence, LICENCE_URLS[Licence.CC_BY_4]))
    g.add((uri, DCTERMS.license, licence))
    g.add((uri, DCTERMS.spatial, Literal(ds.spatial or f"{ds.municipality.prefecture}{ds.municipality.name}", lang="ja")))
    if ds.temporal_start or ds.temporal_end:
        period = BNode(f"period-{ds.pk}")
        g.add((uri, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if ds.temporal_start:
            g.add((period, DCAT.startDate, Literal(ds.temporal_start.isoformat(), datatype=XSD.date)))
        if ds.temporal_end:
            g.add((period, DCAT.endDate, Literal(ds.temporal_end.isoformat(), datatype=XSD.date)))
    if ds.standard:
        g.add((uri, DCTERMS.conformsTo, Literal(f"自治体標準オープンデータセット {ds.standard}", lang="ja")))
    for r in ds.resources.all():
        dist = URIRef(request.build_absolute_uri(reverse("opendata:resource", args=[r.pk])))
        g.add((uri, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(r.name, lang="ja")))
        g.add((dist, DCTERMS.license, licence))
        g.add((dist, DCTERMS["format"], Literal(r.format)))
        g.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES.get(r.format, 'text/html')}")))
        if r.format == r.Format.LINK:
            g.add((dist, DCAT.accessURL, URIRef(r.link_url)))
        else:
            latest = URIRef(request.build_absolute_uri(reverse("opendata:latest", args=[r.pk])))
            g.add((dist, DCAT.accessURL, latest))  # DCAT-AP: accessURL is mandatory; same as download
            g.add((dist, DCAT.downloadURL, latest))
            versions = list(r.versions.all())
            if versions:
                g.add((dist, DCAT.byteSize, Literal(versions[0].size, datatype=XSD.nonNegativeInteger)))
                g.add((dist, DCTERMS.modified, _dt(versions[0].uploaded_at)))
    return uri


def dataset_graph(request, ds) -> Graph:
    g = _graph()
    add_dataset(g, request, ds)
    return g


def catalogue_graph(request, city, datasets) -> Graph:
    g = _graph()
    uri = URIRef(request.build_absolute_uri(reverse("opendata:catalogue")))
    g.add((uri, RDF.type, DCAT.Catalog))
    g.add((uri, DCTERMS.title, Literal(f"{city.name} オープンデータカタログ" if city else "オープンデータカタログ", lang="ja")))
    g.add((uri, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/ja")))
    g.add((uri, FOAF.homepage, uri))
    for ds in datasets:
        g.add((uri, DCAT.dataset, add_dataset(g, request, ds)))
    return g


def serialise(g: Graph, fmt: str) -> tuple[str, str]:
    syntax, content_type = FORMATS[fmt]
    if syntax == "json-ld":
        context = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "xsd": str(XSD)}
        return g.serialize(format="json-ld", context=context, auto_compact=True), content_type
    return g.serialize(format=syntax), content_type
