"""The base of the form engine's field types: ``FieldType``, ``FieldError``, ``CleanContext``,
the helpers the types share and ``register_field_type`` (see ``forms.fields``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core import checks

from madoguchi.core.codes import redact_my_numbers
from madoguchi.core.registry import field_types

TRUE_VALUES = {"on", "true", "1", "yes", "agree"}
EMPTY_DISPLAY = "（未入力）"


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


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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
    template_name: str = ""  # a widget template of its own, included by forms/_field.html (context: item, f)

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
