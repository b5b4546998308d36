"""Back office: guides' rules (edit, preview, send for review, approve) and the FAQ."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from madoguchi.core import audit, permissions
from madoguchi.core.models import AuditLog
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import add_to_form

from . import definition, services
from .forms import DefinitionForm, FaqForm, NewGuideForm, QuestionnaireForm, RejectForm
from .models import Faq, Guide, GuideVersion

Status = GuideVersion.Status


def _guide(request, slug, action="view") -> Guide:
    guide = get_object_or_404(Guide.objects.select_related("section", "published"), slug=slug)
    permissions.require(request.user, action, guide)
    return guide


@staff_required
def staff_list(request):
    guides = permissions.scope(request.user, Guide.objects.select_related("section", "published").prefetch_related("versions"))
    rows = []
    for guide in guides:
        versions = sorted(guide.versions.all(), key=lambda v: -v.number)
        pending = next((v for v in versions if v.status == Status.PENDING), None)
        draft = next((v for v in versions if v.status in (Status.DRAFT, Status.REJECTED)), None)
        rows.append(
            {
                "guide": guide,
                "title": (versions[0].title if versions else guide.slug),
                "pending": pending,
                "draft": draft,
                "can_review": pending is not None and services.can_review(request.user, pending),
            }
        )
    return render(request, "guide/staff_list.html", {"rows": rows, "can_create": permissions.can(request.user, "change")})


@staff_required
def staff_new(request):
    form = NewGuideForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guide = services.create_guide(
                section=form.cleaned_data["section"], slug=form.cleaned_data["slug"], title=form.cleaned_data["title"], user=request.user, request=request
            )
        except ValidationError as exc:
            add_to_form(form, exc, "slug")
        else:
            return redirect("guide:staff_edit", guide.slug)
    return render(request, "guide/staff_new.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
def staff_edit(request, slug):
    guide = _guide(request, slug, "change")
    try:
        draft = services.editable_draft(guide, request.user, request=request)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("guide:staff_list")
    text = json.dumps(draft.definition, ensure_ascii=False, indent=2)
    form = DefinitionForm(request.POST or None, initial={"definition": text})
    found: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            defn = services.parse(form.cleaned_data["definition"])
            services.save_draft(draft, defn, request.user, request=request)
            if request.POST.get("action") == "submit":
                services.submit(draft, request.user, request=request)
                messages.success(request, "承認を依頼しました。承認の権限がある別の職員が確認すると公開されます。")
                return redirect("guide:staff_list")
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                add_to_form(form, exc, "definition")
            else:
                found = exc.messages
        else:
            messages.success(request, "下書きを保存しました（まだ公開されていません）。")
            return redirect("guide:staff_edit", guide.slug)
    if not found and request.method == "GET":
        found = services.problems(draft.definition)
    status = 400 if (form.errors or (found and request.method == "POST")) else 200
    from .sharing_views import origin_context  # a copy's origin and missing procedures

    context = {"guide": guide, "draft": draft, "form": form, "problems": found, "help": HELP, **origin_context(request, guide, draft)}
    return render(request, "guide/staff_edit.html", context, status=status)


@staff_required
def staff_version(request, slug, number):
    """One version: its rules, what is wrong with them, a preview of the checklist for chosen
    answers, and (for a second person with 承認 rights) approve or send back."""
    guide = _guide(request, slug)
    version = get_object_or_404(GuideVersion, guide=guide, number=number)
    lang = request.GET.get("lang") if request.GET.get("lang") in ("ja", "easy", "en") else "ja"
    form = QuestionnaireForm(version.definition, lang, request.GET if "preview" in request.GET else None)
    preview = None
    found = services.problems(version.definition)
    if form.is_bound and form.is_valid() and not any("JSON" in p or "{ }" in p for p in found):
        try:
            preview = services.checklist(version, form.answers(), event_date=form.cleaned_data["date"], language=lang)
        except (KeyError, TypeError, AttributeError, ValueError):
            found = found + ["プレビューを作れません。上の問題を直してください。"]
    return render(
        request,
        "guide/staff_version.html",
        {
            "guide": guide,
            "version": version,
            "form": form,
            "preview": preview,
            "problems": found,
            "lang": lang,
            "text": json.dumps(version.definition, ensure_ascii=False, indent=2),
            "can_review": services.can_review(request.user, version),
            "reject_form": RejectForm(),
        },
    )


@staff_required
@require_POST
def staff_review(request, slug, number):
    guide = _guide(request, slug)
    version = get_object_or_404(GuideVersion, guide=guide, number=number)
    try:
        if request.POST.get("action") == "approve":
            services.approve(version, request.user, request=request)
            messages.success(request, f"第{version.number}版を承認し、公開しました。")
        else:
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors.get("comment") or ["差し戻しの理由を入れてください。"])
            services.reject(version, request.user, form.cleaned_data["comment"], request=request)
            messages.success(request, f"第{version.number}版を差し戻しました。")
    except PermissionDenied as exc:
        return permissions.refuse(request, str(exc) or "承認の権限がありません。", "guide:staff_list")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("guide:staff_version", slug, number)
    return redirect("guide:staff_list")


# --- FAQ -------------------------------------------------------------------------------------------


@staff_required
def staff_faq(request):
    rows = permissions.scope(request.user, Faq.objects.select_related("section")).order_by("section__name", "order", "id")
    return render(request, "guide/staff_faq_list.html", {"rows": rows, "can_create": permissions.can(request.user, "change")})


@staff_required
def staff_faq_edit(request, pk=None):
    faq = None
    if pk is not None:
        faq = get_object_or_404(Faq, pk=pk)
        permissions.require(request.user, "change", faq)
    form = FaqForm(request.user, request.POST or None, instance=faq)
    if request.method == "POST" and form.is_valid():
        permissions.require(request.user, "change", form.cleaned_data["section"])
        saved = form.save()
        audit.record(AuditLog.Action.UPDATE if faq else AuditLog.Action.CREATE, saved, request=request)
        messages.success(request, "よくある質問を保存しました。")
        return redirect("guide:staff_faq")
    return render(request, "guide/staff_faq_edit.html", {"form": form, "faq": faq}, status=400 if form.errors else 200)


HELP = definition.__doc__
