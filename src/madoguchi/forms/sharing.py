"""ひな形の共有 of forms: a city shares a published form with the other cities of the
deployment, which copy it and are told when the origin publishes a newer version.

The mechanism (the one cross-city read of shared rows, the copy's origin, offering updates) is
``core.sharing``; this module is the forms kind (``FormKind``: what is copied, how a copy is
made and drafted) and the names the forms views and services call.
"""

from __future__ import annotations

from madoguchi.core import sharing as core_sharing
from madoguchi.core.registry import ShareableKind, shareable_kinds

from . import services
from .models import Form, FormVersion, SharedTemplate


class FormKind(ShareableKind):
    model = SharedTemplate
    noun = "フォーム"
    origin_noun = "様式"

    def published_version(self, form: Form) -> FormVersion | None:
        return form.published_version()

    def version_definition(self, version: FormVersion) -> dict:
        return version.schema

    def version_title(self, version: FormVersion) -> str:
        return version.form.name

    def fallback_name(self, form: Form) -> str:
        return form.name

    def create_copy(self, template, definition, *, section, user, request, origin, name=None):
        form = services.create_form(name or template.name, definition, section=section, publish=False, user=user)
        for field, value in origin.items():
            setattr(form, field, value)
        form.save(update_fields=["origin_template_id", "origin_form_id", "origin_version", "origin_municipality", "updated_at"])
        return form

    def editable_draft(self, form: Form, user, request=None) -> FormVersion:
        return services.get_or_create_draft(form, user)

    def save_draft(self, draft: FormVersion, definition: dict, user, request=None) -> FormVersion:
        return services.save_draft(draft, definition, request=request)


KIND = shareable_kinds.register("forms.form", FormKind())


# --------------------------------------------------------------------------- origin's side
def share(form: Form, description: str, *, request=None) -> SharedTemplate:
    """Offer the form's published version to the other cities (「他の自治体に公開する」)."""
    return core_sharing.share(KIND, form, description, request=request)


def withdraw(form: Form, *, request=None) -> SharedTemplate | None:
    return core_sharing.withdraw(KIND, form, request=request)


def follow_publish(version: FormVersion) -> None:
    """A shared form's newly published version becomes the shared one (called by publish)."""
    core_sharing.follow_publish(KIND, version)


def share_of(form: Form) -> SharedTemplate | None:
    return core_sharing.share_of(KIND, form)


# --------------------------------------------------------------------------- the deliberate cross-city read
def shared_templates(exclude_city_id: int | None) -> list[SharedTemplate]:
    """Every other city's currently shared templates (the municipality joined for its name)."""
    return core_sharing.shared_rows(KIND, exclude_city_id)


def shared_template(pk: int, exclude_city_id: int | None = None) -> SharedTemplate | None:
    return core_sharing.shared_row(KIND, pk, exclude_city_id)


# --------------------------------------------------------------------------- copier's side
def copy_template(template: SharedTemplate, *, section, name: str | None = None, request=None) -> Form:
    """A new draft form in the active city and ``section`` with the template's definition."""
    return core_sharing.copy_shared(KIND, template, section=section, user=getattr(request, "user", None), request=request, name=name)


def origin_update(form: Form) -> SharedTemplate | None:
    return core_sharing.origin_update(KIND, form)


def offered_update(form: Form, posted_version: str | None) -> SharedTemplate:
    """The newer template an apply/dismiss was posted for (404 when the notice is stale)."""
    return core_sharing.offered_update(KIND, form, posted_version)


def apply_origin_update(form: Form, template: SharedTemplate, *, request=None) -> FormVersion:
    """Put the origin's newer definition into the copy's draft (a new draft when there is none)."""
    return core_sharing.apply_origin_update(KIND, form, template, user=getattr(request, "user", None), request=request)


def dismiss_origin_update(form: Form, version_number: int, *, request=None) -> None:
    core_sharing.dismiss_origin_update(KIND, form, version_number, request=request)


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
