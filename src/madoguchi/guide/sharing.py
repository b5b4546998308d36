"""ひな形の共有 (issue #10 item 3) for guides: a city shares a published guide with the other
cities of the deployment, which copy it into a draft of their own (through their own review)
and are offered — never given automatically — the origin's newer versions.

The only cross-city read is of ``SharedGuide`` rows that are currently shared
(``shared_guides`` / ``shared_guide``, through ``core.tenancy.across_cities``); a copy records
its origin as plain values. Procedures are referenced by slug, so a copy's steps are resolved
in the copying city: the slugs it does not have are listed (``missing_procedures``) for staff
to map or remove; the review's own check (``services.problems``) still refuses them.
"""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from madoguchi.applications.models import Procedure
from madoguchi.core import audit, permissions, tenancy
from madoguchi.core.models import AuditLog

from . import definition, services
from .models import Guide, GuideVersion, SharedGuide

A = AuditLog.Action
_FIELDS = ("name", "description", "version_number", "definition", "updated_at", "shared_at", "guide_id", "municipality__name", "municipality_id")


def _user(request):
    user = getattr(request, "user", None)
    return user if getattr(user, "pk", None) else None


# --------------------------------------------------------------------------- origin's side
@transaction.atomic
def share(guide: Guide, description: str, user, *, request=None) -> SharedGuide:
    """Offer the guide's published version to the other cities (「ほかの自治体に公開する」)."""
    permissions.require(user, "change", guide)
    published = guide.published
    if published is None:
        raise ValidationError({"description": "公開中の版がないため、ひな形として公開できません。先にガイドを公開してください。"})
    description = (description or "").strip()
    if len(description) > 1000:
        raise ValidationError({"description": "「説明」は1000文字以内で入力してください。"})
    shared = SharedGuide.objects.select_for_update().filter(guide=guide).first() or SharedGuide(guide=guide)
    shared.name = published.title or guide.slug
    shared.description = description
    shared.version_number = published.number
    shared.definition = copy.deepcopy(published.definition)
    shared.shared_by = _user(request) or user
    shared.shared_at = timezone.now()
    shared.withdrawn_at = None
    shared.save()
    audit.record(A.UPDATE, guide, request=request, detail={"what": "ガイドをひな形として他の自治体に公開", "version": published.number, "template": shared.pk})
    return shared


@transaction.atomic
def withdraw(guide: Guide, user, *, request=None) -> SharedGuide | None:
    permissions.require(user, "change", guide)
    shared = SharedGuide.objects.select_for_update().filter(guide=guide, withdrawn_at__isnull=True).first()
    if shared is None:
        return None
    shared.withdrawn_at = timezone.now()
    shared.save(update_fields=["withdrawn_at", "updated_at"])
    audit.record(A.UPDATE, guide, request=request, detail={"what": "ガイドのひな形の公開をやめた", "template": shared.pk})
    return shared


def follow_publish(version: GuideVersion) -> None:
    """A shared guide's newly published version becomes the shared one (called by approve)."""
    shared = SharedGuide.objects.filter(guide_id=version.guide_id, withdrawn_at__isnull=True).first()
    if shared is not None and version.number > shared.version_number:
        shared.version_number = version.number
        shared.definition = copy.deepcopy(version.definition)
        shared.name = version.title or shared.name
        shared.save(update_fields=["version_number", "definition", "name", "updated_at"])


def share_of(guide: Guide) -> SharedGuide | None:
    return SharedGuide.objects.filter(guide=guide, withdrawn_at__isnull=True).first()


# --------------------------------------------------------------------------- the deliberate cross-city read
def shared_guides(exclude_city_id: int | None) -> list[SharedGuide]:
    """Every other city's currently shared guides (the municipality joined for its name)."""
    with tenancy.across_cities():  # the only cross-city read: shared rows
        qs = SharedGuide.objects.filter(withdrawn_at__isnull=True).select_related("municipality").only(*_FIELDS)
        if exclude_city_id is not None:
            qs = qs.exclude(municipality_id=exclude_city_id)
        return list(qs.order_by("municipality__name", "name", "pk"))


def shared_guide(pk: int, exclude_city_id: int | None = None) -> SharedGuide | None:
    with tenancy.across_cities():  # the only cross-city read: shared rows
        qs = SharedGuide.objects.filter(pk=pk, withdrawn_at__isnull=True).select_related("municipality").only(*_FIELDS)
        if exclude_city_id is not None:
            qs = qs.exclude(municipality_id=exclude_city_id)
        return qs.first()


def outline(defn: dict) -> dict:
    """A cheap preview of a shared definition: its questions and its groups' step titles (a
    procedure step shows its slug: the origin city's procedure names are not read)."""
    questions = [definition.text(q.get("text"))[0] for q in (defn or {}).get("questions") or [] if isinstance(q, dict)]
    groups = []
    for group in (defn or {}).get("groups") or []:
        if not isinstance(group, dict):
            continue
        steps = []
        for step in group.get("steps") or []:
            if isinstance(step, dict):
                title = definition.text(step["title"])[0] if step.get("title") else ""
                steps.append({"title": title, "procedure": step.get("procedure") or ""})
        groups.append({"title": definition.text(group.get("title"))[0] if group.get("title") else "", "steps": steps})
    return {"questions": questions, "groups": groups}


