"""The server-rendered field builder (項目エディタ): staff edit a form definition without code.

The editor posts every page and field as plain inputs (``p0-f1-label`` …) plus one operation
(``op``: save, add/remove/move a page or field). Options the builder does not show (pattern,
prefill, accept …) are kept from the stored definition.
"""

from __future__ import annotations

import copy
import re

from .fields import get_field_type
from .schema import CHOICE_TYPES, FIELD_TYPES

# Options the builder edits; everything else in a field is preserved as is.
EDITED_OPTIONS = (
    "key",
    "type",
    "label",
    "help",
    "text",
    "required",
    "choices",
    "min",
    "max",
    "show_if",
    "max_length",
    "min_choices",
    "max_choices",
    "kana",
    "unit",
)


def choices_to_text(choices) -> str:
    lines = []
    for c in choices or []:
        if not isinstance(c, dict):
            continue
        value, label = str(c.get("value", "")), str(c.get("label", ""))
        lines.append(label if value == label else f"{value}:{label}")
    return "\n".join(lines)


def text_to_choices(text: str) -> list[dict]:
    choices = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        value, sep, label = line.partition(":")
        if not sep:
            value, sep, label = line.partition("：")
        if sep and value.strip() and label.strip():
            choices.append({"value": value.strip(), "label": label.strip()})
        else:
            choices.append({"value": line, "label": line})
    return choices


def editor_pages(schema: dict) -> list[dict]:
    """Pages and fields prepared for the editor template."""
    pages = []
    previous: list[dict] = []
    for pi, page in enumerate(schema.get("pages") or []):
        fields = []
        for fi, f in enumerate(page.get("fields") or []):
            if not isinstance(f, dict):
                continue
            show_if = f.get("show_if") if isinstance(f.get("show_if"), dict) else {}
            if "equals" in show_if:
                show_value = str(show_if["equals"])
            elif "in" in show_if and isinstance(show_if["in"], list):
                show_value = ",".join(str(v) for v in show_if["in"])
            elif show_if.get("not_empty"):
                show_value = "*"
            else:
                show_value = ""
            fields.append(
                {
                    "prefix": f"p{pi}-f{fi}",
                    "index": fi,
                    "spec": f,
                    "choices_text": choices_to_text(f.get("choices")),
                    "show_if_field": show_if.get("field", ""),
                    "show_if_value": show_value,
                    "is_choice": f.get("type") in CHOICE_TYPES,
                    "required": f.get("required", _has_input(f.get("type"))) is not False,
                    "type_label": FIELD_TYPES.get(f.get("type"), str(f.get("type"))),
                    "previous": list(previous),
                    "title": str(f.get("label") or f.get("text") or f.get("key") or ""),
                }
            )
            if _has_input(f.get("type")) and f.get("key"):
                previous.append({"key": f.get("key"), "label": f.get("label") or f.get("key")})
        pages.append({"prefix": f"p{pi}", "index": pi, "spec": page, "fields": fields, "field_count": len(fields)})
    return pages


def _has_input(ftype) -> bool:
    """False for display-only types (paragraph); unknown types count as inputs."""
    kind = get_field_type(ftype)
    return kind is None or kind.has_input


def _number(text: str):
    """A finite number of at most 15 digits (ValueError otherwise): int() refuses 4,301 digits,
    float() turns them (and "1e999") into infinity, which no JSON column stores."""
    import math

    text = (text or "").strip()
    if not text:
        return None
    if len(re.sub(r"\D", "", text)) > 15:
        raise ValueError(text)
    try:
        return int(text)
    except ValueError:
        number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _read_field(post, prefix: str, original: dict, where: str, errors: list[str]) -> dict:
    spec = copy.deepcopy(original) if isinstance(original, dict) else {}
    for option in EDITED_OPTIONS:
        spec.pop(option, None)
    ftype = post.get(f"{prefix}-type", "text")
    spec["key"] = post.get(f"{prefix}-key", "").strip()
    spec["type"] = ftype
    label = post.get(f"{prefix}-label", "").strip()
    if label:
        spec["label"] = label
    for option in ("help", "text", "unit"):
        value = post.get(f"{prefix}-{option}", "").strip()
        if value:
            spec[option] = value
    if _has_input(ftype):
        spec["required"] = post.get(f"{prefix}-required") == "on"
    if ftype in CHOICE_TYPES:
        spec["choices"] = text_to_choices(post.get(f"{prefix}-choices", ""))
    if ftype == "kana":
        spec["kana"] = post.get(f"{prefix}-kana") or "hiragana"
    for option, label_ja in (("min", "最小値"), ("max", "最大値")):
        raw = post.get(f"{prefix}-{option}", "").strip()
        if not raw:
            continue
        if ftype == "date":
            spec[option] = raw
        else:
            try:
                spec[option] = _number(raw)
            except ValueError:
                errors.append(f"{where}: 「{label_ja}」は数値で入力してください。")
    for option, label_ja in (("max_length", "最大文字数"), ("min_choices", "最小選択数"), ("max_choices", "最大選択数")):
        raw = post.get(f"{prefix}-{option}", "").strip()
        if not raw:
            continue
        if re.fullmatch(r"\d{1,7}", raw):
            spec[option] = int(raw)
        else:
            errors.append(f"{where}: 「{label_ja}」は0以上の整数（7桁まで）で入力してください。")
    show_field = post.get(f"{prefix}-show_if_field", "").strip()
    show_value = post.get(f"{prefix}-show_if_value", "").strip()
    if show_field:
        if show_value == "*":
            spec["show_if"] = {"field": show_field, "not_empty": True}
        elif "," in show_value:
            spec["show_if"] = {"field": show_field, "in": [v.strip() for v in show_value.split(",") if v.strip()]}
        elif show_value:
            spec["show_if"] = {"field": show_field, "equals": show_value}
        else:
            errors.append(f"{where}: 表示条件の「値」を入力してください（入力があれば表示するときは * ）。")
    return spec


