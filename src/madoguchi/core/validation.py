"""Unpacking Django's ``ValidationError`` into what forms, pages and the API show: one helper so
every caller treats field errors and non-field errors alike."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models


def messages_by_field(exc: ValidationError) -> dict[str | None, list[str]]:
    """``{field name: [message, ...]}``; errors not tied to a field are under ``None``."""
    if hasattr(exc, "error_dict"):
        return {(None if field == NON_FIELD_ERRORS else field): list(errs) for field, errs in exc.message_dict.items()}
    return {None: list(exc.messages)}


def as_dict(exc: ValidationError) -> dict[str, list[str]]:
    """Django's ``message_dict`` when the error names fields (``"__all__"`` for the rest), else
    ``{}`` — what the API returns as ``errors``."""
    return exc.message_dict if hasattr(exc, "error_dict") else {}


def add_to_form(form, exc: ValidationError, default_field: str | None = None) -> None:
    """Put a service's ``ValidationError`` on a Django form: each message next to its field when
    the form has it, otherwise next to ``default_field`` (or as a non-field error)."""
    for field, errs in messages_by_field(exc).items():
        target = field if field in getattr(form, "fields", {}) else default_field or None
        form.add_error(target, errs)


# The widest integer every database column holds (PostgreSQL bigint, SQLite's INTEGER).
_MAX_DB_INT = 2**63 - 1


def int_param(value) -> int | None:
    """A whole number from a query parameter or form value (an id, a page), or None when it is
    not one or could not be stored: ``int("9" * 30)`` works in Python, but SQLite raises
    OverflowError for it and PostgreSQL a DataError — a 500 instead of an empty filter."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > 19:
        return None
    try:
        number = int(text)
    except ValueError:
        return None
    return number if -_MAX_DB_INT <= number <= _MAX_DB_INT else None


# --- マイナンバー in free text: the one mechanism ------------------------------------------------
# Every free-text field is one of two kinds (the model walk in core/tests/test_my_number_fields.py
# holds every model to it):
# - text a person types here (residents, and staff typing for themselves): a マイナンバー is
#   refused with MY_NUMBER_MESSAGE — model fields ResidentCharField / ResidentTextField (the
#   validator runs in every ModelForm and full_clean; the form engine's fields and the service
#   functions call ``refuse_my_number``);
# - text transcribed or imported from elsewhere (a paper opinion, a plan document, an upstream
#   CAP message): never refused, stored masked and flagged — TranscribedCharField /
#   TranscribedTextField, or ``mask_my_numbers`` where the importer builds the text.
# Both model field kinds also mask on save, so a path that skips validation still never stores one.


def my_number_message(label: str = "") -> str:
    """The message a resident sees (naming the field when the caller knows its label)."""
    where = f"「{label}」に" if label else ""
    return f"{where}マイナンバー（個人番号）と思われる12桁の番号が入っています。この欄には個人番号を入力できません。番号を消して入力し直してください。"


def refuse_my_number(value, label: str = "", field: str | None = None) -> None:
    """Raise ValidationError (code ``my_number``) when ``value`` holds a マイナンバー; with
    ``field`` the error names that field (``{field: [message]}``), as services raise them."""
    from .codes import contains_my_number

    if isinstance(value, str) and contains_my_number(value):
        message = my_number_message(label)
        raise ValidationError({field: [message]} if field else message, code="my_number")


def mask_my_numbers(value: str) -> tuple[str, bool]:
    """(text with every マイナンバー masked as 「[個人番号]」, whether anything was masked) — for
    transcribed and imported text, which is kept rather than refused."""
    from .codes import redact_my_numbers

    if not isinstance(value, str) or not value:
        return value, False
    masked = redact_my_numbers(value)
    return masked, masked != value


def _no_my_number(value) -> None:
    refuse_my_number(value)


no_my_number = _no_my_number  # a field validator: validators=[no_my_number]


class _FreeTextMixin:
    """Shared by the four model fields below. ``deconstruct`` reports Django's own class, so
    migrations and the schema are exactly those of a plain CharField/TextField: declaring the
    kind of a field never needs a migration."""

    my_number_kind = ""

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        base = next(c for c in type(self).__mro__ if c.__module__ == "django.db.models.fields")
        return name, f"django.db.models.{base.__name__}", args, kwargs

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if isinstance(value, str) and "\x00" in value:
            # PostgreSQL cannot store NUL in text (a 500 from a path that read request.POST
            # itself); forms refuse it, and no path stores it here.
            value = value.replace("\x00", "")
            setattr(model_instance, self.attname, value)
        masked, changed = mask_my_numbers(value)
        if changed:
            setattr(model_instance, self.attname, masked)
            flagged = set(getattr(model_instance, "my_number_masked_fields", ()))
            model_instance.my_number_masked_fields = flagged | {self.name}
            flag = getattr(type(model_instance), "my_number_flag_field", "")
            if flag:  # a model that keeps the flag in a column of its own
                setattr(model_instance, flag, True)
        return masked


class _ResidentMixin(_FreeTextMixin):
    my_number_kind = "resident"
    default_validators = [no_my_number]


class _TranscribedMixin(_FreeTextMixin):
    my_number_kind = "transcribed"


class ResidentCharField(_ResidentMixin, models.CharField):
    """住民などが入力する1行のテキスト: a マイナンバー is refused."""


class ResidentTextField(_ResidentMixin, models.TextField):
    """住民などが入力する複数行のテキスト: a マイナンバー is refused."""


class TranscribedCharField(_TranscribedMixin, models.CharField):
    """職員が転記・取り込むテキスト（1行）: stored masked and flagged, never refused."""


class TranscribedTextField(_TranscribedMixin, models.TextField):
    """職員が転記・取り込むテキスト（複数行）: stored masked and flagged, never refused."""


def my_number_kind(field) -> str:
    """``"resident"``, ``"transcribed"`` or ``""`` for a model field."""
    return getattr(field, "my_number_kind", "")
