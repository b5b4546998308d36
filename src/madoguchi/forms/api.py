"""Form engine API: published form definitions and postal-code lookup (郵便番号検索)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Path, Router, Schema

router = Router(tags=["forms"])

MAX_ID = 2**31 - 1


class ErrorOut(Schema):
    detail: str


class PostalCodeOut(Schema):
    postal_code: str
    prefecture: str
    city: str
    town: str
    address: str


class FormDefinitionOut(Schema):
    id: int
    name: str
    version: int
    published_at: dt.datetime | None
    allows_my_number: bool
    definition: dict = Field(..., description="フォーム定義（SCHEMA.md の形式）")


@router.get(
    "/postal-code/{postal_code}",
    response={200: PostalCodeOut, 400: ErrorOut, 404: ErrorOut},
    summary="郵便番号から住所を調べる",
    operation_id="forms_postal_code",
)
def postal_code(request, postal_code: str):
    from .postal import PostalCodeError, lookup

    try:
        address = lookup(postal_code)
    except PostalCodeError as exc:
        return 400, {"detail": str(exc)}
    if address is None:
        return 404, {"detail": "この郵便番号に当たる住所が見つかりません。"}
    return 200, address.as_dict()


@router.get(
    "/{form_id}",
    response={200: FormDefinitionOut, 404: ErrorOut},
    summary="公開中のフォーム定義",
    operation_id="forms_definition",
)
def form_definition(request, form_id: int = Path(..., ge=1, le=MAX_ID)):
    from .models import FormVersion

    # The form and its latest published version in one query.
    version = FormVersion.objects.filter(form_id=form_id, status=FormVersion.Status.PUBLISHED).select_related("form").order_by("-number").first()
    if version is None:
        return 404, {"detail": "公開中のフォームが見つかりません。"}
    form = version.form
    return 200, {
        "id": form.pk,
        "name": form.name,
        "version": version.number,
        "published_at": version.published_at,
        "allows_my_number": form.allows_my_number,
        "definition": version.schema,
    }
