"""Checks a form definition (フォーム定義, see SCHEMA.md) before it is saved.

Staff edit definitions without code, so every mistake gets a Japanese message saying where it is
and what to fix.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

from madoguchi.core.uploads import FILE_KINDS  # one list of accepted kinds, owned by core.uploads

FIELD_TYPES = {
    "text": "1行のテキスト",
    "textarea": "複数行のテキスト",
    "kana": "ふりがな・フリガナ",
    "date": "日付",
    "address": "郵便番号と住所",
    "phone": "電話番号",
    "email": "メールアドレス",
    "number": "数値",
    "select": "選択（プルダウン）",
    "radio": "選択（ラジオボタン）",
    "checkboxes": "複数選択（チェックボックス）",
    "file": "ファイル添付",
    "consent": "同意",
    "paragraph": "説明文（入力なし）",
    "my_number": "個人番号（マイナンバー）",
}
CHOICE_TYPES = {"select", "radio", "checkboxes"}
INPUT_FREE_TYPES = {"paragraph"}
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


def _date_bound_ok(value) -> bool:
    if not isinstance(value, str):
        return False
    if re.fullmatch(r"today([+-]\d{1,5}d)?", value):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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
            if ftype not in FIELD_TYPES:
                errors.append(f"{where}: 種類「{ftype}」は使えません。使える種類: {', '.join(FIELD_TYPES)}。")
                continue
            if ftype == "paragraph":
                if not str(field.get("text") or field.get("label") or "").strip():
                    errors.append(f"{where}: 説明文（text）を入力してください。")
            elif not isinstance(field.get("label"), str) or not field["label"].strip():
                errors.append(f"{where}: 項目名（label）を入力してください。")
            if "required" in field and not isinstance(field["required"], bool):
                errors.append(f"{where}: required は true か false で書いてください。")
            if ftype == "my_number" and not allows_my_number:
                errors.append(f"{where}: 個人番号（マイナンバー）の欄は、個人番号利用事務として登録されたフォームにだけ置けます。")
            if ftype in CHOICE_TYPES:
                choices = field.get("choices")
                if not isinstance(choices, list) or not choices:
                    errors.append(f"{where}: 選択肢（choices）を1つ以上書いてください。")
                else:
                    values = []
                    for ci, choice in enumerate(choices, start=1):
                        if not isinstance(choice, dict) or not str(choice.get("value", "")).strip() or not str(choice.get("label", "")).strip():
                            errors.append(f"{where}: {ci}番目の選択肢に value と label を書いてください。")
                            continue
                        values.append(str(choice["value"]))
                    dupes = sorted({v for v in values if values.count(v) > 1})
                    if dupes:
                        errors.append(f"{where}: 選択肢の value「{'」「'.join(dupes)}」が重複しています。")
                if ftype == "checkboxes":
                    lo, hi = field.get("min_choices"), field.get("max_choices")
                    for name, v in (("min_choices", lo), ("max_choices", hi)):
                        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                            errors.append(f"{where}: {name} は0以上の整数で書いてください。")
                    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
                        errors.append(f"{where}: 最小選択数（min_choices）が最大選択数（max_choices）より大きくなっています。")
            if ftype == "number":
                lo, hi = field.get("min"), field.get("max")
                for name, v in (("min", lo), ("max", hi)):
                    if v is not None and not _is_number(v):
                        errors.append(f"{where}: {name} は数値で書いてください。")
                if _is_number(lo) and _is_number(hi) and lo > hi:
                    errors.append(f"{where}: 最小値（min）が最大値（max）より大きくなっています。")
            if ftype == "date":
                for name in ("min", "max"):
                    v = field.get(name)
                    if v is not None and not _date_bound_ok(v):
                        errors.append(f"{where}: {name} は YYYY-MM-DD か today（今日）で書いてください。")
            if ftype == "kana" and field.get("kana", "hiragana") not in ("hiragana", "katakana"):
                errors.append(f"{where}: kana は hiragana（ひらがな）か katakana（カタカナ）で書いてください。")
            if ftype == "file":
                accept = field.get("accept")
                if accept is not None:
                    if not isinstance(accept, list) or not accept:
                        errors.append(f'{where}: accept（受け付けるファイルの種類）は一覧で書いてください（例: ["pdf", "jpeg"]）。')
                    else:
                        unknown = [str(a) for a in accept if a not in FILE_KINDS]
                        if unknown:
                            errors.append(f"{where}: ファイルの種類「{'」「'.join(unknown)}」は使えません。使える種類: {', '.join(FILE_KINDS)}。")
                mb = field.get("max_bytes")
                if mb is not None and (not isinstance(mb, int) or isinstance(mb, bool) or mb <= 0):
                    errors.append(f"{where}: max_bytes（ファイルの上限バイト数）は正の整数で書いてください。")
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
