"""Field types of the form engine (項目の型), one class each, on ``core.registry.field_types``.

The engine (``forms.engine``) and the schema check (``forms.schema``) never look at a field's
``type`` string themselves: they look up ``field_types[spec["type"]]`` and call its methods.
A new type (likert, matrix, amount …) is one ``FieldType`` subclass registered from any app's
``fields.py`` with ``@register_field_type("likert")`` (see SCHEMA.md, "Adding a field type").

The registry keeps one *instance* per type so that the ``madoguchi.registry`` system check runs
its ``check()``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import jaconv
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from madoguchi.core.codes import is_valid_my_number, redact_my_numbers
from madoguchi.core.registry import field_types
from madoguchi.core.wareki import WarekiError, format_wareki, parse_date

from .postal import PostalCodeError, format_postal_code, lookup, normalise_postal_code

TRUE_VALUES = {"on", "true", "1", "yes", "agree"}
EMPTY_DISPLAY = "（未入力）"
_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー－()（）]")
_MOBILE_PREFIXES = ("070", "080", "090", "050", "060", "020")
_HIRAGANA_RE = re.compile(r"^[ぁ-ゖゝゞー\u3000]+$")
_KATAKANA_RE = re.compile(r"^[ァ-ヺヽヾー・\u3000]+$")
_NUMBER_RE = re.compile(r"^[-+]?\d+(\.\d+)?$")


class FieldError(Exception):
    """One problem with one field. ``keep`` is what stays in the answers (None drops it)."""

    def __init__(self, message: str, keep=None):
        super().__init__(message)
        self.message = message
        self.keep = keep


@dataclass
class CleanContext:
    """What a type's ``clean`` may need besides the form data."""

    files: Any = None  # request.FILES (or None when re-validating stored answers)
    previous: Any = None  # the answer stored before this submit
    request: Any = None
    allows_my_number: bool = False


# --------------------------------------------------------------------------- helpers
def get_value(data, name: str) -> str:
    if data is None:
        return ""
    value = data.get(name, "")
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return "" if value is None else str(value)


def get_list(data, name: str) -> list[str]:
    if data is None:
        return []
    if hasattr(data, "getlist"):
        return [str(v) for v in data.getlist(name)]
    value = data.get(name)
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {} or value is False


def date_bound(value: str | None) -> dt.date | None:
    if not value:
        return None
    m = re.fullmatch(r"today(?:([+-]\d+)d)?", value)
    if m:
        return timezone.localdate() + dt.timedelta(days=int(m.group(1) or 0))
    return dt.date.fromisoformat(value)


def bound_label(value: str, day: dt.date) -> str:
    return f"今日（{format_wareki(day)}）" if value == "today" else format_wareki(day)


def date_bound_ok(value) -> bool:
    if not isinstance(value, str):
        return False
    if re.fullmatch(r"today([+-]\d{1,5}d)?", value):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def normalise_kana(value: str, script: str = "hiragana") -> str:
    """Half-width → full-width, spaces → one full-width space, into the script the field asks."""
    text = jaconv.h2z(value, kana=True, ascii=False, digit=False)
    text = re.sub(r"[\s\u3000]+", "\u3000", text.strip())
    return jaconv.kata2hira(text) if script == "hiragana" else jaconv.hira2kata(text)


def normalise_phone(value: str) -> str | None:
    """Japanese phone number with half-width digits and hyphens; None when it is not one."""
    text = unicodedata.normalize("NFKC", value).strip()
    if text.startswith("+81"):
        text = "0" + text[3:].lstrip(" -")
    hyphenated = bool(re.search(r"[-‐‑‒–—―−ー－()（）]", value)) or "-" in text
    digits = _PHONE_SEPARATORS.sub("", text)
    if not re.fullmatch(r"0\d{9,10}", digits):
        return None
    if hyphenated:
        parts = [p for p in re.split(r"[\s\-‐‑‒–—―−ー－()（）]+", text) if p]
        if all(p.isdigit() for p in parts) and "".join(parts) == digits and len(parts) in (2, 3):
            return "-".join(parts)
    if len(digits) == 11 and digits.startswith(_MOBILE_PREFIXES):
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if digits.startswith(("0120", "0800")) and len(digits) in (10, 11):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    return digits


