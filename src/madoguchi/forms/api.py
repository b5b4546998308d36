"""Form engine API: published form definitions and postal-code lookup (郵便番号検索)."""

from __future__ import annotations

import datetime as dt
import functools

from django.http import HttpResponse
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
    # Usually answered before this operation, by the public read of forms/public_reads.py;
    # it comes here for what that declines (an unknown or another city's form: the 404).
    head = _published_head(form_id)
    if head is None:
        return 404, {"detail": "公開中のフォームが見つかりません。"}
    return definition_response(head)


def definition_response(head) -> HttpResponse:
    """The definition of the version ``head`` names (see ``_published_head``). A published
    version never changes; the body is kept per version and the form's own fields, so a
    resident's browser loading the form costs one small read and no rendering."""
    response = HttpResponse(_definition_body(*head), content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=60"
    return response


@functools.cache
def _head_sql(vendor: str, scoped: bool = True) -> str:
    """``scoped``: the form must belong to the active city (as ``Form.objects`` while one is)."""
    from madoguchi.core import rawsql

    from .models import Form, FormVersion

    def v(name):
        return rawsql.column(FormVersion, name, "v")

    def f(name):
        return rawsql.column(Form, name, "f")

    return (
        f"SELECT {v('id')}, {v('published_at')}, {f('id')}, {f('name')}, {f('allows_my_number')} "
        f"FROM {rawsql.table(FormVersion)} v INNER JOIN {rawsql.table(Form)} f ON {f('id')} = {v('form')} "
        f"WHERE {v('form')} = %s AND {v('status')} = '{FormVersion.Status.PUBLISHED}'"
        + (f" AND {f('municipality')} = %s" if scoped else "")
        + f" ORDER BY {v('number')} DESC LIMIT 1"
    )


def _published_head(form_id: int):
    """(version id, published_at as the database returns it, form id, name, allows_my_number)
    of the form's latest published version, without its (large) definition; None if there is
    none, or if the form is another city's. The id and publication time together name one
    published version for good."""
    from django.db import connection

    from madoguchi.core import tenancy

    city_id = tenancy._scoping_city_id()
    with connection.cursor() as cur:
        if city_id is None:  # outside any city (commands), as the manager: every city's
            cur.execute(_head_sql(connection.vendor, scoped=False), [form_id])
        else:
            cur.execute(_head_sql(connection.vendor), [form_id, city_id])
        row = cur.fetchone()
    if row is None:
        return None
    version_id, published_raw, fid, name, allows = row
    return version_id, published_raw, fid, name, bool(allows)


@functools.lru_cache(maxsize=256)
def _definition_body(version_id: int, published_raw, form_id: int, name: str, allows_my_number: bool) -> bytes:
    from .models import FormVersion

    number, published_at, schema = FormVersion.objects.values_list("number", "published_at", "schema").get(pk=version_id)
    out = FormDefinitionOut(id=form_id, name=name, version=number, published_at=published_at, allows_my_number=allows_my_number, definition=schema)
    return out.model_dump_json().encode()
