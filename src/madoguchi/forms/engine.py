"""The form engine (フォームエンジン): validates, summarises and renders a form defined as data.

See SCHEMA.md for the definition format and the public API. Every error message is Japanese,
names the field (「項目名」) and says what to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from madoguchi.core.codes import find_my_numbers, redact_my_numbers
from madoguchi.core.validation import my_number_message

# Field types and their helpers live in .fields (one class per type); re-exported for callers.
from .fields import (  # noqa: F401
    EMPTY_DISPLAY,
    TRUE_VALUES,
    CleanContext,
    FieldError,
    FieldType,
    get_field_type,
    mask_my_number,
    normalise_kana,
    normalise_phone,
)
from .fields import get_list as _getlist  # noqa: F401
from .fields import get_value as _get  # noqa: F401
from .fields import is_empty as _empty

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


class _Masked:
    """Form data as a field type reads it (``get``/``getlist``), with every マイナンバー masked."""

    def __init__(self, data):
        self.data = data

    def get(self, name, default=None):
        value = self.data.get(name, default)
        return redact_my_numbers(value) if isinstance(value, str) else value

    def getlist(self, name):
        if hasattr(self.data, "getlist"):
            return [redact_my_numbers(v) if isinstance(v, str) else v for v in self.data.getlist(name)]
        value = self.data.get(name)
        return [] if value is None else [redact_my_numbers(v) if isinstance(v, str) else v for v in (value if isinstance(value, (list, tuple)) else [value])]


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

    @cached_property
    def kind(self) -> FieldType:
        """The field's type class (``core.registry.field_types[spec["type"]]``): the one place
        the engine looks a type up."""
        kind = get_field_type(self.type)
        if kind is None:
            raise KeyError(f"field_types: no plugin {self.type!r}")
        return kind

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
        if not self.kind.has_input:
            return False
        return self.spec.get("required", True) is not False

    @property
    def show_if(self) -> dict | None:
        return self.spec.get("show_if")

    @property
    def has_input(self) -> bool:
        return self.kind.has_input

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
        return self.kind.anchor(self)

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
    # What was typed (or stored) but is not kept, by key, with why: a draft saved with these says
    # so instead of losing them silently (一時保存, 前へ戻る).
    dropped: dict = field(default_factory=dict)
    masked: list = field(default_factory=list)  # transcribed fields stored with a マイナンバー masked

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class SummaryRow:
    page_title: str
    key: str
    label: str
    display: str


class FormEngine:
    """Validate, summarise and render one version of a form."""

    def __init__(self, version=None, *, schema: dict | None = None, allows_my_number: bool | None = None, transcribed: bool = False):
        self.version = version
        # Staff transcribing a resident's paper or words (書かない窓口): a マイナンバー in free text
        # is masked and flagged (``PageResult.masked``), never refused (core.validation).
        self.transcribed = transcribed
        self.schema = schema if schema is not None else (version.schema if version is not None else {})
        if allows_my_number is None:
            allows_my_number = bool(version is not None and version.allows_my_number)
        self.allows_my_number = allows_my_number
        self.pages: list[Page] = []
        self.fields: dict[str, Field] = {}
        for pi, p in enumerate(self.schema.get("pages") or []):
            fields = [Field(spec=f, page_index=pi) for f in p.get("fields") or [] if isinstance(f, dict) and get_field_type(f.get("type")) is not None]
            for f in fields:
                self.fields[f.key] = f
            self.pages.append(Page(key=p.get("key", f"page{pi + 1}"), title=p.get("title", ""), description=p.get("description", ""), fields=fields, index=pi))

    @cached_property
    def masked_keys(self) -> set[str]:
        """Fields whose transcribed text had a マイナンバー masked (this engine's cleaning)."""
        return set()

    @classmethod
    def from_schema(cls, schema: dict, *, allows_my_number: bool = False) -> FormEngine:
        return cls(None, schema=schema, allows_my_number=allows_my_number)

    # ----------------------------------------------------------------- helpers
    def has_files(self, page_index: int | None = None) -> bool:
        """True when a page (or the form) has a file field: the form tag needs multipart."""
        pages = self.pages if page_index is None else [self.pages[page_index]]
        return any(f.kind.multipart for p in pages for f in p.fields)

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
            value = f.kind.prefill(f, profile)
            if not _empty(value):
                answers[f.key] = value
        return answers

    # ----------------------------------------------------------------- cleaning
    def clean_field(self, f: Field, data, files=None, previous=None, request=None):
        """The cleaned value of ``f`` from form data (None when empty); raise FieldError."""
        kind = f.kind
        raws = kind.raw_strings(f, data)
        if any("\x00" in raw for raw in raws if raw):
            # No database stores NUL in text (PostgreSQL refuses it); refused on SQLite alike.
            plain = len(raws) == 1 and not kind.holds_my_number and isinstance(previous, (str, type(None)))
            kept = raws[0].replace("\x00", "") if plain else previous
            raise FieldError(f"「{f.label}」に使えない文字（NUL）が含まれています。その文字を消して入力し直してください。", keep=kept or None)
        if not kind.holds_my_number and any(raw and find_my_numbers(raw) for raw in raws):
            if not self.transcribed:
                # 番号法: a 個人番号 may only be collected where the procedure is designated.
                raise FieldError(my_number_message(f.label), keep=None)
            data = _Masked(data)
            self.masked_keys.add(f.key)
        ctx = CleanContext(files=files, previous=previous, request=request, allows_my_number=self.allows_my_number)
        value = kind.clean(f, data, ctx)
        if _empty(value):
            if f.required:
                raise FieldError(kind.required_message(f))
            return None
        return value

    # ----------------------------------------------------------------- pages
    def validate_page(self, index: int, data, files=None, answers: dict | None = None, owner=None) -> PageResult:
        """Validate page ``index`` of submitted ``data``; merge the cleaned values into answers."""
        merged = dict(answers or {})
        errors: dict[str, list[str]] = {}
        dropped: dict[str, str] = {}
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
                    if merged.pop(f.key, None) is not None or any(r.strip() for r in f.kind.raw_strings(f, data) if r):
                        dropped[f.key] = exc.message
                else:
                    if f.kind.holds_my_number and any(r.strip() for r in f.kind.raw_strings(f, data) if r):
                        dropped[f.key] = exc.message + "（登録済みの番号のままです）"  # the new one is not kept
                    merged[f.key] = exc.keep
                continue
            if value is None:
                merged.pop(f.key, None)
            else:
                merged[f.key] = value
        merged = self.drop_hidden(merged)
        visible = {k: v for k, v in errors.items() if self._field_visible_key(k, merged)}
        masked = [f.key for f in page.fields if f.key in self.masked_keys and f.key in merged]
        return PageResult(answers=merged, errors=visible, dropped={k: v for k, v in dropped.items() if k in visible}, masked=masked)

    def _field_visible_key(self, key: str, answers: dict) -> bool:
        f = self.fields.get(key)
        return f is not None and self.is_visible(f, answers)

    def as_data(self, f: Field, value) -> dict:
        """Answer value → the form data that would produce it (to re-validate stored answers)."""
        if value is None:
            return {}
        return f.kind.as_data(f, value)

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
            return EMPTY_DISPLAY
        return f.kind.display(f, value)

    def export_value(self, f: Field, value):
        """An answer as one CSV/XLSX cell (empty answers read as in ``display``)."""
        if _empty(value):
            return EMPTY_DISPLAY
        return f.kind.export_value(f, value)

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
            if not f.has_input or not f.kind.searchable or not self.is_visible(f, answers):
                continue
            value = answers.get(f.key)
            if _empty(value):
                continue
            parts.extend(f.kind.search_parts(f, value))
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
        kind = f.kind
        help_id = f"{f.id}-help" if f.help else ""
        hint = kind.hint(f)
        condition = self.condition_text(f) if f.show_if else ""
        hint_id = f"{f.id}-hint" if hint else ""
        cond_id = f"{f.id}-cond" if condition else ""
        error_id = f"{f.id}-error" if errors else ""
        ids = [i for i in (cond_id, help_id, hint_id, error_id) if i]
        selected = kind.widget_selected(f, value)
        choices = [{**c, "id": f"{f.id}-{i}", "checked": c["value"] in selected} for i, c in enumerate(f.choices)]
        return {
            "field": f,
            "kind": kind,
            "errors": errors,
            "error_id": error_id,
            "help_id": help_id,
            "hint": hint,
            "hint_id": hint_id,
            "condition": condition,
            "cond_id": cond_id,
            "describedby": " ".join(ids),
            "value": kind.widget_value(f, value),
            "address": {},
            "choices": choices,
            "checked": value is True,
            "file": None,
            "show_if_json": json.dumps(f.show_if, ensure_ascii=False) if f.show_if else "",
            "autocomplete": f.autocomplete,
            "addr_autocomplete": False,
            "kana_word": "",
            "rows": 4,
            "is_choice": kind.is_choice,
            "input_type": kind.input_type,
            "inputmode": kind.inputmode(f),
            "accept": "",
            **kind.widget_context(f, value),
        }
