"""Field types of the form engine (項目の型), one class each, on ``core.registry.field_types``.

The engine (``forms.engine``) and the schema check (``forms.schema``) never look at a field's
``type`` string themselves: they look up ``field_types[spec["type"]]`` and call its methods.
A new type (likert, matrix, amount …) is one ``FieldType`` subclass registered from any app's
``fields.py`` with ``@register_field_type("likert")`` (see SCHEMA.md, "Adding a field type").

The registry keeps one *instance* per type so that the ``madoguchi.registry`` system check runs
its ``check()``.

The built-in types live in sub-modules by kind (``base``: ``FieldType`` and the shared helpers;
``text``, ``dates``, ``choice``, ``address``, ``files``, ``my_number``) and are registered
here, in one place, so that their order (the order staff see them in) does not depend on which
module a type lives in.
"""

from __future__ import annotations

from .address import AddressField
from .base import (
    EMPTY_DISPLAY,
    TRUE_VALUES,
    CleanContext,
    FieldError,
    FieldType,
    check_text_rules,
    get_field_type,
    get_list,
    get_value,
    is_empty,
    is_number,
    register_field_type,
)
from .choice import CheckboxesField, ChoiceFieldType, ConsentField, RadioField, SelectField
from .dates import DateField, bound_label, date_bound, date_bound_ok
from .files import FileField
from .my_number import MyNumberField, mask_my_number
from .text import EmailField, KanaField, NumberField, ParagraphField, PhoneField, TextareaField, TextField, normalise_kana, normalise_phone

# The built-in types, in the order they were always registered (a test checks it).
BUILT_IN_FIELD_TYPES: tuple[tuple[str, type[FieldType]], ...] = (
    ("text", TextField),
    ("textarea", TextareaField),
    ("kana", KanaField),
    ("date", DateField),
    ("address", AddressField),
    ("phone", PhoneField),
    ("email", EmailField),
    ("number", NumberField),
    ("select", SelectField),
    ("radio", RadioField),
    ("checkboxes", CheckboxesField),
    ("file", FileField),
    ("consent", ConsentField),
    ("paragraph", ParagraphField),
    ("my_number", MyNumberField),
)
for _key, _cls in BUILT_IN_FIELD_TYPES:
    register_field_type(_key)(_cls)
del _key, _cls

__all__ = [
    "BUILT_IN_FIELD_TYPES",
    "EMPTY_DISPLAY",
    "TRUE_VALUES",
    "AddressField",
    "CheckboxesField",
    "ChoiceFieldType",
    "CleanContext",
    "ConsentField",
    "DateField",
    "EmailField",
    "FieldError",
    "FieldType",
    "FileField",
    "KanaField",
    "MyNumberField",
    "NumberField",
    "ParagraphField",
    "PhoneField",
    "RadioField",
    "SelectField",
    "TextField",
    "TextareaField",
    "bound_label",
    "check_text_rules",
    "date_bound",
    "date_bound_ok",
    "get_field_type",
    "get_list",
    "get_value",
    "is_empty",
    "is_number",
    "mask_my_number",
    "normalise_kana",
    "normalise_phone",
    "register_field_type",
]
