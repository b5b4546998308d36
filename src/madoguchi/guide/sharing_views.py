"""Back office: sharing guides as ひな形 with the other cities, copying theirs, and the
origin's updates offered to a copy (views thin; rules in ``sharing.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.applications.models import Procedure
from madoguchi.core import permissions, tenancy
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import add_to_form

from . import sharing
from .forms import CopyGuideForm, MapProcedureForm, ShareForm
from .models import Guide, GuideVersion

Status = GuideVersion.Status


def _guide(request, slug, action="view") -> Guide:
    guide = get_object_or_404(Guide.objects.select_related("section", "published", "origin_municipality"), slug=slug)
    permissions.require(request.user, action, guide)
    return guide


def origin_context(request, guide: Guide, draft: GuideVersion | None) -> dict:
    """What the copy's pages show: where it came from, the origin's newer version if any, and
    the procedures the draft names that this city does not have (with a form to map each)."""
    missing = sharing.missing_procedures(draft.definition) if draft is not None else []
    update = sharing.origin_update(guide)
    base = draft or guide.published
    procedures = list(Procedure.objects.order_by("name").only("slug", "name")) if missing else []
    return {
        "origin_city": guide.origin_municipality if guide.origin_template_id else None,
        "origin_update": update,
        "origin_diff": sharing.diff_summary(base.definition if base else {}, update.definition) if update else None,
        "missing": [(slug, MapProcedureForm(procedures, initial={"missing": slug}, prefix=f"map-{i}")) for i, slug in enumerate(missing)],
        "can_change": permissions.can(request.user, "change", guide),
    }


@staff_required
def staff_sharing(request, slug):
    """「ひな形の共有」 of one guide: share it with the other cities or stop; and, for a copy,
    its origin and the origin's newer version."""
    guide = _guide(request, slug)
    draft = guide.versions.filter(status__in=[Status.DRAFT, Status.REJECTED]).order_by("-number").first()
    context = {"guide": guide, "draft": draft, "share": sharing.share_of(guide), "share_form": ShareForm(), **origin_context(request, guide, draft)}
    return render(request, "guide/staff_sharing.html", context)


@staff_required
@require_POST
def staff_share(request, slug):
    guide = _guide(request, slug, "change")
    if request.POST.get("action") == "withdraw":
        if sharing.withdraw(guide, request.user, request=request):
            messages.success(request, "ひな形の公開をやめました。ほかの自治体の一覧に表示されなくなります（コピー済みのガイドはそのままです）。")
        return redirect("guide:staff_sharing", guide.slug)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            shared = sharing.share(guide, form.cleaned_data["description"], request.user, request=request)
        except ValidationError as exc:
            add_to_form(form, exc, "description")
        else:
            messages.success(request, f"第{shared.version_number}版をひな形としてほかの自治体に公開しました。")
            return redirect("guide:staff_sharing", guide.slug)
    draft = guide.versions.filter(status__in=[Status.DRAFT, Status.REJECTED]).order_by("-number").first()
    context = {"guide": guide, "draft": draft, "share": sharing.share_of(guide), "share_form": form, **origin_context(request, guide, draft)}
    return render(request, "guide/staff_sharing.html", context, status=400)


@staff_required
def staff_templates(request):
    """「ほかの自治体のガイドのひな形」: every other city's shared guides (nothing else of theirs)."""
    rows = [{"shared": s, "outline": sharing.outline(s.definition)} for s in sharing.shared_guides(exclude_city_id=tenancy.current_id())]
    return render(request, "guide/staff_templates.html", {"rows": rows, "can_create": permissions.can(request.user, "change")})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_template(request, pk: int):
    """One shared guide: its outline, the procedures this city lacks, and 「コピーして使う」."""
    shared = sharing.shared_guide(pk, exclude_city_id=tenancy.current_id())
    if shared is None:
        raise Http404("このひな形は見つからないか、公開が終わっています。")
    form = CopyGuideForm(request.user, request.POST if request.method == "POST" else None, initial={"slug": _free_slug(shared)})
    if request.method == "POST" and form.is_valid():
        try:
            guide = sharing.copy_guide(shared, section=form.cleaned_data["section"], slug=form.cleaned_data["slug"], user=request.user, request=request)
        except PermissionDenied as exc:
            return permissions.refuse(request, str(exc) or "この課でガイドを作る権限がありません。", "guide:staff_templates")
        except ValidationError as exc:
            add_to_form(form, exc, "slug")
        else:
            messages.success(request, "ひな形をコピーして下書きを作りました。内容を確かめ、この自治体にない手続を直してから承認を依頼してください。")
            return redirect("guide:staff_edit", guide.slug)
    context = {"shared": shared, "outline": sharing.outline(shared.definition), "missing": sharing.missing_procedures(shared.definition), "form": form}
    return render(request, "guide/staff_template.html", context, status=400 if form.errors else 200)


def _free_slug(shared) -> str:
    """A suggested 識別子 from the shared guide's English title (never a read of the origin's
    guide row), made free in this city."""
    title = (shared.definition or {}).get("title")
    base = slugify(title.get("en", "")) if isinstance(title, dict) else ""
    if not base:
        return ""
    slug, n = base[:55], 2
    while Guide.objects.filter(slug=slug).exists():
        slug, n = f"{base[:55]}-{n}", n + 1
    return slug


@staff_required
@require_POST
def staff_origin_apply(request, slug):
    """Apply the origin's newer shared version as the copy's draft (only on this explicit action)."""
    guide = _guide(request, slug, "change")
    shared = sharing.offered_update(guide, request.POST.get("version"))
    try:
        draft = sharing.apply_origin_update(guide, shared, request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("guide:staff_sharing", guide.slug)
    messages.success(request, f"元のガイドの第{shared.version_number}版を第{draft.number}版の下書きに取り込みました。確かめてから承認を依頼してください。")
    return redirect("guide:staff_edit", guide.slug)


@staff_required
@require_POST
def staff_origin_dismiss(request, slug):
    guide = _guide(request, slug, "change")
    shared = sharing.offered_update(guide, request.POST.get("version"))
    sharing.dismiss_origin_update(guide, shared.version_number, request.user, request=request)
    messages.info(request, f"第{shared.version_number}版の更新のお知らせを閉じました。さらに新しい版が出たときはまたお知らせします。")
    return redirect("guide:staff_sharing", guide.slug)


@staff_required
@require_POST
def staff_map_procedure(request, slug):
    """「この自治体にない手続」: use one of this city's procedures instead, or remove the steps."""
    guide = _guide(request, slug, "change")
    draft = guide.versions.filter(status__in=[Status.DRAFT, Status.REJECTED]).order_by("-number").first()
    if draft is None:
        raise Http404("編集中の下書きがありません。")
    prefix = request.POST.get("prefix", "")
    if not prefix.startswith("map-"):
        raise Http404
    form = MapProcedureForm(list(Procedure.objects.only("slug", "name")), request.POST, prefix=prefix)
    if not form.is_valid() or form.cleaned_data["missing"] not in sharing.missing_procedures(draft.definition):
        messages.error(request, "手続を一覧から選んでください。")
        return redirect("guide:staff_edit", guide.slug)
    try:
        sharing.map_procedure(draft, form.cleaned_data["missing"], form.cleaned_data["replacement"], request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if form.cleaned_data["replacement"]:
            messages.success(request, f"「{form.cleaned_data['missing']}」をこの自治体の手続「{form.cleaned_data['replacement']}」に置き換えました。")
        else:
            messages.success(request, f"「{form.cleaned_data['missing']}」の手順を下書きから削除しました。")
    return redirect("guide:staff_edit", guide.slug)