def mask_my_number(value: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value or "")))
    if not digits:
        return ""
    return "入力済み（末尾4桁 " + digits[-4:] + "）" if len(digits) >= 4 else "入力済み"


def check_text_rules(f, value: str) -> str:
    """``max_length`` and ``pattern``, shared by the text-like types."""
    label = f.label
    max_length = f.spec.get("max_length")
    if max_length and len(value) > max_length:
        raise FieldError(f"「{label}」は{max_length}文字以内で入力してください（いまは{len(value)}文字です）。", keep=value)
    pattern = f.spec.get("pattern")
    if pattern and value and not re.fullmatch(pattern, value):
        message = f.spec.get("pattern_message") or f"「{label}」の形式が正しくありません。説明のとおりに入力してください。"
        raise FieldError(message, keep=value)
    return value


def register_field_type(key: str):
    """``@register_field_type("likert")`` on a ``FieldType`` subclass: registers one instance
    on ``core.registry.field_types`` (so the system check runs its ``check()``)."""

    def decorate(cls: type[FieldType]) -> type[FieldType]:
        field_types.register(key, cls())
        return cls

    return decorate


def get_field_type(key: str) -> FieldType | None:
    """The type registered under ``key`` (a class registered directly is instantiated)."""
    kind = field_types.get(key) if isinstance(key, str) else None
    return kind() if isinstance(kind, type) else kind


# --------------------------------------------------------------------------- base class
class FieldType:
    """One kind of form item (項目の型). ``f`` below is the engine's ``Field`` (``f.spec`` is
    the definition dict, ``f.key``, ``f.label``, ``f.choices``, ``f.id``)."""

    key: str = ""  # set by the registry
    label: str = ""  # the type's name for staff (editor, schema errors), e.g. 「1行のテキスト」
    has_input: bool = True  # False: display only (paragraph), never validated or stored
    is_choice: bool = False  # has ``choices`` (the editor and show_if check them)
    multipart: bool = False  # the <form> needs enctype="multipart/form-data"
    holds_my_number: bool = False  # True only for my_number; every other type refuses one
    searchable: bool = True  # included in ``engine.search_text``
    input_type: str = "text"  # <input type=…> of the default widget
    template_name: str = ""  # reserved for a widget template of its own

    # --- cleaning ---------------------------------------------------------------------------
    def raw_strings(self, f, data) -> list[str]:
        """The submitted strings of this field (scanned for a マイナンバー before cleaning)."""
        return [get_value(data, f.key)]

    def clean(self, f, data, ctx: CleanContext):
        """The answer value from form data; empty ("" / [] / None) when nothing was given.
        Raise ``FieldError`` with a Japanese message naming the field."""
        raise NotImplementedError

    def required_message(self, f) -> str:
        return f"「{f.label}」を入力してください。"

    def as_data(self, f, value) -> dict:
        """Answer value → the form data that would produce it (to re-validate stored answers)."""
        return {f.key: str(value)}

    def prefill(self, f, profile: dict):
        """The answer taken from ``User.profile_for_prefill()`` (None: nothing to prefill)."""
        value = profile.get(f.spec.get("prefill"))
        return None if is_empty(value) else value

    # --- output -----------------------------------------------------------------------------
    def display(self, f, value) -> str:
        """A non-empty answer as people read it (confirmation page, PDF, email, summary)."""
        return redact_my_numbers(str(value))

    def search_parts(self, f, value) -> list[str]:
        """Strings for full-text search (the engine removes マイナンバー afterwards)."""
        return [self.display(f, value)]

    def export_value(self, f, value):
        """A non-empty answer as one CSV/XLSX cell."""
        return self.display(f, value)

    # --- definition -------------------------------------------------------------------------
    def label_errors(self, spec: dict, where: str) -> list[str]:
        if not isinstance(spec.get("label"), str) or not spec["label"].strip():
            return [f"{where}: 項目名（label）を入力してください。"]
        return []

    def schema_errors(self, spec: dict, where: str, *, allows_my_number: bool = True) -> list[str]:
        """Problems with this type's own options in ``spec`` (Japanese, starting with ``where``)."""
        return []

    # --- widget -----------------------------------------------------------------------------
    def anchor(self, f) -> str:
        """The id of the first input (what the error summary links to)."""
        return f.id

    def hint(self, f) -> str:
        """Format hint shown under the label."""
        return ""

    def inputmode(self, f) -> str:
        return ""

    def widget_value(self, f, value) -> str:
        """The answer as the text put back into the input."""
        return "" if isinstance(value, (dict, list, bool)) or value is None else str(value)

    def widget_selected(self, f, value) -> list[str]:
        """The choice values to show as selected."""
        return [str(value)] if value not in (None, "") and not isinstance(value, (dict, list)) else []

    def widget_context(self, f, value) -> dict:
        """Extra template context for this type's widget."""
        return {}

    # --- system check -----------------------------------------------------------------------
    def check(self) -> list[checks.CheckMessage]:
        problems = []
        if not self.label:
            problems.append(checks.Error(f"field type {self.key!r} has no label", obj=type(self), id="madoguchi.E040"))
        if self.has_input and type(self).clean is FieldType.clean:
            problems.append(checks.Error(f"field type {self.key!r} does not implement clean()", obj=type(self), id="madoguchi.E041"))
        if self.key and not re.fullmatch(r"[a-z][a-z0-9_]*", self.key):
            problems.append(checks.Error(f"field type key {self.key!r} must be lower-case letters, digits and _", obj=type(self), id="madoguchi.E042"))
        return problems


