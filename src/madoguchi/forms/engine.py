"""The form engine (フォームエンジン): validates, summarises and renders a form defined as data.

See SCHEMA.md for the definition format and the public API. Every error message is Japanese,
names the field (「項目名」) and says what to do.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field

import jaconv
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from madoguchi.core.codes import find_my_numbers, is_valid_my_number, redact_my_numbers
from madoguchi.core.wareki import WarekiError, format_wareki, parse_date

from .postal import PostalCodeError, format_postal_code, lookup, normalise_postal_code
from .schema import CHOICE_TYPES, FIELD_TYPES

TRUE_VALUES = {"on", "true", "1", "yes", "agree"}
# WCAG 1.3.5: say what a field about the user is, so browsers can fill it in.
PREFILL_AUTOCOMPLETE = {
    "full_name": "name",
    "family_name": "family-name",
    "given_name": "given-name",
    "birth_date": "bday",
    "phone": "tel",
    "email": "email",
    "postal_code": "postal-code",
    "address": "address-line1",
    "address_building": "address-line2",
}
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
class Field:
    """One item of a form (項目); ``spec`` is its definition dict."""

    spec: dict
    page_index: int = 0

    @property
    def key(self) -> str:
        return self.spec["key"]

    @property
    def type(self) -> str:
        return self.spec["type"]

    @property
    def label(self) -> str:
        return self.spec.get("label") or ""

    @property
    def help(self) -> str:
        return self.spec.get("help") or ""

    @property
    def text(self) -> str:
        return self.spec.get("text") or ""

    @property
    def required(self) -> bool:
        if self.type == "paragraph":
            return False
        return self.spec.get("required", True) is not False

    @property
    def show_if(self) -> dict | None:
        return self.spec.get("show_if")

    @property
    def has_input(self) -> bool:
        return self.type != "paragraph"

    @property
    def choices(self) -> list[dict]:
        return [{"value": str(c.get("value")), "label": str(c.get("label"))} for c in self.spec.get("choices") or []]

    def choice_label(self, value) -> str:
        for c in self.choices:
            if c["value"] == str(value):
                return c["label"]
        return str(value)

    @property
    def id(self) -> str:
        return f"f-{self.key}"

    @property
    def anchor(self) -> str:
        """Where the error summary links to: the first input of the field."""
        if self.type in ("radio", "checkboxes"):
            return f"{self.id}-0"
        if self.type == "address":
            return f"{self.id}-postal_code"
        return self.id

    @property
    def autocomplete(self) -> str:
        return self.spec.get("autocomplete") or PREFILL_AUTOCOMPLETE.get(self.spec.get("prefill") or "", "")


@dataclass
class Page:
    key: str
    title: str
    description: str
    fields: list[Field]
    index: int = 0


@dataclass
class PageResult:
    answers: dict
    errors: dict = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class SummaryRow:
    page_title: str
    key: str
    label: str
    display: str


def _get(data, name: str) -> str:
    if data is None:
        return ""
    value = data.get(name, "")
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return "" if value is None else str(value)


def _getlist(data, name: str) -> list[str]:
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


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {} or value is False


def _date_bound(value: str | None) -> dt.date | None:
    if not value:
        return None
    m = re.fullmatch(r"today(?:([+-]\d+)d)?", value)
    if m:
        return timezone.localdate() + dt.timedelta(days=int(m.group(1) or 0))
    return dt.date.fromisoformat(value)


def _bound_label(value: str, day: dt.date) -> str:
    return f"今日（{format_wareki(day)}）" if value == "today" else format_wareki(day)


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


def accepted_mimes_for(f: Field) -> list[str]:
    from madoguchi.core.uploads import accepted_mimes

    return accepted_mimes(f.spec.get("accept"))


class FormEngine:
    """Validate, summarise and render one version of a form."""

    def __init__(self, version=None, *, schema: dict | None = None, allows_my_number: bool | None = None):
        self.version = version
        self.schema = schema if schema is not None else (version.schema if version is not None else {})
        if allows_my_number is None:
            allows_my_number = bool(version is not None and version.allows_my_number)
        self.allows_my_number = allows_my_number
        self.pages: list[Page] = []
        self.fields: dict[str, Field] = {}
        for pi, p in enumerate(self.schema.get("pages") or []):
            fields = [Field(spec=f, page_index=pi) for f in p.get("fields") or [] if isinstance(f, dict) and f.get("type") in FIELD_TYPES]
            for f in fields:
                self.fields[f.key] = f
            self.pages.append(Page(key=p.get("key", f"page{pi + 1}"), title=p.get("title", ""), description=p.get("description", ""), fields=fields, index=pi))

    @classmethod
    def from_schema(cls, schema: dict, *, allows_my_number: bool = False) -> FormEngine:
        return cls(None, schema=schema, allows_my_number=allows_my_number)

    # ----------------------------------------------------------------- helpers
    def has_files(self, page_index: int | None = None) -> bool:
        """True when a page (or the form) has a file field: the form tag needs multipart."""
        pages = self.pages if page_index is None else [self.pages[page_index]]
        return any(f.type == "file" for p in pages for f in p.fields)

    def is_visible(self, f: Field, answers: dict) -> bool:
        cond = f.show_if
        if not cond:
            return True
        target = self.fields.get(cond.get("field"))
        if target is not None and not self.is_visible(target, answers):
            return False
        value = answers.get(cond.get("field"))
        if "not_empty" in cond:
            return not _empty(value) if cond["not_empty"] else _empty(value)
        wanted = [cond["equals"]] if "equals" in cond else list(cond.get("in") or [])
        wanted = {str(w).lower() if isinstance(w, bool) else str(w) for w in wanted}
        if isinstance(value, list):
            return bool(wanted & {str(v) for v in value})
        if isinstance(value, bool):
            return str(value).lower() in wanted
        return value is not None and str(value) in wanted

    def condition_text(self, f: Field) -> str:
        """The condition in words, shown next to a conditional field (also without JS)."""
        cond = f.show_if or {}
        target = self.fields.get(cond.get("field"))
        if target is None:
            return ""
        if "not_empty" in cond:
            return f"「{target.label}」を入力した場合に答えてください。"
        wanted = [cond["equals"]] if "equals" in cond else list(cond.get("in") or [])
        labels = "」または「".join(target.choice_label(w) for w in wanted)
        return f"「{target.label}」で「{labels}」を選んだ場合に答えてください。"

    def drop_hidden(self, answers: dict) -> dict:
        """Answers without the fields the conditions hide (a hidden field is never kept)."""
        out = dict(answers)
        for f in self.fields.values():
            if not f.has_input or not self.is_visible(f, out):
                out.pop(f.key, None)
        return out

    # ----------------------------------------------------------------- prefill
    def prefill(self, user) -> dict:
        """Answers taken from the signed-in resident's profile ("once-only")."""
        if user is None or not getattr(user, "is_authenticated", False) or not hasattr(user, "profile_for_prefill"):
            return {}
        profile = user.profile_for_prefill()
        answers: dict = {}
        for f in self.fields.values():
            source = f.spec.get("prefill")
            if not source:
                continue
            if f.type == "address":
                if profile.get("address") or profile.get("postal_code"):
                    postal = profile.get("postal_code") or ""
                    try:
                        postal = format_postal_code(normalise_postal_code(postal)) if postal else ""
                    except PostalCodeError:
                        pass
                    answers[f.key] = {"postal_code": postal, "address": profile.get("address") or "", "building": profile.get("address_building") or ""}
                continue
            value = profile.get(source)
            if _empty(value):
                continue
            if f.type == "kana":
                value = normalise_kana(str(value), f.spec.get("kana", "hiragana"))
            elif f.type == "phone":
                value = normalise_phone(str(value)) or str(value)
            answers[f.key] = value
        return answers

    # ----------------------------------------------------------------- cleaning
    def _raw_strings(self, f: Field, data) -> list[str]:
        if f.type == "address":
            return [_get(data, f"{f.key}__{part}") for part in ("postal_code", "address", "building")]
        if f.type == "checkboxes":
            return _getlist(data, f.key)
        return [_get(data, f.key)]

    def clean_field(self, f: Field, data, files=None, previous=None, request=None):
        """The cleaned value of ``f`` from form data (None when empty); raise FieldError."""
        label = f.label
        if f.type != "my_number":
            for raw in self._raw_strings(f, data):
                if raw and find_my_numbers(raw):
                    # 番号法: a 個人番号 may only be collected where the procedure is designated.
                    raise FieldError(
                        f"「{label}」にマイナンバー（個人番号）と思われる12桁の番号が入っています。"
                        "この欄には個人番号を入力できません。番号を消して入力し直してください。",
                        keep=None,
                    )
        value = getattr(self, f"_clean_{f.type}")(f, data, files, previous, request)
        if _empty(value):
            if f.required:
                raise FieldError(self._required_message(f))
            return None
        return value

    def _required_message(self, f: Field) -> str:
        label = f.label
        if f.type in ("select", "radio"):
            return f"「{label}」を選んでください。"
        if f.type == "checkboxes":
            return f"「{label}」を{max(1, f.spec.get('min_choices') or 1)}つ以上選んでください。"
        if f.type == "consent":
            return f"「{label}」を確認し、チェックを入れてください。"
        if f.type == "file":
            return f"「{label}」のファイルを選んでください。"
        return f"「{label}」を入力してください。"

    def _check_text_rules(self, f: Field, value: str) -> str:
        label = f.label
        max_length = f.spec.get("max_length")
        if max_length and len(value) > max_length:
            raise FieldError(f"「{label}」は{max_length}文字以内で入力してください（いまは{len(value)}文字です）。", keep=value)
        pattern = f.spec.get("pattern")
        if pattern and value and not re.fullmatch(pattern, value):
            message = f.spec.get("pattern_message") or f"「{label}」の形式が正しくありません。説明のとおりに入力してください。"
            raise FieldError(message, keep=value)
        return value

    def _clean_text(self, f, data, files, previous, request):
        value = jaconv.h2z(_get(data, f.key), kana=True, ascii=False, digit=False).strip()
        value = re.sub(r"[\r\n]+", " ", value)
        return self._check_text_rules(f, value)

    def _clean_textarea(self, f, data, files, previous, request):
        value = _get(data, f.key).replace("\r\n", "\n").replace("\r", "\n").strip()
        return self._check_text_rules(f, value)

    def _clean_kana(self, f, data, files, previous, request):
        raw = _get(data, f.key).strip()
        if not raw:
            return ""
        script = f.spec.get("kana", "hiragana")
        value = normalise_kana(raw, script)
        ok = _HIRAGANA_RE.match(value) if script == "hiragana" else _KATAKANA_RE.match(value)
        if not ok:
            word = "ひらがな" if script == "hiragana" else "カタカナ"
            raise FieldError(f"「{f.label}」は{word}で入力してください。", keep=raw)
        return self._check_text_rules(f, value)

    def _clean_date(self, f, data, files, previous, request):
        raw = _get(data, f.key).strip()
        if not raw:
            return ""
        try:
            day = parse_date(raw)
        except WarekiError as exc:
            raise FieldError(f"「{f.label}」: {exc}", keep=raw) from None
        lo_spec, hi_spec = f.spec.get("min"), f.spec.get("max")
        lo, hi = _date_bound(lo_spec), _date_bound(hi_spec)
        if lo and day < lo:
            raise FieldError(f"「{f.label}」は{_bound_label(lo_spec, lo)}以降の日付を入力してください。", keep=raw)
        if hi and day > hi:
            raise FieldError(f"「{f.label}」は{_bound_label(hi_spec, hi)}以前の日付を入力してください。", keep=raw)
        return day.isoformat()

    def _clean_address(self, f, data, files, previous, request):
        raw = {part: _get(data, f"{f.key}__{part}").strip() for part in ("postal_code", "address", "building")}
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

    def _clean_phone(self, f, data, files, previous, request):
        raw = _get(data, f.key).strip()
        if not raw:
            return ""
        value = normalise_phone(raw)
        if value is None:
            raise FieldError(f"「{f.label}」は0から始まる10桁か11桁の電話番号を入力してください（例: 042-123-4567、090-1234-5678）。", keep=raw)
        return value

    def _clean_email(self, f, data, files, previous, request):
        raw = _get(data, f.key).strip()
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
        return self._check_text_rules(f, value)

    def _clean_number(self, f, data, files, previous, request):
        raw = _get(data, f.key).strip()
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

    def _clean_select(self, f, data, files, previous, request):
        value = _get(data, f.key)
        if not value:
            return ""
        if value not in {c["value"] for c in f.choices}:
            raise FieldError(f"「{f.label}」は示された選択肢から選んでください。")
        return value

    _clean_radio = _clean_select

    def _clean_checkboxes(self, f, data, files, previous, request):
        values = [v for v in _getlist(data, f.key) if v != ""]
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

    def _clean_consent(self, f, data, files, previous, request):
        return True if _get(data, f.key).strip().lower() in TRUE_VALUES else None

    def _clean_paragraph(self, f, data, files, previous, request):  # pragma: no cover - never called
        return None

    def _clean_my_number(self, f, data, files, previous, request):
        if not self.allows_my_number:
            raise FieldError(f"「{f.label}」: このフォームでは個人番号（マイナンバー）を受け付けていません。", keep=None)
        raw = _get(data, f.key)
        digits = re.sub(r"[\s\-‐－ー]", "", unicodedata.normalize("NFKC", raw))
        if not digits:
            return ""
        if not re.fullmatch(r"\d{12}", digits):
            raise FieldError(f"「{f.label}」は12桁の数字で入力してください。", keep=None)
        if not is_valid_my_number(digits):
            raise FieldError(f"「{f.label}」の番号が正しくありません。通知カードやマイナンバーカードの12桁の番号を確かめてください。", keep=None)
        return digits

    def _clean_file(self, f, data, files, previous, request):
        from madoguchi.core.uploads import UploadError

        from .models import Upload
        from .uploads import save_upload

        uploaded = files.get(f.key) if files is not None else None
        if uploaded is not None and getattr(uploaded, "size", 1) == 0 and not getattr(uploaded, "name", ""):
            uploaded = None  # browsers send an empty part when nothing was chosen
        if uploaded is not None:
            try:
                upload = save_upload(uploaded, label=f.label, request=request, accept=f.spec.get("accept"), max_bytes=f.spec.get("max_bytes"))
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

    # ----------------------------------------------------------------- pages
    def validate_page(self, index: int, data, files=None, answers: dict | None = None, owner=None) -> PageResult:
        """Validate page ``index`` of submitted ``data``; merge the cleaned values into answers."""
        merged = dict(answers or {})
        errors: dict[str, list[str]] = {}
        page = self.pages[index]
        for f in page.fields:
            if not f.has_input:
                continue
            if not self.is_visible(f, merged):
                merged.pop(f.key, None)
                continue
            try:
                value = self.clean_field(f, data, files, merged.get(f.key), owner)
            except FieldError as exc:
                errors[f.key] = [exc.message]
                if exc.keep is None:
                    merged.pop(f.key, None)
                else:
                    merged[f.key] = exc.keep
                continue
            if value is None:
                merged.pop(f.key, None)
            else:
                merged[f.key] = value
        merged = self.drop_hidden(merged)
        return PageResult(answers=merged, errors={k: v for k, v in errors.items() if self._field_visible_key(k, merged)})

    def _field_visible_key(self, key: str, answers: dict) -> bool:
        f = self.fields.get(key)
        return f is not None and self.is_visible(f, answers)

    def as_data(self, f: Field, value) -> dict:
        """Answer value → the form data that would produce it (to re-validate stored answers)."""
        if value is None:
            return {}
        if f.type == "address":
            value = value if isinstance(value, dict) else {}
            return {f"{f.key}__{k}": str(value.get(k) or "") for k in ("postal_code", "address", "building")}
        if f.type == "checkboxes":
            return {f.key: [str(v) for v in value] if isinstance(value, list) else [str(value)]}
        if f.type == "consent":
            return {f.key: "on" if value is True else ""}
        if f.type == "file":
            return {}
        return {f.key: str(value)}

    def clean_all(self, answers: dict) -> tuple[dict, dict[str, list[str]]]:
        """The answers as the form pages would have stored them (R8.4.1 → 2026-04-01, kana
        normalised …), and the errors of every visible field ({} when all is well). Answers to
        unknown or hidden fields are dropped: an API client cannot store what no field asks."""
        cleaned: dict = {}
        errors: dict[str, list[str]] = {}
        for f in self.fields.values():
            if not f.has_input or not self.is_visible(f, answers):
                continue
            value = answers.get(f.key)
            try:
                value = self.clean_field(f, self.as_data(f, value), None, value, None)
            except FieldError as exc:
                errors[f.key] = [exc.message]
                continue
            if value is not None:
                cleaned[f.key] = value
        return self.drop_hidden(cleaned), errors

    def validate_all(self, answers: dict) -> dict[str, list[str]]:
        """Errors of every visible field, before the final submit ({} when all is well)."""
        return self.clean_all(answers)[1]

    def first_page_with_errors(self, errors: dict) -> int | None:
        for page in self.pages:
            if any(f.key in errors for f in page.fields):
                return page.index
        return None

    # ----------------------------------------------------------------- output
    def display(self, f: Field, value) -> str:
        """How an answer reads to people (confirmation page, PDF, email, CSV)."""
        if _empty(value):
            return "（未入力）"
        t = f.type
        if t == "my_number":
            return mask_my_number(value)
        if t == "date":
            try:
                return format_wareki(dt.date.fromisoformat(str(value)))
            except ValueError:
                return str(value)
        if t in ("select", "radio"):
            return f.choice_label(value)
        if t == "checkboxes":
            return "、".join(f.choice_label(v) for v in value) if isinstance(value, list) else str(value)
        if t == "consent":
            return "同意する" if value is True else "（未入力）"
        if t == "address" and isinstance(value, dict):
            parts = [f"〒{value['postal_code']}" if value.get("postal_code") else "", value.get("address") or "", value.get("building") or ""]
            return " ".join(p for p in parts if p)
        if t == "file" and isinstance(value, dict):
            from madoguchi.core.uploads import human_size, kind_label

            return f"{value.get('name', '')}（{kind_label(value.get('content_type', ''))}、{human_size(int(value.get('size') or 0))}）"
        if t == "number":
            return f"{value}{f.spec.get('unit') or ''}"
        return redact_my_numbers(str(value))

    def summary(self, answers: dict) -> list[SummaryRow]:
        rows = []
        for page in self.pages:
            for f in page.fields:
                if not f.has_input or not self.is_visible(f, answers):
                    continue
                rows.append(SummaryRow(page.title, f.key, f.label, redact_my_numbers(self.display(f, answers.get(f.key)))))
        return rows

    def search_text(self, answers: dict) -> str:
        """Everything answered, as one string for full-text search (never a マイナンバー)."""
        parts = []
        for f in self.fields.values():
            if not f.has_input or f.type in ("my_number", "consent") or not self.is_visible(f, answers):
                continue
            value = answers.get(f.key)
            if _empty(value):
                continue
            parts.append(self.display(f, value))
            if f.type == "kana":
                parts.append(jaconv.hira2kata(str(value)))
        return redact_my_numbers(" ".join(parts))

    def render_page(self, request, index: int, answers: dict | None = None, errors: dict | None = None, *, show_title: bool = False) -> SafeString:
        """The fields of page ``index`` as accessible HTML (no <form> tag, no buttons)."""
        answers = answers or {}
        errors = errors or {}
        page = self.pages[index]
        items = []
        for f in page.fields:
            controlled_here = bool(f.show_if) and f.show_if.get("field") in {g.key for g in page.fields}
            if f.show_if and not controlled_here and not self.is_visible(f, answers):
                continue  # hidden by an answer on an earlier page
            items.append(self._field_context(f, answers.get(f.key), errors.get(f.key) or [], answers, page))
        summary = [{"anchor": ctx["field"].anchor, "message": m} for ctx in items for m in ctx["errors"]]
        return render_to_string(
            "forms/page.html",
            {"page": page, "items": items, "error_summary": summary, "show_title": show_title, "engine": self},
            request=request,
        )

    def _field_context(self, f: Field, value, errors: list[str], answers: dict, page: Page) -> dict:
        ids = []
        help_id = f"{f.id}-help" if f.help else ""
        hint = ""
        if f.type == "date":
            hint = "例: 令和8年4月1日、R8.4.1、2026-04-01"
        elif f.type == "phone":
            hint = "例: 042-123-4567（ハイフンはなくてもかまいません）"
        elif f.type == "checkboxes":
            lo, hi = f.spec.get("min_choices"), f.spec.get("max_choices")
            if lo and hi:
                hint = f"{lo}つ以上{hi}つまで選べます。"
            elif hi:
                hint = f"{hi}つまで選べます。"
            elif lo:
                hint = f"{lo}つ以上選んでください。"
        elif f.type == "file":
            from madoguchi.core.uploads import accepted_mimes, human_size, kind_label, upload_max_bytes

            hint = (
                f"{'、'.join(kind_label(m) for m in accepted_mimes(f.spec.get('accept')))}（{human_size(f.spec.get('max_bytes') or upload_max_bytes())}まで）"
            )
        elif f.type == "number" and (f.spec.get("min") is not None or f.spec.get("max") is not None):
            lo, hi, unit = f.spec.get("min"), f.spec.get("max"), f.spec.get("unit") or ""
            hint = f"{lo}{unit}から{hi}{unit}まで" if lo is not None and hi is not None else (f"{lo}{unit}以上" if lo is not None else f"{hi}{unit}以下")
        elif f.type == "my_number":
            hint = "12桁の数字（通知カード・マイナンバーカードに記載）"
        condition = self.condition_text(f) if f.show_if else ""
        hint_id = f"{f.id}-hint" if hint else ""
        cond_id = f"{f.id}-cond" if condition else ""
        error_id = f"{f.id}-error" if errors else ""
        ids = [i for i in (cond_id, help_id, hint_id, error_id) if i]
        if f.type == "date" and value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            try:
                value = format_wareki(dt.date.fromisoformat(value))
            except ValueError:
                pass
        address = value if isinstance(value, dict) and f.type == "address" else {}
        if f.type == "checkboxes":
            selected = [str(v) for v in value] if isinstance(value, list) else []
        else:
            selected = [str(value)] if value not in (None, "") and not isinstance(value, (dict, list)) else []
        choices = [{**c, "id": f"{f.id}-{i}", "checked": c["value"] in selected} for i, c in enumerate(f.choices)]
        text_value = "" if isinstance(value, (dict, list, bool)) or value is None else str(value)
        if f.type == "my_number":
            text_value = ""  # never echo a 個人番号 back into the page
        addr_auto = bool(f.autocomplete) or f.spec.get("prefill") == "address"
        return {
            "field": f,
            "errors": errors,
            "error_id": error_id,
            "help_id": help_id,
            "hint": hint,
            "hint_id": hint_id,
            "condition": condition,
            "cond_id": cond_id,
            "describedby": " ".join(ids),
            "value": text_value,
            "address": address,
            "choices": choices,
            "checked": value is True,
            "file": value if f.type == "file" and isinstance(value, dict) else None,
            "show_if_json": json.dumps(f.show_if, ensure_ascii=False) if f.show_if else "",
            "autocomplete": f.autocomplete,
            "addr_autocomplete": addr_auto,
            "kana_word": "ひらがな" if f.spec.get("kana", "hiragana") == "hiragana" else "カタカナ",
            "rows": 8 if (f.spec.get("max_length") or 0) > 400 else 4,
            "is_choice": f.type in CHOICE_TYPES,
            "input_type": {"email": "email", "phone": "tel"}.get(f.type, "text"),
            "inputmode": {"number": "decimal" if f.spec.get("decimals") else "numeric", "my_number": "numeric"}.get(f.type, ""),
            "accept": ",".join(accepted_mimes_for(f)) if f.type == "file" else "",
        }
