"""ひな形の共有 (issue #10), one mechanism for every kind: a city shares a published item with
the other cities of the deployment, which copy it into a draft of their own and are offered —
never given automatically — the origin's newer versions.

Each function takes the kind (``core.registry.ShareableKind``, contributed from
``<app>/sharing.py``) and reads and writes its ``SharedTemplateBase`` rows. The only cross-city
read is of rows currently shared (``shared_rows`` / ``shared_row``, through
``tenancy.across_cities``); a copy records its origin as plain values (``SharedCopy``).
Permission checks stay with the caller (each kind's module or view), as before.
"""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from . import audit, tenancy
from .models import AuditLog
from .registry import ShareableKind

A = AuditLog.Action
DESCRIPTION_MAX = 1000
_LISTED = ("name", "description", "version_number", "definition", "updated_at", "shared_at", "municipality__name", "municipality_id")


def _user(request):
    user = getattr(request, "user", None)
    return user if getattr(user, "pk", None) else None


# --------------------------------------------------------------------------- origin's side
@transaction.atomic
def share(kind: ShareableKind, item, description: str, *, user=None, request=None):
    """Offer the item's published version to the other cities (「他の自治体に公開する」)."""
    published = kind.published_version(item)
    if published is None:
        raise ValidationError({"description": f"公開中の版がないため、ひな形として公開できません。先に{kind.noun}を公開してください。"})
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError({"description": f"「説明」は{DESCRIPTION_MAX}文字以内で入力してください。"})
    source = kind.model.source_field()
    shared = kind.model.objects.select_for_update().filter(**{source: item}).first() or kind.model(**{source: item})
    shared.name = kind.version_title(published) or kind.fallback_name(item)
    shared.description = description
    shared.version_number = published.number
    shared.definition = copy.deepcopy(kind.version_definition(published))
    shared.shared_by = _user(request) or user
    shared.shared_at = timezone.now()
    shared.withdrawn_at = None
    shared.save()
    audit.record(
        A.UPDATE, item, request=request, detail={"what": f"{kind.noun}をひな形として他の自治体に公開", "version": published.number, "template": shared.pk}
    )
    return shared


@transaction.atomic
def withdraw(kind: ShareableKind, item, *, request=None):
    shared = kind.model.objects.select_for_update().filter(**{kind.model.source_field(): item, "withdrawn_at__isnull": True}).first()
    if shared is None:
        return None
    shared.withdrawn_at = timezone.now()
    shared.save(update_fields=["withdrawn_at", "updated_at"])
    audit.record(A.UPDATE, item, request=request, detail={"what": kind.withdrawn_text, "template": shared.pk})
    return shared


def follow_publish(kind: ShareableKind, version) -> None:
    """A shared item's newly published version becomes the shared one (called by its publish)."""
    source_id = f"{kind.model.source_field()}_id"
    shared = kind.model.objects.filter(**{source_id: getattr(version, source_id), "withdrawn_at__isnull": True}).first()
    if shared is not None and version.number > shared.version_number:
        shared.version_number = version.number
        shared.definition = copy.deepcopy(kind.version_definition(version))
        shared.name = kind.version_title(version) or shared.name
        shared.save(update_fields=["version_number", "definition", "name", "updated_at"])


def share_of(kind: ShareableKind, item):
    return kind.model.objects.filter(**{kind.model.source_field(): item, "withdrawn_at__isnull": True}).first()


# --------------------------------------------------------------------------- the deliberate cross-city read
def _shared_queryset(kind: ShareableKind, exclude_city_id: int | None):
    qs = kind.model.objects.filter(withdrawn_at__isnull=True).select_related("municipality")
    qs = qs.only(*_LISTED, f"{kind.model.source_field()}_id")
    return qs.exclude(municipality_id=exclude_city_id) if exclude_city_id is not None else qs


def shared_rows(kind: ShareableKind, exclude_city_id: int | None) -> list:
    """Every other city's currently shared rows of this kind (the municipality joined for its name)."""
    with tenancy.across_cities():  # the only cross-city read: shared rows
        return list(_shared_queryset(kind, exclude_city_id).order_by("municipality__name", "name", "pk"))


