"""ひな形の共有 (issue #10 item 3) of guides: a city shares a published guide with the other
cities of the deployment, which copy it into a draft of their own (through their own review)
and are offered — never given automatically — the origin's newer versions.

The mechanism (the one cross-city read of shared rows, the copy's origin, offering updates) is
``core.sharing``; this module is the guide kind (``GuideKind``) and the names the guide views
and services call, with the permission checks they make. Procedures are referenced by slug, so
a copy's steps are resolved in the copying city: the slugs it does not have are listed
(``missing_procedures``) for staff to map or remove; the review's own check
(``services.problems``) still refuses them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from madoguchi.applications.models import Procedure
from madoguchi.core import permissions
from madoguchi.core import sharing as core_sharing
from madoguchi.core.registry import ShareableKind, shareable_kinds

from . import definition, services
from .models import Guide, GuideVersion, SharedGuide


class GuideKind(ShareableKind):
    model = SharedGuide
    noun = "ガイド"
    origin_noun = "ガイド"
    withdrawn_text = "ガイドのひな形の公開をやめた"
    missing_key = "missing_procedures"
    replacement_error = "この自治体の手続から選んでください。"

    def published_version(self, guide: Guide) -> GuideVersion | None:
        return guide.published

    def version_definition(self, version: GuideVersion) -> dict:
        return version.definition

    def version_title(self, version: GuideVersion) -> str:
        return version.title

    def fallback_name(self, guide: Guide) -> str:
        return guide.slug

    def create_copy(self, shared, defn, *, section, user, request, origin, slug):
        """Version 1 of the copy is a DRAFT: it is published only through this city's own review."""
        if Guide.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": "この識別子のガイドはすでにあります。別の識別子にしてください。"})
        guide = Guide.objects.create(section=section, slug=slug, **origin)
        GuideVersion.objects.create(guide=guide, number=1, author=user, status=GuideVersion.Status.DRAFT, definition=defn)
        return guide

    def editable_draft(self, guide: Guide, user, request=None) -> GuideVersion:
        return services.editable_draft(guide, user, request=request)

    def save_draft(self, draft: GuideVersion, defn: dict, user, request=None) -> GuideVersion:
        return services.save_draft(draft, defn, user, request=request)

    def missing_references(self, defn: dict) -> list[str]:
        """「この自治体にない手続」: the slugs the rules name that the active city has no procedure for."""
        return sorted(definition.procedure_slugs(defn) - set(services.procedures_for(defn)))

    def reference_exists(self, slug: str) -> bool:
        return Procedure.objects.filter(slug=slug).exists()

    def replace_reference(self, defn: dict, missing: str, replacement: str) -> dict:
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
        return defn


KIND = shareable_kinds.register("guide.guide", GuideKind())


# --------------------------------------------------------------------------- origin's side
def share(guide: Guide, description: str, user, *, request=None) -> SharedGuide:
    """Offer the guide's published version to the other cities (「ほかの自治体に公開する」)."""
    permissions.require(user, "change", guide)
    return core_sharing.share(KIND, guide, description, user=user, request=request)


def withdraw(guide: Guide, user, *, request=None) -> SharedGuide | None:
    permissions.require(user, "change", guide)
    return core_sharing.withdraw(KIND, guide, request=request)


def follow_publish(version: GuideVersion) -> None:
    """A shared guide's newly published version becomes the shared one (called by approve)."""
    core_sharing.follow_publish(KIND, version)


def share_of(guide: Guide) -> SharedGuide | None:
    return core_sharing.share_of(KIND, guide)


# --------------------------------------------------------------------------- the deliberate cross-city read
def shared_guides(exclude_city_id: int | None) -> list[SharedGuide]:
    """Every other city's currently shared guides (the municipality joined for its name)."""
    return core_sharing.shared_rows(KIND, exclude_city_id)


def shared_guide(pk: int, exclude_city_id: int | None = None) -> SharedGuide | None:
    return core_sharing.shared_row(KIND, pk, exclude_city_id)


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
    return core_sharing.missing_references(KIND, defn)


def copy_guide(shared: SharedGuide, *, section, slug: str, user, request=None) -> Guide:
    """A new guide in the active city and ``section`` whose version 1 is a DRAFT of the shared
    definition: it is published only through this city's own review."""
    permissions.require(user, "change", section)
    return core_sharing.copy_shared(KIND, shared, section=section, user=user, request=request, slug=slug)


def origin_update(guide: Guide) -> SharedGuide | None:
    return core_sharing.origin_update(KIND, guide)


def offered_update(guide: Guide, posted_version: str | None) -> SharedGuide:
    """The newer shared guide an apply/dismiss was posted for (404 when the notice is stale)."""
    return core_sharing.offered_update(KIND, guide, posted_version)


def apply_origin_update(guide: Guide, shared: SharedGuide, user, *, request=None) -> GuideVersion:
    """Put the origin's newer definition into the copy's draft (a new draft when there is none);
    it is published only through this city's review."""
    return core_sharing.apply_origin_update(KIND, guide, shared, user=user, request=request)


def dismiss_origin_update(guide: Guide, version_number: int, user, *, request=None) -> None:
    permissions.require(user, "change", guide)
    core_sharing.dismiss_origin_update(KIND, guide, version_number, request=request)


def map_procedure(draft: GuideVersion, missing: str, replacement: str, user, *, request=None) -> GuideVersion:
    """Point the draft's steps naming ``missing`` to this city's procedure ``replacement``, or
    remove those steps when ``replacement`` is empty (「この自治体にない手続」の対応付け)."""
    return core_sharing.map_reference(KIND, draft, missing, replacement, user=user, request=request)


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
