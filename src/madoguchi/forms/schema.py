"""Checks a form definition (フォーム定義, see SCHEMA.md) before it is saved.

Staff edit definitions without code, so every mistake gets a Japanese message saying where it is
and what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Set

from django.core.exceptions import ValidationError

from madoguchi.core.registry import field_types

from .fields import date_bound_ok as _date_bound_ok  # noqa: F401 - kept importable from here
from .fields import get_field_type
from .fields import is_number as _is_number  # noqa: F401


class _FieldTypeLabels(Mapping):
    """``FIELD_TYPES``: type key → its name for staff, read live from ``field_types`` (so a type
    registered by another app appears in the editor and in schema messages)."""

    def __getitem__(self, key):
        kind = get_field_type(key)
        if kind is None:
            raise KeyError(key)
        return kind.label

    def __iter__(self) -> Iterator[str]:
        return iter(field_types.keys())

    def __len__(self) -> int:
        return len(field_types)

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and key in field_types


class _ChoiceTypes(Set):
    """``CHOICE_TYPES``: the registered types whose ``is_choice`` is true."""

    def _keys(self) -> list[str]:
        return [k for k in field_types.keys() if getattr(get_field_type(k), "is_choice", False)]

    def __contains__(self, key) -> bool:
        kind = get_field_type(key) if isinstance(key, str) else None
        return bool(kind is not None and kind.is_choice)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


FIELD_TYPES: Mapping[str, str] = _FieldTypeLabels()
CHOICE_TYPES: Set[str] = _ChoiceTypes()
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
PREFILL_KEYS = {
    "full_name",
    "full_name_kana",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
    "postal_code",
    "address",
    "address_building",
    "phone",
    "email",
}


def schema_errors(schema, *, allows_my_number: bool = True) -> list[str]:
    """All problems in ``schema`` as Japanese sentences (empty list when it is fine)."""
    errors: list[str] = []
    if not isinstance(schema, dict):
        return ["フォーム定義は JSON のオブジェクト（{ }）で書いてください。"]
    pages = schema.get("pages")
    if not isinstance(pages, list) or not pages:
        return ['フォーム定義に "pages"（ページの一覧）を1つ以上書いてください。']
    seen_fields: dict[str, dict] = {}
    seen_pages: set[str] = set()
    for pi, page in enumerate(pages, start=1):
        where_page = f"{pi}ページ目"
        if not isinstance(page, dict):
            errors.append(f"{where_page}はオブジェクト（{{ }}）で書いてください。")
            continue
        pkey = page.get("key")
        if not isinstance(pkey, str) or not KEY_RE.match(pkey):
            errors.append(f"{where_page}の key は半角英小文字で始まる英数字と _ で書いてください（例: applicant）。")
        elif pkey in seen_pages:
            errors.append(f"{where_page}の key「{pkey}」が他のページと重複しています。別の key にしてください。")
        else:
            seen_pages.add(pkey)
        if not isinstance(page.get("title"), str) or not page.get("title", "").strip():
            errors.append(f"{where_page}の見出し（title）を入力してください。")
        fields = page.get("fields")
        if not isinstance(fields, list):
            errors.append(f"{where_page}に fields（項目の一覧）を書いてください。")
            continue
        for fi, field in enumerate(fields, start=1):
            where = f"{where_page}の{fi}番目の項目"
            if not isinstance(field, dict):
                errors.append(f"{where}はオブジェクト（{{ }}）で書いてください。")
                continue
            key = field.get("key")
            ftype = field.get("type")
            if isinstance(key, str) and KEY_RE.match(key) and "__" not in key:
                where = f"{where}（{key}）"
                if key in seen_fields:
                    errors.append(f"{where}: key「{key}」が重複しています。フォーム全体で別々の key にしてください。")
            else:
                errors.append(f"{where}: key は半角英小文字で始まる英数字と _ で書いてください（__ は使えません。例: name_kana）。")
                key = None
            kind = get_field_type(ftype)
            if kind is None:
                errors.append(f"{where}: 種類「{ftype}」は使えません。使える種類: {', '.join(FIELD_TYPES)}。")
                continue
            errors.extend(kind.label_errors(field, where))
            if "required" in field and not isinstance(field["required"], bool):
                errors.append(f"{where}: required は true か false で書いてください。")
            errors.extend(kind.schema_errors(field, where, allows_my_number=allows_my_number))
            ml = field.get("max_length")
            if ml is not None and (not isinstance(ml, int) or isinstance(ml, bool) or ml <= 0):
                errors.append(f"{where}: max_length（最大文字数）は正の整数で書いてください。")
            pattern = field.get("pattern")
            if pattern is not None:
                try:
                    re.compile(pattern)
                except (re.error, TypeError):
                    errors.append(f"{where}: pattern（入力の形式）が正しい正規表現ではありません。")
            prefill = field.get("prefill")
            if prefill is not None and prefill not in PREFILL_KEYS:
                errors.append(f"{where}: prefill「{prefill}」は使えません。使える値: {', '.join(sorted(PREFILL_KEYS))}。")
            show_if = field.get("show_if")
            if show_if is not None:
                errors.extend(_show_if_errors(where, show_if, seen_fields))
            if key:
                seen_fields[key] = field
    return errors


def _show_if_errors(where: str, show_if, seen_fields: dict[str, dict]) -> list[str]:
    if not isinstance(show_if, dict) or not isinstance(show_if.get("field"), str):
        return [f'{where}: 表示条件（show_if）は {{"field": 項目のkey, "equals": 値}} の形で書いてください。']
    target = show_if["field"]
    if target not in seen_fields:
        return [f"{where}: 表示条件（show_if）が、この項目より前にない項目「{target}」を参照しています。前にある項目の key を指定してください。"]
    ops = [op for op in ("equals", "in", "not_empty") if op in show_if]
    if len(ops) != 1:
        return [f"{where}: 表示条件（show_if）には equals・in・not_empty のどれか1つを書いてください。"]
    if ops[0] == "in" and not isinstance(show_if["in"], list):
        return [f"{where}: 表示条件（show_if）の in は値の一覧で書いてください。"]
    ref = seen_fields[target]
    if ref.get("type") in CHOICE_TYPES and ops[0] in ("equals", "in"):
        allowed = {str(c.get("value")) for c in ref.get("choices") or [] if isinstance(c, dict)}
        wanted = [show_if["equals"]] if ops[0] == "equals" else show_if["in"]
        missing = [str(w) for w in wanted if str(w) not in allowed]
        if missing:
            return [f"{where}: 表示条件（show_if）の値「{'」「'.join(missing)}」は項目「{target}」の選択肢にありません。"]
    return []


def validate_schema(schema, *, allows_my_number: bool = True) -> None:
    """Raise ``ValidationError`` (Japanese messages) when ``schema`` is not a usable form."""
    errors = schema_errors(schema, allows_my_number=allows_my_number)
    if errors:
        raise ValidationError(errors)
