"""The 個人番号（マイナンバー） field type: only in forms of a procedure designated for
個人番号利用事務; never echoed, searched or shown unmasked."""

from __future__ import annotations

import re
import unicodedata

from madoguchi.core.codes import is_valid_my_number

from .base import FieldError, FieldType, get_value


def mask_my_number(value: str) -> str:
    """How a stored 個人番号 is shown anywhere (form page, confirmation, PDF): 「登録済み（下4桁 1234）」."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value or "")))
    if not digits:
        return ""
    return "登録済み（下4桁 " + digits[-4:] + "）" if len(digits) >= 4 else "登録済み"


def _stored(value) -> str:
    """The stored answer when it is a valid number (what an empty input keeps)."""
    return value if isinstance(value, str) and re.fullmatch(r"\d{12}", value) and is_valid_my_number(value) else ""


class MyNumberField(FieldType):
    """個人番号（マイナンバー）: only in forms of a procedure designated for 個人番号利用事務."""

    label = "個人番号（マイナンバー）"
    holds_my_number = True
    searchable = False  # never in search text

    def clean(self, f, data, ctx):
        if not ctx.allows_my_number:
            raise FieldError(f"「{f.label}」: このフォームでは個人番号（マイナンバー）を受け付けていません。", keep=None)
        raw = get_value(data, f.key)
        digits = re.sub(r"[\s\-‐－ー−]", "", unicodedata.normalize("NFKC", raw))
        stored = _stored(ctx.previous)
        if not digits:
            # The page never shows the number again: an empty input keeps the one stored
            # (前へ戻る, 修正, a resumed draft, a 補正依頼), so it is never typed twice.
            return stored
        # A wrong new number never costs the stored one (keep); the typed one is not kept.
        if not re.fullmatch(r"\d{12}", digits):
            raise FieldError(f"「{f.label}」は12桁の数字で入力してください。", keep=stored or None)
        if not is_valid_my_number(digits):
            raise FieldError(f"「{f.label}」の番号が正しくありません。通知カードやマイナンバーカードの12桁の番号を確かめてください。", keep=stored or None)
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

    def widget_context(self, f, value):
        return {"stored_my_number": mask_my_number(value) if _stored(value) else ""}