# --------------------------------------------------------------------------- built-in types
@register_field_type("text")
class TextField(FieldType):
    """1行のテキスト."""

    label = "1行のテキスト"

    def clean(self, f, data, ctx):
        value = jaconv.h2z(get_value(data, f.key), kana=True, ascii=False, digit=False).strip()
        value = re.sub(r"[\r\n]+", " ", value)
        return check_text_rules(f, value)


@register_field_type("textarea")
class TextareaField(FieldType):
    """複数行のテキスト."""

    label = "複数行のテキスト"

    def clean(self, f, data, ctx):
        value = get_value(data, f.key).replace("\r\n", "\n").replace("\r", "\n").strip()
        return check_text_rules(f, value)

    def widget_context(self, f, value):
        return {"rows": 8 if (f.spec.get("max_length") or 0) > 400 else 4}


@register_field_type("kana")
class KanaField(FieldType):
    """ふりがな・フリガナ: converted to the script the field asks for."""

    label = "ふりがな・フリガナ"

    def clean(self, f, data, ctx):
        raw = get_value(data, f.key).strip()
        if not raw:
            return ""
        script = f.spec.get("kana", "hiragana")
        value = normalise_kana(raw, script)
        ok = _HIRAGANA_RE.match(value) if script == "hiragana" else _KATAKANA_RE.match(value)
        if not ok:
            word = "ひらがな" if script == "hiragana" else "カタカナ"
            raise FieldError(f"「{f.label}」は{word}で入力してください。", keep=raw)
        return check_text_rules(f, value)

    def prefill(self, f, profile):
        value = super().prefill(f, profile)
        return None if value is None else normalise_kana(str(value), f.spec.get("kana", "hiragana"))

    def search_parts(self, f, value):
        # Found whether staff search in hiragana or katakana.
        return [self.display(f, value), jaconv.hira2kata(str(value))]

    def schema_errors(self, spec, where, *, allows_my_number=True):
        if spec.get("kana", "hiragana") not in ("hiragana", "katakana"):
            return [f"{where}: kana は hiragana（ひらがな）か katakana（カタカナ）で書いてください。"]
        return []

    def widget_context(self, f, value):
        return {"kana_word": "ひらがな" if f.spec.get("kana", "hiragana") == "hiragana" else "カタカナ"}


@register_field_type("date")
class DateField(FieldType):
    """日付: 和暦 or 西暦 in, ISO ``YYYY-MM-DD`` stored, 和暦 shown."""

    label = "日付"

    def clean(self, f, data, ctx):
        raw = get_value(data, f.key).strip()
        if not raw:
            return ""
        try:
            day = parse_date(raw)
        except WarekiError as exc:
            raise FieldError(f"「{f.label}」: {exc}", keep=raw) from None
        lo_spec, hi_spec = f.spec.get("min"), f.spec.get("max")
        lo, hi = date_bound(lo_spec), date_bound(hi_spec)
        if lo and day < lo:
            raise FieldError(f"「{f.label}」は{bound_label(lo_spec, lo)}以降の日付を入力してください。", keep=raw)
        if hi and day > hi:
            raise FieldError(f"「{f.label}」は{bound_label(hi_spec, hi)}以前の日付を入力してください。", keep=raw)
        return day.isoformat()

    def display(self, f, value):
        try:
            return format_wareki(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)

    def schema_errors(self, spec, where, *, allows_my_number=True):
        errors = []
        for name in ("min", "max"):
            v = spec.get(name)
            if v is not None and not date_bound_ok(v):
                errors.append(f"{where}: {name} は YYYY-MM-DD か today（今日）で書いてください。")
        return errors

    def hint(self, f):
        return "例: 令和8年4月1日、R8.4.1、2026-04-01"

    def widget_value(self, f, value):
        if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            try:
                return format_wareki(dt.date.fromisoformat(value))
            except ValueError:
                pass
        return super().widget_value(f, value)


