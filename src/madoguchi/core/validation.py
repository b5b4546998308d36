"""Unpacking Django's ``ValidationError`` into what forms, pages and the API show: one helper so
every caller treats field errors and non-field errors alike."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


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
