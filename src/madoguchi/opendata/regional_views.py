"""The all-cities catalogue page on the 共同運営 operator's host (``/opendata/all/``): every city's
published datasets in one list, filtered by city, section, theme, format, tag, licence and words
with facet counts (``browse``), each linking to its page on the city's own host (the operator
host serves no city page). A city's host answers 404 here: its own catalogue is ``/opendata/``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from madoguchi.core.cachecontrol import no_personal_data
from madoguchi.core.links import absolute_url

from . import browse, ckan, dcat, regional
from .models import Dataset

PAGE = 20
FILTERS = ("q", "city", "section", "theme", "format", "tag", "licence")


def _words(qs, text: str):
    # Substring words: the Japanese search index is kept per city.
    for term in text.replace("　", " ").split():
        qs = qs.filter(ckan._text_q(term))
    return qs


@no_personal_data
def all_cities(request):
    if not regional.active(request):
        raise Http404("すべての自治体のカタログは、共同運営の管理用アドレスで公開しています。")
    published = Dataset.objects.filter(is_published=True)
    cities = regional.publishers(published)
    chosen = browse.chosen(request, FILTERS)
    qs = browse.apply(_words(published, chosen["q"]), chosen)
    qs = qs.select_related("municipality", "section").prefetch_related("resources", "tags")
    page = Paginator(qs.order_by("-modified_at", "pk"), PAGE).get_page(request.GET.get("page"))
    for ds in page.object_list:
        ds.city_url = regional.dataset_url(ds)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "opendata/all_cities.html",
        {
            "page": page,
            "filter_fields": browse.fields(published, chosen, FILTERS, words=_words, all_cities=True),
            "cities": [(c, n, absolute_url("opendata:catalogue", municipality=c)) for c, n in cities],
            "query": query.urlencode(),
        },
    )


@no_personal_data
def all_cities_rdf(request, fmt: str):
    """DCAT of every city's published datasets (publisher = the city), 100 a page (``?page=2``),
    newest first, as the city catalogue's ``catalog.*``."""
    if not regional.active(request) or fmt not in dcat.FORMATS:
        raise Http404
    qs = ckan._with_related(Dataset.objects.filter(is_published=True)).order_by("-modified_at", "pk")
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    body, content_type = dcat.serialise(dcat.all_cities_graph(request, page.object_list), fmt)
    return HttpResponse(body, content_type=content_type)
