"""The 個人番号（マイナンバー） field type: only in forms of a procedure designated for
個人番号利用事務; never echoed, searched or shown unmasked."""

from __future__ import annotations

import re
import unicodedata

from madoguchi.core.codes import is_valid_my_number

from .base import FieldError, FieldType, get_value


def mask_my_number(value: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value or "")))
    if not digits:
        return ""
    return "入力済み（末尾4桁 " + digits[-4:] + "）" if len(digits) >= 4 else "入力済み"


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