@register_field_type("address")
class AddressField(FieldType):
    """郵便番号と住所: ``{"postal_code", "address", "building"}``."""

    label = "郵便番号と住所"
    PARTS = ("postal_code", "address", "building")

    def raw_strings(self, f, data):
        return [get_value(data, f"{f.key}__{part}") for part in self.PARTS]

    def clean(self, f, data, ctx):
        raw = {part: get_value(data, f"{f.key}__{part}").strip() for part in self.PARTS}
        if not any(raw.values()):
            return None
        kept = dict(raw)
        postal = ""
        if raw["postal_code"]:
            try:
                postal = format_postal_code(normalise_postal_code(raw["postal_code"]))
            except PostalCodeError:
                raise FieldError(f"「{f.label}」の郵便番号は7桁の数字で入力してください（例: 190-0012）。", keep=kept) from None
            kept["postal_code"] = postal
        elif f.required and f.spec.get("postal_required", True):
            raise FieldError(f"「{f.label}」の郵便番号を入力してください（例: 190-0012）。", keep=kept)
        address = jaconv.h2z(raw["address"], kana=True, ascii=False, digit=False)
        if not address and postal:
            found = lookup(postal)
            if found is None:
                raise FieldError(f"「{f.label}」の郵便番号 {postal} に当たる住所が見つかりません。郵便番号を確かめるか、住所を入力してください。", keep=kept)
            # Without JavaScript the postal code fills the address on submit; the resident adds 番地.
            kept["address"] = found.address
            raise FieldError(f"「{f.label}」の郵便番号から「{found.address}」を入力しました。続けて番地・号を入力してください。", keep=kept)
        if not address:
            raise FieldError(f"「{f.label}」の住所を入力してください。", keep=kept)
        value = {"postal_code": postal, "address": address, "building": jaconv.h2z(raw["building"], kana=True, ascii=False, digit=False)}
        max_length = f.spec.get("max_length") or 200
        if len(address) > max_length or len(value["building"]) > max_length:
            raise FieldError(f"「{f.label}」は{max_length}文字以内で入力してください。", keep=kept)
        return value

    def as_data(self, f, value):
        value = value if isinstance(value, dict) else {}
        return {f"{f.key}__{k}": str(value.get(k) or "") for k in self.PARTS}

    def prefill(self, f, profile):
        # The address comes from the profile's postal code + address whatever ``prefill`` names.
        if not (profile.get("address") or profile.get("postal_code")):
            return None
        postal = profile.get("postal_code") or ""
        try:
            postal = format_postal_code(normalise_postal_code(postal)) if postal else ""
        except PostalCodeError:
            pass
        return {"postal_code": postal, "address": profile.get("address") or "", "building": profile.get("address_building") or ""}

    def display(self, f, value):
        if not isinstance(value, dict):
            return super().display(f, value)
        parts = [f"〒{value['postal_code']}" if value.get("postal_code") else "", value.get("address") or "", value.get("building") or ""]
        return " ".join(p for p in parts if p)

    def anchor(self, f):
        return f"{f.id}-postal_code"

    def widget_context(self, f, value):
        return {"address": value if isinstance(value, dict) else {}, "addr_autocomplete": bool(f.autocomplete) or f.spec.get("prefill") == "address"}


