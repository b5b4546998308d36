"""Reusable pieces of form definitions for demo data and new forms (定型の項目).

``applicant_page()`` asks who applies, prefilled from the profile ("once-only");
``confirm_page()`` ends with the privacy consent.
"""

from __future__ import annotations


def applicant_fields(*, email: bool = True, birth_date: bool = True, prefix: str = "") -> list[dict]:
    fields = [
        {"key": f"{prefix}name", "type": "text", "label": "氏名", "max_length": 50, "prefill": "full_name", "help": "姓と名の間に空白を入れてください。"},
        {"key": f"{prefix}name_kana", "type": "kana", "label": "ふりがな", "kana": "hiragana", "max_length": 100, "prefill": "full_name_kana"},
    ]
    if birth_date:
        fields.append({"key": f"{prefix}birth_date", "type": "date", "label": "生年月日", "min": "1900-01-01", "max": "today", "prefill": "birth_date"})
    fields += [
        {"key": f"{prefix}address", "type": "address", "label": "住所", "prefill": "address"},
        {"key": f"{prefix}phone", "type": "phone", "label": "日中に連絡がとれる電話番号", "prefill": "phone"},
    ]
    if email:
        fields.append({"key": f"{prefix}email", "type": "email", "label": "メールアドレス", "prefill": "email", "help": "受付と審査結果をお知らせします。"})
    return fields


def applicant_page(**kwargs) -> dict:
    return {"key": "applicant", "title": "申請する人", "fields": applicant_fields(**kwargs)}


def confirm_page(note: bool = True) -> dict:
    fields = []
    if note:
        fields.append({"key": "note", "type": "textarea", "label": "連絡事項", "required": False, "max_length": 1000})
    fields.append(
        {
            "key": "agree",
            "type": "consent",
            "label": "個人情報の取扱いに同意します",
            "text": "入力された個人情報は、この手続の事務にだけ使い、法令に基づく場合を除き第三者に提供しません。",
        }
    )
    return {"key": "confirm", "title": "同意", "fields": fields}


def simple_schema(*pages: dict) -> dict:
    """``simple_schema(applicant_page(), {...your page...}, confirm_page())``."""
    return {"pages": list(pages)}
