"""Form definitions: create, edit a draft, publish (フォームの作成・編集・公開).

Published versions never change; editing always happens in a draft that becomes the next
published number, so residents with a draft in progress keep the version they started with.
"""

from __future__ import annotations

import copy

from django.db import transaction
from django.db.models import Max

from madoguchi.core.audit import record
from madoguchi.core.models import AuditLog

from .models import Form, FormVersion
from .schema import validate_schema


def _next_number(form: Form) -> int:
    return (form.versions.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def create_form(name: str, schema: dict, section=None, allows_my_number: bool = False, publish: bool = True, user=None) -> Form:
    """Create a form with its first version (published unless ``publish=False``)."""
    validate_schema(schema, allows_my_number=allows_my_number)
    form = Form.objects.create(name=name, section=section, allows_my_number=allows_my_number)
    FormVersion.objects.create(
        form=form,
        number=1,
        schema=copy.deepcopy(schema),
        status=FormVersion.Status.PUBLISHED if publish else FormVersion.Status.DRAFT,
        created_by=user if getattr(user, "pk", None) else None,
    )
    return form


@transaction.atomic
def get_or_create_draft(form: Form, user=None) -> FormVersion:
    """The draft to edit: the existing one, or a copy of the latest version."""
    form = Form.objects.select_for_update().get(pk=form.pk)
    draft = form.draft_version()
    if draft is not None:
        return draft
    latest = form.latest_version()
    schema = copy.deepcopy(latest.schema) if latest else {"pages": [{"key": "page1", "title": "入力", "fields": []}]}
    return FormVersion.objects.create(form=form, number=_next_number(form), schema=schema, created_by=user if getattr(user, "pk", None) else None)


@transaction.atomic
def save_draft(draft: FormVersion, schema: dict, *, request=None) -> FormVersion:
    """Validate and store ``schema`` in a draft (raises ValidationError with Japanese messages)."""
    validate_schema(schema, allows_my_number=draft.form.allows_my_number)
    draft.schema = copy.deepcopy(schema)
    draft.save()
    record(AuditLog.Action.UPDATE, draft.form, request=request, detail={"version": draft.number, "what": "フォーム定義の下書きを保存"})
    return draft


@transaction.atomic
def publish(draft: FormVersion, *, request=None) -> FormVersion:
    """Publish a draft; it becomes the version new submissions use."""
    validate_schema(draft.schema, allows_my_number=draft.form.allows_my_number)
    draft = FormVersion.objects.select_for_update().get(pk=draft.pk)
    if draft.is_published:
        return draft
    draft.status = FormVersion.Status.PUBLISHED
    draft.save()
    from .sharing import follow_publish

    follow_publish(draft)
    record(AuditLog.Action.APPROVE, draft.form, request=request, detail={"version": draft.number, "what": "フォームを公開"})
    return draft
