"""Browsing the catalogue pages: the filters (分類・課・形式・タグ・利用規約, and 自治体 on the
all-cities page), their facet counts, and the field list the one filter form
(``opendata/_filter_form.html``) renders on both pages.

Counts are CKAN's package_search facets with one difference for people: each field's counts are
taken over the datasets the *other* chosen filters leave (disjunctive facets), so a select still
offers the other values of its own field with how many datasets each would give."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import Municipality, Section

from .models import DatasetTag, Licence, Resource, Theme

LIMIT = 200  # options per select at most, the largest counts first (CKAN's facet.limit)


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class FilterField:
    """One field of the filter form: a search box (``q``) or a select of facet values."""

    name: str
    label: str
    value: str = ""
    options: list[Option] = field(default_factory=list)

    @property
    def is_search(self) -> bool:
        return self.name == "q"


LABELS = {
    "q": _("キーワード"),
    "city": _("自治体"),
    "theme": _("分類"),
    "section": _("公開している課"),
    "format": _("形式"),
    "tag": _("タグ"),
    "licence": _("利用規約"),
}


def chosen(request, names) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip() for k in names}


def filter_q(name: str, value: str) -> Q:
    """The condition of one chosen filter (not ``q``: each page has its own word match)."""
    if name == "city":
        return Q(municipality__code=value)
    if name == "theme":
        return Q(theme=value)
    if name == "section":
        return Q(section_id=int(value)) if value.isdigit() and len(value) < 12 else Q(pk__in=[])
    if name == "format":
        return Q(Exists(Resource.objects.filter(dataset=OuterRef("pk"), format=value)))
    if name == "tag":
        return Q(Exists(DatasetTag.objects.filter(dataset=OuterRef("pk"), name=value)))
    if name == "licence":
        return Q(licence=value)
    raise ValueError(name)


def apply(qs, values: dict[str, str], *, skip: str | None = None):
    for name, value in values.items():
        if value and name not in ("q", skip):
            qs = qs.filter(filter_q(name, value))
    return qs


def counts(qs, name: str, *, all_cities: bool = False) -> list[Option]:
    """(value, label, datasets) of one field over ``qs``, largest first, then by label."""
    pairs = count_pairs(qs, name, all_cities=all_cities)
    return [Option(v, label, n) for v, label, n in sorted(pairs, key=lambda p: (-p[2], p[1], p[0]))[:LIMIT]]


def count_pairs(qs, name: str, *, all_cities: bool = False) -> list[tuple[str, str, int]]:
    """(value, label, datasets) of one field over ``qs``, unordered: the page's facets and the
    CKAN API's (``ckan.search``, which orders and names them CKAN's way) count the same."""
    ids = qs.values("pk")
    if name == "city":
        per = dict(qs.order_by().values_list("municipality_id").annotate(n=Count("pk")))
        pairs = [(c.code, f"{c.prefecture}{c.name}", per[c.pk]) for c in Municipality.objects.filter(pk__in=per)]
    elif name == "section":
        per = dict(qs.order_by().values_list("section_id").annotate(n=Count("pk")))
        sections = Section.objects.filter(pk__in=per).select_related("municipality") if all_cities else Section.objects.filter(pk__in=per)
        pairs = [(str(s.pk), f"{s.municipality.name} {s.name}" if all_cities else s.name, per[s.pk]) for s in sections]
    elif name == "theme":
        labels = dict(Theme.choices)
        pairs = [(v, str(labels.get(v, v)), n) for v, n in qs.order_by().values_list("theme").annotate(n=Count("pk"))]
    elif name == "licence":
        labels = dict(Licence.choices)
        pairs = [(v, str(labels.get(v, v)), n) for v, n in qs.order_by().values_list("licence").annotate(n=Count("pk"))]
    elif name == "format":
        labels = dict(Resource.Format.choices)
        rows = Resource.objects.filter(dataset__in=ids).order_by().values_list("format").annotate(n=Count("dataset", distinct=True))
        pairs = [(v, str(labels.get(v, v)), n) for v, n in rows]
    elif name == "tag":
        rows = DatasetTag.objects.filter(dataset__in=ids).order_by().values_list("name").annotate(n=Count("dataset", distinct=True))
        pairs = [(v, v, n) for v, n in rows]
    else:
        raise ValueError(name)
    return pairs


def fields(qs, values: dict[str, str], names, *, words, all_cities: bool = False) -> list[FilterField]:
    """The filter form's fields with their facet counts. ``qs``: the published datasets before
    any filter; ``words(qs, text)``: the page's word match."""
    if values.get("q"):
        qs = words(qs, values["q"])
    out = []
    for name in names:
        if name == "q":
            out.append(FilterField(name, str(LABELS[name]), values.get(name, "")))
            continue
        options = counts(apply(qs, values, skip=name), name, all_cities=all_cities)
        value = values.get(name, "")
        if value and value not in {o.value for o in options}:  # a choice that leaves nothing stays shown
            options.insert(0, Option(value, value, 0))
        out.append(FilterField(name, str(LABELS[name]), value, options))
    return out
