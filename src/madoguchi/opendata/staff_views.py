"""Staff pages of the catalogue (職員): the datasets of the sections the staff member works in,
create/edit a dataset, add a resource, upload a new version. Section-scoped through
core.permissions and audited (core.audit)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from madoguchi.core import audit, permissions
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import add_to_form

from . import services
from .forms import DatasetForm, HeldDecisionForm, ResourceForm, VersionForm
from .models import Dataset, HeldUpload, Resource


@staff_required
def staff_list(request):
    qs = permissions.scope(request.user, Dataset.objects.select_related("section").prefetch_related("resources"))
    return render(request, "opendata/staff_list.html", {"datasets": qs.order_by("-modified_at"), "can_create": permissions.can(request.user, "change")})


@staff_required
def staff_edit(request, name: str | None = None):
    ds = get_object_or_404(Dataset, name=name) if name else Dataset()
    if name:
        permissions.require(request.user, "change", ds)
    elif not permissions.can(request.user, "change"):
        return permissions.refuse(request, "データセットを作成する権限がありません。所属課の担当者または管理者に依頼してください。")
    form = DatasetForm(request.POST or None, instance=ds, sections=permissions.section_ids(request.user, "change"))
    if request.method == "POST" and form.is_valid():
        ds = form.save(commit=False)
        try:
            with transaction.atomic():
                services.save_dataset(ds, tags=services.split_tags(form.cleaned_data["tags"]), user=request.user, created=not name)
                audit.record("update" if name else "create", ds, request=request)
        except ValidationError as exc:
            add_to_form(form, exc, "name")
        else:
            messages.success(request, "データセットを保存しました。")
            return redirect("opendata:staff_dataset", ds.name)
    return render(request, "opendata/staff_edit.html", {"form": form, "ds": ds if name else None})


@staff_required
def staff_dataset(request, name: str):
    ds = get_object_or_404(Dataset.objects.select_related("section"), name=name)
    permissions.require(request.user, "view", ds)
    resource_form = ResourceForm(request.POST or None, prefix="r")
    if request.method == "POST":
        permissions.require(request.user, "change", ds)
        if resource_form.is_valid():
            try:
                r = services.add_resource(ds, name=resource_form.cleaned_data["name"], fmt=resource_form.cleaned_data["format"],
                                          description=resource_form.cleaned_data["description"], link_url=resource_form.cleaned_data["link_url"], user=request.user)  # fmt: skip
                audit.record("create", r, request=request)
            except ValidationError as exc:
                add_to_form(resource_form, exc, "name")
            else:
                messages.success(request, "リソースを追加しました。")
                return redirect("opendata:staff_dataset", ds.name)
    resources = [(r, list(r.versions.all()[:5])) for r in ds.resources.all()]
    held = HeldUpload.objects.filter(resource__dataset=ds, state=HeldUpload.State.HELD)
    return render(
        request,
        "opendata/staff_dataset.html",
        {"ds": ds, "resources": resources, "resource_form": resource_form, "activity": ds.activity.all()[:20], "held": held},
    )


@staff_required
def staff_upload(request, pk):
    resource = get_object_or_404(Resource.objects.select_related("dataset", "dataset__section"), pk=pk)
    permissions.require(request.user, "change", resource)
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            services.check_upload(resource, uploaded)
            uploaded.seek(0)
            with transaction.atomic():
                result = services.upload(resource, content=uploaded.read(), filename=uploaded.name, user=request.user,
                                         convert=form.cleaned_data["convert"], note=form.cleaned_data["note"])  # fmt: skip
                if isinstance(result, HeldUpload):
                    audit.record("create", result, request=request, detail={"held": True, "errors": result.error_count, "standard": result.standard})
                else:
                    audit.record(
                        "create", result, request=request, section=resource.dataset.section, detail={"rows": result.row_count, "encoding": result.encoding}
                    )
        except ValidationError as exc:
            add_to_form(form, exc, "file")
        else:
            if isinstance(result, HeldUpload):
                messages.error(request, f"{result.standard}の形式と照合して誤りが{result.error_count}件見つかったため、公開を保留しました。")
                return redirect("opendata:staff_held", result.pk)
            version = result
            summary = f"第{version.number}版を登録しました。"
            if version.row_count is not None:
                summary += f"{version.row_count}行（文字コード: {version.encoding or 'Excel'}{'、UTF-8 に変換' if version.converted else ''}）。"
            if version.standard:
                summary += f"{version.standard}の形式と照合し、誤りはありませんでした。"
            messages.success(request, summary)
            return redirect("opendata:staff_dataset", resource.dataset.name)
    return render(request, "opendata/staff_upload.html", {"form": form, "r": resource, "ds": resource.dataset})


@staff_required
def staff_held(request, pk: int):
    """A held upload: its errors by row and column; publish anyway with a reason, or withdraw."""
    held = get_object_or_404(HeldUpload.objects.select_related("resource", "resource__dataset", "resource__dataset__section"), pk=pk)
    permissions.require(request.user, "view", held.resource)
    form = HeldDecisionForm(request.POST or None)
    if request.method == "POST":
        permissions.require(request.user, "change", held.resource)
        if request.POST.get("action") == "withdraw":
            with transaction.atomic():
                services.withdraw_held(held, user=request.user)
                audit.record("delete", held, request=request, detail={"withdrawn": True})
            messages.success(request, "保留中の登録を取り下げました。直したファイルを登録してください。")
            return redirect("opendata:staff_dataset", held.resource.dataset.name)
        if form.is_valid():
            try:
                with transaction.atomic():
                    version = services.publish_held(held, reason=form.cleaned_data["reason"], user=request.user)
                    audit.record(
                        "approve", version, request=request, section=held.resource.dataset.section,
                        detail={"override_reason": held.reason, "errors": held.error_count, "standard": held.standard},
                    )  # fmt: skip
            except ValidationError as exc:
                add_to_form(form, exc, "reason")
            else:
                messages.success(request, f"誤り{held.error_count}件を承知のうえで第{version.number}版として公開しました。理由は公開ページに表示されます。")
                return redirect("opendata:staff_dataset", held.resource.dataset.name)
    problems = [{"row": p[0], "column": p[1], "message": p[2], "error": p[3]} for p in held.problems]
    from . import standards

    return render(request, "opendata/staff_held.html", {"held": held, "r": held.resource, "ds": held.resource.dataset, "form": form,
                                                        "problems": problems, "standard": standards.get(held.standard)})  # fmt: skip