@register_field_type("phone")
class PhoneField(FieldType):
    """電話番号: normalised to half-width digits with hyphens."""

    label = "電話番号"
    input_type = "tel"

    def clean(self, f, data, ctx):
        raw = get_value(data, f.key).strip()
        if not raw:
            return ""
        value = normalise_phone(raw)
        if value is None:
            raise FieldError(f"「{f.label}」は0から始まる10桁か11桁の電話番号を入力してください（例: 042-123-4567、090-1234-5678）。", keep=raw)
        return value

    def prefill(self, f, profile):
        value = super().prefill(f, profile)
        return None if value is None else (normalise_phone(str(value)) or str(value))

    def hint(self, f):
        return "例: 042-123-4567（ハイフンはなくてもかまいません）"


@register_field_type("email")
class EmailField(FieldType):
    """メールアドレス."""

    label = "メールアドレス"
    input_type = "email"

    def clean(self, f, data, ctx):
        raw = get_value(data, f.key).strip()
        if not raw:
            return ""
        value = unicodedata.normalize("NFKC", raw).strip()
        if "@" in value:
            local, _, domain = value.rpartition("@")
            value = f"{local}@{domain.lower()}"
        try:
            validate_email(value)
        except ValidationError:
            raise FieldError(f"「{f.label}」はメールアドレスの形で入力してください（例: taro@example.jp）。", keep=raw) from None
        return check_text_rules(f, value)


@register_field_type("number")
class NumberField(FieldType):
    """数値 (``min``, ``max``, ``unit``, ``decimals``)."""

    label = "数値"

    def clean(self, f, data, ctx):
        raw = get_value(data, f.key).strip()
        if not raw:
            return ""
        text = unicodedata.normalize("NFKC", raw).replace(",", "").replace(" ", "")
        unit = f.spec.get("unit")
        if unit and text.endswith(unicodedata.normalize("NFKC", unit)):
            text = text[: -len(unicodedata.normalize("NFKC", unit))]
        text = text.replace("−", "-").replace("ー", "-")
        if not _NUMBER_RE.match(text):
            raise FieldError(f"「{f.label}」は数字で入力してください（全角・半角どちらでもかまいません）。", keep=raw)
        if "." in text and not f.spec.get("decimals"):
            raise FieldError(f"「{f.label}」は整数で入力してください。", keep=raw)
        number = float(text) if "." in text else int(text)
        lo, hi = f.spec.get("min"), f.spec.get("max")
        unit = unit or ""
        if lo is not None and hi is not None and not (lo <= number <= hi):
            raise FieldError(f"「{f.label}」は{lo}{unit}から{hi}{unit}までの数を入力してください。", keep=raw)
        if lo is not None and number < lo:
            raise FieldError(f"「{f.label}」は{lo}{unit}以上の数を入力してください。", keep=raw)
        if hi is not None and number > hi:
            raise FieldError(f"「{f.label}」は{hi}{unit}以下の数を入力してください。", keep=raw)
        return number

    def display(self, f, value):
        return f"{value}{f.spec.get('unit') or ''}"

    def schema_errors(self, spec, where, *, allows_my_number=True):
        errors = []
        lo, hi = spec.get("min"), spec.get("max")
        for name, v in (("min", lo), ("max", hi)):
            if v is not None and not is_number(v):
                errors.append(f"{where}: {name} は数値で書いてください。")
        if is_number(lo) and is_number(hi) and lo > hi:
            errors.append(f"{where}: 最小値（min）が最大値（max）より大きくなっています。")
        return errors

    def hint(self, f):
        lo, hi, unit = f.spec.get("min"), f.spec.get("max"), f.spec.get("unit") or ""
        if lo is None and hi is None:
            return ""
        return f"{lo}{unit}から{hi}{unit}まで" if lo is not None and hi is not None else (f"{lo}{unit}以上" if lo is not None else f"{hi}{unit}以下")

    def inputmode(self, f):
        return "decimal" if f.spec.get("decimals") else "numeric"


class ChoiceFieldType(FieldType):
    """Shared by select, radio and checkboxes: ``choices`` of ``{"value", "label"}``."""

    is_choice = True

    def required_message(self, f):
        return f"「{f.label}」を選んでください。"

    def display(self, f, value):
        return f.choice_label(value)

    def schema_errors(self, spec, where, *, allows_my_number=True):
        errors = []
        choices = spec.get("choices")
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
        return errors

    def clean(self, f, data, ctx):
        value = get_value(data, f.key)
        if not value:
            return ""
        if value not in {c["value"] for c in f.choices}:
            raise FieldError(f"「{f.label}」は示された選択肢から選んでください。")
        return value