# --------------------------------------------------------------------------- copier's side
def missing_procedures(defn: dict) -> list[str]:
    """「この自治体にない手続」: the slugs the rules name that the active city has no procedure for."""
    slugs = definition.procedure_slugs(defn)
    return sorted(slugs - set(services.procedures_for(defn)))


@transaction.atomic
def copy_guide(shared: SharedGuide, *, section, slug: str, user, request=None) -> Guide:
    """A new guide in the active city and ``section`` whose version 1 is a DRAFT of the shared
    definition: it is published only through this city's own review."""
    permissions.require(user, "change", section)
    if Guide.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": "この識別子のガイドはすでにあります。別の識別子にしてください。"})
    guide = Guide.objects.create(
        section=section,
        slug=slug,
        origin_template_id=shared.pk,
        origin_guide_id=shared.guide_id,
        origin_version=shared.version_number,
        origin_municipality_id=shared.municipality_id,
    )
    GuideVersion.objects.create(guide=guide, number=1, author=user, status=GuideVersion.Status.DRAFT, definition=copy.deepcopy(shared.definition))
    audit.record(
        A.CREATE,
        guide,
        request=request,
        detail={
            "what": "他の自治体のひな形をコピーしてガイドを作成",
            "origin_template": shared.pk,
            "origin_guide": shared.guide_id,
            "origin_version": shared.version_number,
            "origin_municipality": shared.municipality_id,
            "missing_procedures": missing_procedures(shared.definition),
        },
    )
    return guide


def origin_update(guide: Guide) -> SharedGuide | None:
    """The origin's shared guide when it has a version newer than the copy took (and than the
    one whose notice was dismissed); else None."""
    if guide.origin_template_id is None:
        return None
    shared = shared_guide(guide.origin_template_id)
    if shared is None:
        return None
    seen = max(guide.origin_version or 0, guide.origin_dismissed_version or 0)
    return shared if shared.version_number > seen else None


@transaction.atomic
def apply_origin_update(guide: Guide, shared: SharedGuide, user, *, request=None) -> GuideVersion:
    """Put the origin's newer definition into the copy's draft (a new draft when there is none);
    it is published only through this city's review."""
    draft = services.editable_draft(guide, user, request=request)
    services.save_draft(draft, copy.deepcopy(shared.definition), user, request=request)
    Guide.objects.filter(pk=guide.pk).update(origin_version=shared.version_number)
    guide.origin_version = shared.version_number
    audit.record(
        A.UPDATE,
        guide,
        request=request,
        detail={"what": "元のガイドの更新を下書きに取り込み", "origin_template": shared.pk, "origin_version": shared.version_number, "version": draft.number},
    )
    return draft


def dismiss_origin_update(guide: Guide, version_number: int, user, *, request=None) -> None:
    permissions.require(user, "change", guide)
    Guide.objects.filter(pk=guide.pk).update(origin_dismissed_version=version_number)
    guide.origin_dismissed_version = version_number
    audit.record(A.UPDATE, guide, request=request, detail={"what": "元のガイドの更新のお知らせを閉じた", "origin_version": version_number})


def map_procedure(draft: GuideVersion, missing: str, replacement: str, user, *, request=None) -> GuideVersion:
    """Point the draft's steps naming ``missing`` to this city's procedure ``replacement``, or
    remove those steps when ``replacement`` is empty (「この自治体にない手続」の対応付け)."""
    if replacement and not Procedure.objects.filter(slug=replacement).exists():
        raise ValidationError({"replacement": "この自治体の手続から選んでください。"})
    defn = copy.deepcopy(draft.definition)
    for group in defn.get("groups") or []:
        if not isinstance(group, dict):
            continue
        steps = []
        for step in group.get("steps") or []:
            if isinstance(step, dict) and step.get("procedure") == missing:
                if not replacement:
                    continue
                step["procedure"] = replacement
            steps.append(step)
        group["steps"] = steps
    return services.save_draft(draft, defn, user, request=request)


def diff_summary(current: dict, new: dict) -> dict:
    """What applying ``new`` over ``current`` would change, by step and question key: steps added
    and removed (titles, or the procedure slug), and whether anything else changed."""

    def steps(defn):
        out = {}
        for group in (defn or {}).get("groups") or []:
            for step in group.get("steps") or [] if isinstance(group, dict) else []:
                if isinstance(step, dict) and step.get("key"):
                    out[str(step["key"])] = (definition.text(step["title"])[0] if step.get("title") else "") or str(step.get("procedure") or step["key"])
        return out

    a, b = steps(current), steps(new)
    return {
        "added": [title for key, title in b.items() if key not in a],
        "removed": [title for key, title in a.items() if key not in b],
        "other_changes": (current or {}) != (new or {}),
    }
