"""Staff pages of the shelter list import (避難所一覧の取込, ``shelter_import``): upload, the
check's result by row and column, apply or withdraw, a fixed file in place of a held one, and
the kept file. The same permission as editing a shelter in alerts (``manage``: a section's
管理者 or 情報政策課); every step is audited by the service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from madoguchi.core.permissions import can, refuse
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import add_to_form

from . import shelter_import, standards
from .forms import ShelterImportForm
from .models import ShelterImport

REFUSED = "避難所の一覧は、各課の管理者または情報政策課が取り込めます。"


def _upload(request, form, replaces=None):
    if form.is_valid():
        try:
            item = shelter_import.upload(form.cleaned_data["file"], user=request.user, replaces=replaces)
        except ValidationError as exc:
            add_to_form(form, exc, "file")
        else:
            if item.error_count:
                messages.warning(request, f"誤りが{item.error_count}件あります。ファイルは保存しました。直したファイルを登録してください。")
            else:
                messages.success(request, f"{item.row_count}件の避難所を確認しました。内容を確かめて「反映する」を押してください。")
            return redirect("opendata:staff_shelter_import", item.pk)
    return None


@staff_required
@require_http_methods(["GET", "POST"])
def shelter_imports(request):
    if not can(request.user, "manage"):
        return refuse(request, REFUSED)
    form = ShelterImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and (done := _upload(request, form)):
        return done
    imports = ShelterImport.objects.select_related("uploaded_by")[:20]
    return render(request, "opendata/staff_shelter_imports.html", {"form": form, "imports": imports}, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def shelter_import_detail(request, pk: int):
    if not can(request.user, "manage"):
        return refuse(request, REFUSED)
    item = get_object_or_404(ShelterImport, pk=pk)
    form = ShelterImportForm(request.POST or None, request.FILES or None) if request.POST.get("action") == "replace" else ShelterImportForm()
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "replace" and (done := _upload(request, form, replaces=item)):
            return done
        if action in ("apply", "withdraw"):
            try:
                if action == "apply":
                    item = shelter_import.apply(item, user=request.user)
                    messages.success(
                        request,
                        f"避難所の一覧に反映しました（追加 {item.created_count}件・更新 {item.updated_count}件）。オープンデータは数分以内に更新されます。",
                    )
                else:
                    shelter_import.withdraw(item, user=request.user)
                    messages.success(request, "この取込を取り下げました。ファイルは記録として残ります。")
                return redirect("opendata:staff_shelter_import", item.pk)
            except ValidationError as exc:
                error = exc.messages[0]
    problems = [{"row": p[0], "column": p[1], "message": p[2], "error": p[3]} for p in item.problems]
    added, updated = shelter_import.preview(item) if item.state == ShelterImport.State.READY else ([], [])
    context = {
        "item": item, "problems": problems, "form": form, "error": error, "added": added, "updated": updated,
        "standard": standards.get(shelter_import.STANDARD),
    }  # fmt: skip
    return render(request, "opendata/staff_shelter_import.html", context, status=400 if form.errors or error else 200)


@staff_required
def shelter_import_file(request, pk: int):
    if not can(request.user, "manage"):
        return refuse(request, REFUSED)
    item = get_object_or_404(ShelterImport, pk=pk)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename, content_type="text/csv")