@register_field_type("select")
class SelectField(ChoiceFieldType):
    """選択（プルダウン）."""

    label = "選択（プルダウン）"


@register_field_type("radio")
class RadioField(ChoiceFieldType):
    """選択（ラジオボタン）."""

    label = "選択（ラジオボタン）"

    def anchor(self, f):
        return f"{f.id}-0"


@register_field_type("checkboxes")
class CheckboxesField(ChoiceFieldType):
    """複数選択（チェックボックス）: a list of values, in choice order."""

    label = "複数選択（チェックボックス）"

    def raw_strings(self, f, data):
        return get_list(data, f.key)

    def clean(self, f, data, ctx):
        values = [v for v in get_list(data, f.key) if v != ""]
        allowed = [c["value"] for c in f.choices]
        if any(v not in allowed for v in values):
            raise FieldError(f"「{f.label}」は示された選択肢から選んでください。")
        values = [v for v in allowed if v in values]  # choice order, no duplicates
        if not values:
            return []
        lo, hi = f.spec.get("min_choices"), f.spec.get("max_choices")
        if lo and len(values) < lo:
            raise FieldError(f"「{f.label}」は{lo}つ以上選んでください（いまは{len(values)}つです）。", keep=values)
        if hi and len(values) > hi:
            raise FieldError(f"「{f.label}」は{hi}つまで選べます（いまは{len(values)}つです）。選ぶ数を減らしてください。", keep=values)
        return values

    def required_message(self, f):
        return f"「{f.label}」を{max(1, f.spec.get('min_choices') or 1)}つ以上選んでください。"

    def as_data(self, f, value):
        return {f.key: [str(v) for v in value] if isinstance(value, list) else [str(value)]}

    def display(self, f, value):
        return "、".join(f.choice_label(v) for v in value) if isinstance(value, list) else str(value)

    def schema_errors(self, spec, where, *, allows_my_number=True):
        errors = super().schema_errors(spec, where)
        lo, hi = spec.get("min_choices"), spec.get("max_choices")
        for name, v in (("min_choices", lo), ("max_choices", hi)):
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                errors.append(f"{where}: {name} は0以上の整数で書いてください。")
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            errors.append(f"{where}: 最小選択数（min_choices）が最大選択数（max_choices）より大きくなっています。")
        return errors

    def anchor(self, f):
        return f"{f.id}-0"

    def widget_selected(self, f, value):
        return [str(v) for v in value] if isinstance(value, list) else []

    def hint(self, f):
        lo, hi = f.spec.get("min_choices"), f.spec.get("max_choices")
        if lo and hi:
            return f"{lo}つ以上{hi}つまで選べます。"
        if hi:
            return f"{hi}つまで選べます。"
        if lo:
            return f"{lo}つ以上選んでください。"
        return ""


