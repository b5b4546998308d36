"""ひな形の共有: a city shares a published form with the other cities of the deployment, which
copy it and are told when the origin publishes a newer version.

The only cross-city read is of ``SharedTemplate`` rows that are currently shared
(``shared_templates`` / ``shared_template``); a copy records its origin as plain values.
"""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from madoguchi.core import tenancy
from madoguchi.core.audit import record
from madoguchi.core.models import AuditLog

from . import services
from .models import Form, FormVersion, SharedTemplate


# --------------------------------------------------------------------------- origin's side
@transaction.atomic
def share(form: Form, description: str, *, request=None) -> SharedTemplate:
    """Offer the form's published version to the other cities (「他の自治体に公開する」)."""
    published = form.published_version()
    if published is None:
        raise ValidationError({"description": "公開中の版がないため、ひな形として公開できません。先にフォームを公開してください。"})
    description = (description or "").strip()
    if len(description) > 1000:
        raise ValidationError({"description": "「説明」は1000文字以内で入力してください。"})
    template = SharedTemplate.objects.select_for_update().filter(form=form).first()
    if template is None:
        template = SharedTemplate(form=form)
    template.name = form.name
    template.description = description
    template.version_number = published.number
    template.schema = copy.deepcopy(published.schema)
    template.shared_by = getattr(request, "user", None) if getattr(getattr(request, "user", None), "pk", None) else None
    template.shared_at = timezone.now()
    template.withdrawn_at = None
    template.save()
    record(
        AuditLog.Action.UPDATE,
        form,
        request=request,
        detail={"what": "フォームをひな形として他の自治体に公開", "version": published.number, "template": template.pk},
    )
    return template


@transaction.atomic
def withdraw(form: Form, *, request=None) -> SharedTemplate | None:
    template = SharedTemplate.objects.select_for_update().filter(form=form, withdrawn_at__isnull=True).first()
    if template is None:
        return None
    template.withdrawn_at = timezone.now()
    template.save(update_fields=["withdrawn_at", "updated_at"])
    record(AuditLog.Action.UPDATE, form, request=request, detail={"what": "ひな形の公開をやめた", "template": template.pk})
    return template


def follow_publish(version: FormVersion) -> None:
    """A shared form's newly published version becomes the shared one (called by publish)."""
    template = SharedTemplate.objects.filter(form_id=version.form_id, withdrawn_at__isnull=True).first()
    if template is not None and version.number > template.version_number:
        template.version_number = version.number
        template.schema = copy.deepcopy(version.schema)
        template.name = version.form.name
        template.save(update_fields=["version_number", "schema", "name", "updated_at"])


def share_of(form: Form) -> SharedTemplate | None:
    return SharedTemplate.objects.filter(form=form, withdrawn_at__isnull=True).first()


# --------------------------------------------------------------------------- the deliberate cross-city read
def shared_templates(exclude_city_id: int | None) -> list[SharedTemplate]:
    """Every other city's currently shared templates (the municipality joined for its name)."""
    with tenancy.across_cities():  # the only cross-city read: shared rows
        qs = (
            SharedTemplate.objects.filter(withdrawn_at__isnull=True)
            .select_related("municipality")
            .only("name", "description", "version_number", "schema", "updated_at", "shared_at", "form_id", "municipality__name", "municipality_id")
        )
        if exclude_city_id is not None:
            qs = qs.exclude(municipality_id=exclude_city_id)
        return list(qs.order_by("municipality__name", "name", "pk"))


def shared_template(pk: int, exclude_city_id: int | None = None) -> SharedTemplate | None:
    with tenancy.across_cities():  # the only cross-city read: shared rows
        qs = SharedTemplate.objects.filter(pk=pk, withdrawn_at__isnull=True).select_related("municipality")
        qs = qs.only("name", "description", "version_number", "schema", "updated_at", "shared_at", "form_id", "municipality__name", "municipality_id")
        if exclude_city_id is not None:
            qs = qs.exclude(municipality_id=exclude_city_id)
        return qs.first()


# --------------------------------------------------------------------------- copier's side
@transaction.atomic
def copy_template(template: SharedTemplate, *, section, name: str | None = None, request=None) -> Form:
    """A new draft form in the active city and ``section`` with the template's definition."""
    user = getattr(request, "user", None)
    form = services.create_form(name or template.name, copy.deepcopy(template.schema), section=section, publish=False, user=user)
    form.origin_template_id = template.pk
    form.origin_form_id = template.form_id
    form.origin_version = template.version_number
    form.origin_municipality_id = template.municipality_id
    form.save(update_fields=["origin_template_id", "origin_form_id", "origin_version", "origin_municipality", "updated_at"])
    record(
        AuditLog.Action.CREATE,
        form,
        request=request,
        detail={
            "what": "他の自治体のひな形をコピーしてフォームを作成",
            "origin_template": template.pk,
            "origin_form": template.form_id,
            "origin_version": template.version_number,
            "origin_municipality": template.municipality_id,
        },
    )
    return form


def origin_update(form: Form) -> SharedTemplate | None:
    """The origin's shared template when it has a version newer than the copy took (and than
    the one whose notice was dismissed); else None."""
    if form.origin_template_id is None:
        return None
    template = shared_template(form.origin_template_id)
    if template is None:
        return None
    seen = max(form.origin_version or 0, form.origin_dismissed_version or 0)
    return template if template.version_number > seen else None


@transaction.atomic
def apply_origin_update(form: Form, template: SharedTemplate, *, request=None) -> FormVersion:
    """Put the origin's newer definition into the copy's draft (a new draft when there is none)."""
    user = getattr(request, "user", None)
    draft = services.get_or_create_draft(form, user)
    services.save_draft(draft, copy.deepcopy(template.schema), request=request)
    Form.objects.filter(pk=form.pk).update(origin_version=template.version_number)
    form.origin_version = template.version_number
    record(
        AuditLog.Action.UPDATE,
        form,
        request=request,
        detail={"what": "元の様式の更新を下書きに取り込み", "origin_template": template.pk, "origin_version": template.version_number, "version": draft.number},
    )
    return draft


def dismiss_origin_update(form: Form, version_number: int, *, request=None) -> None:
    Form.objects.filter(pk=form.pk).update(origin_dismissed_version=version_number)
    form.origin_dismissed_version = version_number
    record(AuditLog.Action.UPDATE, form, request=request, detail={"what": "元の様式の更新のお知らせを閉じた", "origin_version": version_number})


# --------------------------------------------------------------------------- diff summary
def _fields_by_key(schema: dict) -> dict[str, dict]:
    out = {}
    for page in (schema or {}).get("pages") or []:
        for f in (page or {}).get("fields") or []:
            if isinstance(f, dict) and f.get("key"):
                out[str(f["key"])] = f
    return out


def _title(f: dict) -> str:
    return str(f.get("label") or f.get("text") or f.get("key") or "")


def diff_summary(current: dict, new: dict) -> dict:
    """What applying ``new`` over ``current`` would change: fields added, removed, relabelled."""
    a, b = _fields_by_key(current), _fields_by_key(new)
    added = [{"key": k, "label": _title(f)} for k, f in b.items() if k not in a]
    removed = [{"key": k, "label": _title(f)} for k, f in a.items() if k not in b]
    changed = [{"key": k, "before": _title(a[k]), "after": _title(b[k])} for k in b if k in a and _title(a[k]) != _title(b[k])]
    others = [k for k in b if k in a and _title(a[k]) == _title(b[k]) and a[k] != b[k]]
    return {"added": added, "removed": removed, "changed": changed, "other_changes": len(others), "empty": not (added or removed or changed or others)}
