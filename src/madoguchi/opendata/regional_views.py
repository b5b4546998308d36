"""The all-cities catalogue page on the 共同運営 operator's host (``/opendata/all/``): every city's
published datasets in one list, filtered by city, theme and words, each linking to its page on
the city's own host (the operator host serves no city page). A city's host answers 404 here:
its own catalogue is ``/opendata/``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from madoguchi.core.cachecontrol import no_personal_data
from madoguchi.core.links import absolute_url

from . import ckan, regional
from .models import Dataset, Theme

PAGE = 20


@no_personal_data
def all_cities(request):
    if not regional.active(request):
        raise Http404("すべての自治体のカタログは、共同運営の管理用アドレスで公開しています。")
    published = Dataset.objects.filter(is_published=True)
    cities = regional.publishers(published)
    chosen = {k: request.GET.get(k, "").strip() for k in ("q", "city", "theme")}
    qs = published.select_related("municipality", "section").prefetch_related("resources")
    for term in chosen["q"].replace("　", " ").split():
        qs = qs.filter(ckan._text_q(term))
    if chosen["city"]:
        qs = qs.filter(municipality__code=chosen["city"])
    if chosen["theme"]:
        qs = qs.filter(theme=chosen["theme"])
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
            "chosen": chosen,
            "themes": Theme.choices,
            "cities": [(c, n, absolute_url("opendata:catalogue", municipality=c)) for c, n in cities],
            "query": query.urlencode(),
        },
    )