@register_field_type("file")
class FileField(FieldType):
    """ファイル添付: stored as an ``Upload`` as soon as the page is submitted."""

    label = "ファイル添付"
    multipart = True

    def clean(self, f, data, ctx):
        from madoguchi.core.uploads import UploadError

        from .models import Upload
        from .uploads import save_upload

        previous = ctx.previous
        uploaded = ctx.files.get(f.key) if ctx.files is not None else None
        if uploaded is not None and getattr(uploaded, "size", 1) == 0 and not getattr(uploaded, "name", ""):
            uploaded = None  # browsers send an empty part when nothing was chosen
        if uploaded is not None:
            try:
                upload = save_upload(uploaded, label=f.label, request=ctx.request, accept=f.spec.get("accept"), max_bytes=f.spec.get("max_bytes"))
            except UploadError as exc:
                raise FieldError(str(exc), keep=previous if isinstance(previous, dict) else None) from None
            except Exception:  # noqa: BLE001 - a broken upload must never become a 500
                raise FieldError(
                    f"「{f.label}」のファイルを受け取れませんでした。もう一度選んでください。", keep=previous if isinstance(previous, dict) else None
                ) from None
            return upload.as_answer()
        if isinstance(previous, dict) and previous.get("upload_id"):
            if Upload.objects.filter(pk=previous["upload_id"]).exists():
                return previous
            raise FieldError(f"「{f.label}」のファイルが見つかりません。もう一度選んでください。")
        return None

    def required_message(self, f):
        return f"「{f.label}」のファイルを選んでください。"

    def as_data(self, f, value):
        return {}  # the stored answer (``previous``) is what is re-checked

    def display(self, f, value):
        if not isinstance(value, dict):
            return super().display(f, value)
        from madoguchi.core.uploads import human_size, kind_label

        return f"{value.get('name', '')}（{kind_label(value.get('content_type', ''))}、{human_size(int(value.get('size') or 0))}）"

    def schema_errors(self, spec, where, *, allows_my_number=True):
        from madoguchi.core.uploads import FILE_KINDS

        errors = []
        accept = spec.get("accept")
        if accept is not None:
            if not isinstance(accept, list) or not accept:
                errors.append(f'{where}: accept（受け付けるファイルの種類）は一覧で書いてください（例: ["pdf", "jpeg"]）。')
            else:
                unknown = [str(a) for a in accept if a not in FILE_KINDS]
                if unknown:
                    errors.append(f"{where}: ファイルの種類「{'」「'.join(unknown)}」は使えません。使える種類: {', '.join(FILE_KINDS)}。")
        mb = spec.get("max_bytes")
        if mb is not None and (not isinstance(mb, int) or isinstance(mb, bool) or mb <= 0):
            errors.append(f"{where}: max_bytes（ファイルの上限バイト数）は正の整数で書いてください。")
        return errors

    def hint(self, f):
        from madoguchi.core.uploads import accepted_mimes, human_size, kind_label, upload_max_bytes

        return f"{'、'.join(kind_label(m) for m in accepted_mimes(f.spec.get('accept')))}（{human_size(f.spec.get('max_bytes') or upload_max_bytes())}まで）"

    def widget_context(self, f, value):
        from madoguchi.core.uploads import accepted_mimes

        return {"file": value if isinstance(value, dict) else None, "accept": ",".join(accepted_mimes(f.spec.get("accept")))}


@register_field_type("consent")
class ConsentField(FieldType):
    """同意: ``true`` when the box is checked."""

    label = "同意"
    searchable = False

    def clean(self, f, data, ctx):
        return True if get_value(data, f.key).strip().lower() in TRUE_VALUES else None

    def required_message(self, f):
        return f"「{f.label}」を確認し、チェックを入れてください。"

    def as_data(self, f, value):
        return {f.key: "on" if value is True else ""}

    def display(self, f, value):
        return "同意する" if value is True else EMPTY_DISPLAY


@register_field_type("paragraph")
class ParagraphField(FieldType):
    """説明文（入力なし）: shown only, never validated or stored."""

    label = "説明文（入力なし）"
    has_input = False
    searchable = False

    def clean(self, f, data, ctx):  # pragma: no cover - never called
        return None

    def label_errors(self, spec, where):
        if not str(spec.get("text") or spec.get("label") or "").strip():
            return [f"{where}: 説明文（text）を入力してください。"]
        return []


@register_field_type("my_number")
class MyNumberField(FieldType):
    """個人番号（マイナンバー）: only in forms of a procedure designated for 個人番号利用事務."""

    label = "個人番号（マイナンバー）"
    holds_my_number = True
    searchable = False  # never in search text

    def clean(self, f, data, ctx):
        if not ctx.allows_my_number:
            raise FieldError(f"「{f.label}」: このフォームでは個人番号（マイナンバー）を受け付けていません。", keep=None)
        raw = get_value(data, f.key)
        digits = re.sub(r"[\s\-‐－ー]", "", unicodedata.normalize("NFKC", raw))
        if not digits:
            return ""
        if not re.fullmatch(r"\d{12}", digits):
            raise FieldError(f"「{f.label}」は12桁の数字で入力してください。", keep=None)
        if not is_valid_my_number(digits):
            raise FieldError(f"「{f.label}」の番号が正しくありません。通知カードやマイナンバーカードの12桁の番号を確かめてください。", keep=None)
        return digits

    def display(self, f, value):
        return mask_my_number(value)

    def schema_errors(self, spec, where, *, allows_my_number=True):
        if not allows_my_number:
            return [f"{where}: 個人番号（マイナンバー）の欄は、個人番号利用事務として登録されたフォームにだけ置けます。"]
        return []

    def hint(self, f):
        return "12桁の数字（通知カード・マイナンバーカードに記載）"

    def inputmode(self, f):
        return "numeric"

    def widget_value(self, f, value):
        return ""  # never echo a 個人番号 back into the page