def _unique_key(schema: dict, base: str) -> str:
    used = {f.get("key") for p in schema.get("pages") or [] for f in p.get("fields") or [] if isinstance(f, dict)}
    used |= {p.get("key") for p in schema.get("pages") or []}
    n = 1
    while f"{base}{n}" in used:
        n += 1
    return f"{base}{n}"


def new_field(schema: dict, ftype: str) -> dict:
    ftype = ftype if ftype in FIELD_TYPES else "text"
    key = _unique_key(schema, "field")
    if not _has_input(ftype):
        return {"key": key, "type": ftype, "text": "説明文を入力してください。"}
    spec = {"key": key, "type": ftype, "label": f"新しい項目（{FIELD_TYPES[ftype]}）", "required": True}
    if ftype in CHOICE_TYPES:
        spec["choices"] = [{"value": "1", "label": "選択肢1"}, {"value": "2", "label": "選択肢2"}]
    if ftype == "kana":
        spec["kana"] = "hiragana"
    if ftype == "consent":
        spec["label"] = "上記に同意します"
    return spec


def apply(stored: dict, post) -> tuple[dict, list[str], str]:
    """Read the editor's POST against the stored schema; apply its ``op``.

    Returns (new schema, parse errors, anchor to scroll back to).
    """
    errors: list[str] = []
    stored_pages = stored.get("pages") or []
    pages = []
    try:
        page_count = int(post.get("page_count", len(stored_pages)))
    except ValueError:
        page_count = len(stored_pages)
    for pi in range(min(page_count, 100)):
        prefix = f"p{pi}"
        original_page = stored_pages[pi] if pi < len(stored_pages) else {}
        page = {k: copy.deepcopy(v) for k, v in original_page.items() if k not in ("key", "title", "description", "fields")}
        page["key"] = post.get(f"{prefix}-key", original_page.get("key", "")).strip()
        page["title"] = post.get(f"{prefix}-title", original_page.get("title", "")).strip()
        description = post.get(f"{prefix}-description", "").strip()
        if description:
            page["description"] = description
        original_fields = original_page.get("fields") or []
        try:
            field_count = int(post.get(f"{prefix}-field_count", len(original_fields)))
        except ValueError:
            field_count = len(original_fields)
        fields = []
        for fi in range(min(field_count, 500)):
            original = original_fields[fi] if fi < len(original_fields) else {}
            fields.append(_read_field(post, f"{prefix}-f{fi}", original, f"{pi + 1}ページ目の{fi + 1}番目の項目", errors))
        page["fields"] = fields
        pages.append(page)
    schema = {k: copy.deepcopy(v) for k, v in stored.items() if k != "pages"}
    schema["pages"] = pages
    anchor = _apply_op(schema, post)
    return schema, errors, anchor


def _ints(parts: list[str]) -> list[int] | None:
    try:
        return [int(p) for p in parts]
    except ValueError:
        return None


def _apply_op(schema: dict, post) -> str:
    op, *args = (post.get("op") or "save").split(":")
    idx = _ints(args)
    pages = schema["pages"]
    if idx is None:
        return ""
    if op == "add_page":
        key = _unique_key(schema, "page")
        pages.append({"key": key, "title": f"{len(pages) + 1}ページ目", "fields": []})
        return f"p{len(pages) - 1}"
    if op in ("remove_page", "page_up", "page_down") and len(idx) == 1 and 0 <= idx[0] < len(pages):
        i = idx[0]
        if op == "remove_page" and len(pages) > 1:
            pages.pop(i)
            return ""
        j = i - 1 if op == "page_up" else i + 1
        if 0 <= j < len(pages):
            pages[i], pages[j] = pages[j], pages[i]
            return f"p{j}"
        return f"p{i}"
    if op == "add_field" and len(idx) == 1 and 0 <= idx[0] < len(pages):
        i = idx[0]
        pages[i]["fields"].append(new_field(schema, post.get(f"p{i}-new_type", "text")))
        return f"p{i}-f{len(pages[i]['fields']) - 1}"
    if op in ("remove_field", "field_up", "field_down") and len(idx) == 2 and 0 <= idx[0] < len(pages):
        i, k = idx
        fields = pages[i]["fields"]
        if not 0 <= k < len(fields):
            return ""
        if op == "remove_field":
            fields.pop(k)
            return f"p{i}"
        j = k - 1 if op == "field_up" else k + 1
        if 0 <= j < len(fields):
            fields[k], fields[j] = fields[j], fields[k]
            return f"p{i}-f{j}"
        return f"p{i}-f{k}"
    return ""