def shared_row(kind: ShareableKind, pk: int, exclude_city_id: int | None = None):
    with tenancy.across_cities():  # the only cross-city read: shared rows
        return _shared_queryset(kind, exclude_city_id).filter(pk=pk).first()


# --------------------------------------------------------------------------- copier's side
def missing_references(kind: ShareableKind, definition: dict) -> list[str]:
    """What the definition refers to that the active city has no target for (「この自治体にない手続」)."""
    return kind.missing_references(definition)


@transaction.atomic
def copy_shared(kind: ShareableKind, shared, *, section, user=None, request=None, **options):
    """A new item in the active city and ``section`` with the shared definition, recording its
    origin; ``options`` go to the kind (the copy's name, its 識別子)."""
    source = kind.model.source_field()
    origin = {
        "origin_template_id": shared.pk,
        f"origin_{source}_id": shared.source_id,
        "origin_version": shared.version_number,
        "origin_municipality_id": shared.municipality_id,
    }
    item = kind.create_copy(shared, copy.deepcopy(shared.definition), section=section, user=user, request=request, origin=origin, **options)
    detail = {"what": f"他の自治体のひな形をコピーして{kind.noun}を作成", **{k.removesuffix("_id"): v for k, v in origin.items()}}
    if kind.missing_key:
        detail[kind.missing_key] = kind.missing_references(shared.definition)
    audit.record(A.CREATE, item, request=request, detail=detail)
    return item


def origin_update(kind: ShareableKind, item):
    """The origin's shared row when it has a version newer than the copy took (and than the one
    whose notice was dismissed); else None."""
    if item.origin_template_id is None:
        return None
    shared = shared_row(kind, item.origin_template_id)
    if shared is None:
        return None
    seen = max(item.origin_version or 0, item.origin_dismissed_version or 0)
    return shared if shared.version_number > seen else None


def offered_update(kind: ShareableKind, item, posted_version: str | None):
    """For the apply/dismiss views: the origin's newer shared row the notice was about; 404 once
    it moved on again (a stale page) or stopped being shared."""
    shared = origin_update(kind, item)
    if shared is None or (posted_version or "") != str(shared.version_number):
        raise Http404(f"元の{kind.origin_noun}の新しい版が見つかりません。画面を読み込み直してください。")
    return shared


@transaction.atomic
def apply_origin_update(kind: ShareableKind, item, shared, *, user=None, request=None):
    """Put the origin's newer definition into the copy's draft (a new draft when there is none);
    it is published only through this city's own way of publishing."""
    draft = kind.editable_draft(item, user, request=request)
    kind.save_draft(draft, copy.deepcopy(shared.definition), user, request=request)
    type(item)._default_manager.filter(pk=item.pk).update(origin_version=shared.version_number)
    item.origin_version = shared.version_number
    detail = {
        "what": f"元の{kind.origin_noun}の更新を下書きに取り込み",
        "origin_template": shared.pk,
        "origin_version": shared.version_number,
        "version": draft.number,
    }
    audit.record(A.UPDATE, item, request=request, detail=detail)
    return draft


def dismiss_origin_update(kind: ShareableKind, item, version_number: int, *, request=None) -> None:
    type(item)._default_manager.filter(pk=item.pk).update(origin_dismissed_version=version_number)
    item.origin_dismissed_version = version_number
    audit.record(A.UPDATE, item, request=request, detail={"what": f"元の{kind.origin_noun}の更新のお知らせを閉じた", "origin_version": version_number})


def map_reference(kind: ShareableKind, draft, missing: str, replacement: str, *, user=None, request=None):
    """Point the draft's references to ``missing`` at this city's ``replacement``, or remove
    what names ``missing`` when ``replacement`` is empty (「この自治体にない…」の対応付け)."""
    if replacement and not kind.reference_exists(replacement):
        raise ValidationError({"replacement": kind.replacement_error})
    definition = kind.replace_reference(copy.deepcopy(kind.version_definition(draft)), missing, replacement)
    return kind.save_draft(draft, definition, user, request=request)
