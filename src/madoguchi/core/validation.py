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
