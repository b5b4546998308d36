"""Text-like field types: text, textarea, kana, phone, email, number; and paragraph (説明文,
display only)."""

from __future__ import annotations

import re
import unicodedata

import jaconv
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from madoguchi.core import emails

from .base import FieldError, FieldType, check_text_rules, get_value, is_number

_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー－()（）]")
_MOBILE_PREFIXES = ("070", "080", "090", "050", "060", "020")
_HIRAGANA_RE = re.compile(r"^[ぁ-ゖゝゞー\u3000]+$")
_KATAKANA_RE = re.compile(r"^[ァ-ヺヽヾー・\u3000]+$")
_NUMBER_RE = re.compile(r"^[-+]?\d+(\.\d+)?$")
MAX_NUMBER_DIGITS = 15  # what a double holds exactly; also far below int()'s 4,300-digit limit


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


class TextField(FieldType):
    """1行のテキスト."""

    label = "1行のテキスト"

    def clean(self, f, data, ctx):
        value = jaconv.h2z(get_value(data, f.key), kana=True, ascii=False, digit=False).strip()
        value = re.sub(r"[\r\n]+", " ", value)
        return check_text_rules(f, value)


class TextareaField(FieldType):
    """複数行のテキスト."""

    label = "複数行のテキスト"

    def clean(self, f, data, ctx):
        value = get_value(data, f.key).replace("\r\n", "\n").replace("\r", "\n").strip()
        return check_text_rules(f, value)

    def widget_context(self, f, value):
        return {"rows": 8 if (f.spec.get("max_length") or 0) > 400 else 4}


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


class EmailField(FieldType):
    """メールアドレス."""

    label = "メールアドレス"
    input_type = "email"

    def clean(self, f, data, ctx):
        raw = get_value(data, f.key).strip()
        if not raw:
            return ""
        value = emails.normalize(raw)  # the one normalisation of typed addresses (full-width → ASCII)
        try:
            validate_email(value)
        except ValidationError:
            raise FieldError(f"「{f.label}」はメールアドレスの形で入力してください（例: taro@example.jp）。", keep=raw) from None
        return check_text_rules(f, value)


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
        if len(text.lstrip("+-").replace(".", "")) > MAX_NUMBER_DIGITS:
            # int() refuses more than 4,300 digits, and no answer needs more than this.
            raise FieldError(f"「{f.label}」は{MAX_NUMBER_DIGITS}桁以内の数で入力してください。", keep=raw[:100])
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
