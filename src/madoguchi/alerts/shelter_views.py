"""避難所の管理 (staff): list, add and edit the shelters notices list and the open data
指定緊急避難場所一覧 / 指定避難所一覧 publish. Shelters are city-wide reference data like
分野 and 地域, so the same permission edits them (``manage``: a section's 管理者 or 情報政策課).
Every save is audited with the fields changed; the open data refresh follows from the save
(``alerts.datasets`` names ``Shelter`` in ``models()``)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.core import audit
from madoguchi.core.models import AuditLog, Municipality
from madoguchi.core.permissions import can, refuse
from madoguchi.core.staff import staff_required

from .forms import ShelterForm
from .models import Shelter

REFUSED = "避難所は、分野・地域と同じく各課の管理者または情報政策課が編集できます。"


@staff_required
def shelter_list(request):
    if not can(request.user, "manage"):
        return refuse(request, _(REFUSED))
    municipality = Municipality.current()
    shelters = Shelter.objects.filter(municipality=municipality).select_related("area").order_by("name")
    rows = [(s, [label for field, label in Shelter.HAZARDS if getattr(s, field)]) for s in shelters]
    return render(request, "alerts/staff_shelters.html", {"rows": rows})


@staff_required
@require_http_methods(["GET", "POST"])
def shelter_edit(request, pk: int | None = None):
    if not can(request.user, "manage"):
        return refuse(request, _(REFUSED))
    municipality = Municipality.current()
    shelter = get_object_or_404(Shelter, municipality=municipality, pk=pk) if pk else Shelter(municipality=municipality)
    form = ShelterForm(request.POST or None, instance=shelter, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        is_new = shelter.pk is None
        with transaction.atomic():
            obj = form.save()
            audit.record(AuditLog.Action.CREATE if is_new else AuditLog.Action.UPDATE, obj, detail={"fields": sorted(form.changed_data)})
        messages.success(request, _("避難所「%(name)s」を保存しました。") % {"name": obj.name})
        return redirect("alerts:staff_shelters")
    return render(request, "alerts/staff_shelter_form.html", {"form": form, "shelter": shelter if pk else None}, status=400 if form.errors else 200)
