"""検索 pages: the public search (/search/), its suggestions (htmx fragment), and the staff's
synonym dictionary and list of queries that found nothing."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from madoguchi.core import audit, permissions
from madoguchi.core.models import Municipality, Section
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import int_param

from . import services
from .forms import SynonymForm
from .models import Synonym, ZeroResultQuery


def search(request):
    municipality = Municipality.current()
    q = request.GET.get("q", "").strip()[: services.MAX_QUERY]
    kinds = dict(services.kinds())
    kind = request.GET.get("kind", "")
    kind = kind if kind in kinds else ""
    section_id = int_param(request.GET.get("section"))
    results = None
    if q:
        results = services.search(
            municipality, q, kinds=[kind] if kind else (), section_id=section_id, limit=50, log_zero=not (kind or section_id), request=request
        )
    sections = Section.objects.filter(municipality=municipality)
    return render(
        request,
        "search/search.html",
        {"q": q, "kind": kind, "kinds": kinds.items(), "results": results, "section_id": section_id, "sections": sections},
    )


def suggest(request):
    """Search as you type: the best five pages as a fragment (htmx), never logged."""
    q = request.GET.get("q", "").strip()[: services.MAX_QUERY]
    if not request.headers.get("HX-Request"):  # opened directly (no JS): the full results page
        return redirect(f"{reverse('search:search')}?{urlencode({'q': q})}" if q else reverse("search:search"))
    municipality = Municipality.current()
    results = services.search(municipality, q, limit=5) if len(q) >= 2 else None
    return render(request, "search/_suggest.html", {"q": q, "results": results})


def _may_edit(user, synonym=None) -> bool:
    return (
        permissions.can(user, "change", synonym)
        if synonym
        else bool(permissions.section_ids(user, "change") is None or permissions.section_ids(user, "change"))
    )


def _editable_sections(user):
    allowed = permissions.section_ids(user, "change")
    sections = Section.objects.all()
    return sections if allowed is None else sections.filter(pk__in=allowed)


@staff_required
def staff_synonyms(request):
    synonyms = Synonym.objects.select_related("section").order_by("term")
    return render(request, "search/staff_synonyms.html", {"synonyms": synonyms, "may_add": _may_edit(request.user)})


@staff_required
def staff_synonym_edit(request, pk: int | None = None):
    synonym = get_object_or_404(Synonym, pk=pk) if pk else None
    if not _may_edit(request.user, synonym):
        return permissions.refuse(request, _("この同義語を編集できるのは、担当課の職員です。"), "search:staff_synonyms")
    form = SynonymForm(request.POST or None, instance=synonym, sections=_editable_sections(request.user), initial={"term": request.GET.get("term", "")})
    if request.method == "POST":
        if "delete" in request.POST and synonym is not None:
            audit.record("delete", synonym, request=request, detail={"term": synonym.term, "expansions": synonym.expansions})
            synonym.delete()
            messages.success(request, _("同義語を削除しました。"))
            return redirect("search:staff_synonyms")
        if form.is_valid():
            before = {"term": synonym.term, "expansions": synonym.expansions} if synonym else None
            saved = form.save(commit=False)
            saved.updated_by = request.user
            saved.save()
            audit.record(
                "update" if before else "create", saved, request=request, detail={"before": before, "term": saved.term, "expansions": saved.expansions}
            )
            messages.success(request, _("同義語を保存しました。次の検索から使われます。"))
            return redirect("search:staff_synonyms")
    return render(request, "search/staff_synonym_edit.html", {"form": form, "synonym": synonym})


@staff_required
def staff_zero(request):
    rows = ZeroResultQuery.objects.order_by("-count", "-last_seen")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "search/staff_zero.html", {"page": page, "may_add": _may_edit(request.user)})
