"""DCAT (W3C) descriptions of the catalogue and of each dataset, with rdflib, in the fields the
national catalogue harvests through ckanext-dcat: dcat:Dataset with dct:title, dct:description,
dct:identifier, dct:publisher, dct:issued/dct:modified, dcat:keyword, dcat:theme, dct:license,
dct:spatial, dct:temporal, and dcat:distribution (dcat:accessURL, dcat:downloadURL,
dcat:mediaType, dct:format, dcat:byteSize). Served as Turtle and JSON-LD.

Two catalogues: a city's (``/opendata/catalog.*``, publisher = the city's section) and, on the
共同運営 operator's host, all cities' (``/opendata/all/catalog.*``, ``all_cities_graph``): there
each dataset's publisher is its own city (団体コード as dct:identifier, its site as
foaf:homepage), the section is the dcat:contactPoint, and every link points at the city's own
host, because the operator host serves no city page."""

from __future__ import annotations

from django.urls import reverse
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from madoguchi.core.links import absolute_url, site_url

from .models import LICENCE_URLS, Licence, Theme
from .services import MEDIA_TYPES

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")  # this rdflib names no VCARD
MADO = Namespace("https://madoguchi.example/ns/opendata#")
FORMATS = {"ttl": ("turtle", "text/turtle; charset=utf-8"), "jsonld": ("json-ld", "application/ld+json"), "rdf": ("xml", "application/rdf+xml")}


def _graph() -> Graph:
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("foaf", FOAF)
    g.bind("vcard", VCARD)
    return g


class _CityLinks:
    """Links of a city's own catalogue: this request's host."""

    def __init__(self, request):
        self.request = request

    def url(self, view: str, arg, ds) -> str:
        return self.request.build_absolute_uri(reverse(view, args=[arg]))

    def theme(self, theme) -> str:
        return self.request.build_absolute_uri(reverse("opendata:catalogue")) + f"?theme={theme.value}"


class _AllCitiesLinks(_CityLinks):
    """Links of the all-cities catalogue: each dataset's own city host (the operator's serves no
    city page), themes on the operator's list page."""

    def url(self, view: str, arg, ds) -> str:
        return absolute_url(view, arg, municipality=ds.municipality)

    def theme(self, theme) -> str:
        return self.request.build_absolute_uri(reverse("opendata:all_cities")) + f"?theme={theme.value}"


def _city_publisher(g: Graph, city) -> BNode:
    node = BNode(f"city-{city.code}")
    if (node, RDF.type, FOAF.Organization) not in g:
        g.add((node, RDF.type, FOAF.Organization))
        g.add((node, FOAF.name, Literal(f"{city.prefecture}{city.name}", lang="ja")))
        g.add((node, DCTERMS.identifier, Literal(city.code)))  # 全国地方公共団体コード
        g.add((node, FOAF.homepage, URIRef(site_url(city) + "/")))
    return node


def _dt(value) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.dateTime)


def add_dataset(g: Graph, request, ds, *, all_cities: bool = False) -> URIRef:
    links = _AllCitiesLinks(request) if all_cities else _CityLinks(request)
    uri = URIRef(links.url("opendata:dataset", ds.name, ds))
    g.add((uri, RDF.type, DCAT.Dataset))
    g.add((uri, DCTERMS.identifier, Literal(str(ds.pk))))
    g.add((uri, DCTERMS.title, Literal(ds.title, lang="ja")))
    if ds.notes:
        g.add((uri, DCTERMS.description, Literal(ds.notes, lang="ja")))
    g.add((uri, DCTERMS.issued, _dt(ds.created_at)))
    g.add((uri, DCTERMS.modified, _dt(ds.modified_at)))
    g.add((uri, DCAT.landingPage, uri))
    if all_cities:  # the publisher is the city; its section is the contact point
        g.add((uri, DCTERMS.publisher, _city_publisher(g, ds.municipality)))
        contact = BNode(f"contact-{ds.section_id}")
        g.add((uri, DCAT.contactPoint, contact))
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, Literal(f"{ds.municipality.name} {ds.section.name}", lang="ja")))
        if ds.section.email:
            g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{ds.section.email}")))
    else:
        publisher = BNode(f"publisher-{ds.section_id}")
        g.add((uri, DCTERMS.publisher, publisher))
        g.add((publisher, RDF.type, FOAF.Organization))
        g.add((publisher, FOAF.name, Literal(f"{ds.municipality.name} {ds.section.name}", lang="ja")))
    for tag in ds.tags.all():
        g.add((uri, DCAT.keyword, Literal(tag.name, lang="ja")))
    theme = Theme(ds.theme) if ds.theme in Theme.values else Theme.OTHER
    g.add((uri, DCAT.theme, URIRef(links.theme(theme))))
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
        dist = URIRef(links.url("opendata:resource", r.pk, ds))
        g.add((uri, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(r.name, lang="ja")))
        g.add((dist, DCTERMS.license, licence))
        g.add((dist, DCTERMS["format"], Literal(r.format)))
        g.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES.get(r.format, 'text/html')}")))
        if r.format == r.Format.LINK:
            g.add((dist, DCAT.accessURL, URIRef(r.link_url)))
        else:
            latest = URIRef(links.url("opendata:latest", r.pk, ds))
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


def all_cities_graph(request, datasets) -> Graph:
    """The 共同運営 operator's catalogue of every city's published datasets."""
    g = _graph()
    uri = URIRef(request.build_absolute_uri(reverse("opendata:all_cities")))
    g.add((uri, RDF.type, DCAT.Catalog))
    g.add((uri, DCTERMS.title, Literal("オープンデータカタログ（共同運営のすべての自治体）", lang="ja")))
    g.add((uri, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/ja")))
    g.add((uri, FOAF.homepage, uri))
    for ds in datasets:
        g.add((uri, DCAT.dataset, add_dataset(g, request, ds, all_cities=True)))
    return g


def serialise(g: Graph, fmt: str) -> tuple[str, str]:
    syntax, content_type = FORMATS[fmt]
    if syntax == "json-ld":
        context = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "vcard": str(VCARD), "xsd": str(XSD)}
        return g.serialize(format="json-ld", context=context, auto_compact=True), content_type
    return g.serialize(format=syntax), content_type
