"""The one email path (メール送信). Apps call ``send_template(...)`` inside their transaction with a
template name; the core task sends it after commit through Django's SMTP backend.

Templates live at ``<app>/templates/<app>/email/<name>_subject.txt`` and ``<name>.txt`` (and
optionally ``<name>.html``), rendered under the recipient's language through Django's i18n with
``site_url`` and ``municipality`` in the context; links inside are built with ``reverse()``
through ``madoguchi.core.links.absolute_url`` (or the ``{% absolute_url %}`` tag), never typed.
``email(...)`` takes an already-built subject and body and is kept for the few messages whose
body is data (an alert notice's text is the staff member's own); ruff's TID251 keeps
``django.core.mail`` out of every other module."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation

from .logging import redact
from .tasks import enqueue, task


def email(
    to: str | list[str],
    subject: str,
    body: str,
    *,
    html: str | None = None,
    dedupe_key: str | None = None,
    attachments: list[dict] | None = None,
    headers: dict | None = None,
    from_email: str | None = None,
):
    """Queue an email. ``attachments``: [{"builder": "dotted.path.func", "kwargs": {...}}] —
    the builder returns (filename, bytes, mimetype) when the task runs, so large files such as
    PDFs are made by the worker and never stored in the outbox row."""
    recipients = [to] if isinstance(to, str) else list(to)
    return enqueue(
        "core.send_email",
        dedupe_key=dedupe_key,
        to=recipients,
        subject=subject,
        body=body,
        html=html,
        attachments=attachments or [],
        headers=headers or {},
        **({"from_email": from_email} if from_email and from_email != settings.DEFAULT_FROM_EMAIL else {}),
    )


def render_template(template: str, context: dict | None = None, *, municipality=None, language: str | None = None) -> tuple[str, str, str | None]:
    """``(subject, body, html or None)`` of ``<template>_subject.txt`` / ``.txt`` / ``.html``.
    ``template`` is e.g. ``"reservations/email/confirmed"``."""
    ctx = _context(context, municipality)
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(_render_text(f"{template}_subject.txt", ctx).split())
        body = _render_text(f"{template}.txt", ctx)
        try:
            html = get_template(f"{template}.html").render(ctx)
        except TemplateDoesNotExist:
            html = None
    return subject, body, html


def render_text(name: str, context: dict | None = None, *, municipality=None, language: str | None = None) -> str:
    """One more plain-text template beside an email's (e.g. a push notice's ``<name>_short.txt``),
    rendered as ``render_template`` renders the ``.txt``: same context, language, no escaping."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _render_text(name, _context(context, municipality))


def _context(context: dict | None, municipality) -> dict:
    from .links import site_url

    return {"site_url": site_url(municipality), "municipality": municipality, **(context or {})}


def _render_text(name: str, ctx: dict) -> str:
    """Plain text is not HTML: render without autoescaping (a name with & or < stays as typed)."""
    from django.template import Context

    return get_template(name).template.render(Context(ctx, autoescape=False))


def send_template(
    to: str | list[str],
    template: str,
    context: dict | None = None,
    *,
    municipality=None,
    language: str | None = None,
    dedupe_key: str | None = None,
    attachments: list[dict] | None = None,
    headers: dict | None = None,
):
    """Render ``template`` (see ``render_template``) and queue it like ``email``."""
    return email(to, dedupe_key=dedupe_key, attachments=attachments, headers=headers, **_rendered(template, context, municipality, language))


def _rendered(template: str, context, municipality, language) -> dict:
    """Subject, body, html and the city's sender of a templated email (both send paths)."""
    from .tenancy import city_setting

    subject, body, html = render_template(template, context, municipality=municipality, language=language)
    return {"subject": subject, "body": body, "html": html, "from_email": city_setting("sender_email", municipality)}


def send_template_now(
    to: str | list[str],
    template: str,
    context: dict | None = None,
    *,
    municipality=None,
    language: str | None = None,
    attachments: list[dict] | None = None,
    headers: dict | None = None,
) -> None:
    """Render ``template`` and send it at once. Only for a task that is itself the outbox entry
    of its email (queued in the transaction that made it, run after commit and retried if the
    send fails): queueing a second task for the email would cost the worker a claim, a commit
    and a dedupe check more per message (the booking confirmation of the opening rush).
    ``attachments`` may also carry ready content: {"filename", "content", "mimetype"}."""
    send_email(to, attachments=attachments or (), headers=headers, **_rendered(template, context, municipality, language))


@task("core.send_email")
def send_email(to, subject, body, html=None, attachments=(), headers=None, from_email=None):
    from django.utils.module_loading import import_string

    from .emails import deliverable

    # An address SMTP cannot carry (a non-ASCII local part, e.g. a section's 市民課@…) is left
    # out and logged: Python would otherwise write it into To: as an encoded word, an invalid header.
    to = deliverable([to] if isinstance(to, str) else list(to))
    if not to:
        return
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=from_email or settings.DEFAULT_FROM_EMAIL, to=to, headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    for spec in attachments:
        if "builder" in spec:
            filename, content, mimetype = import_string(spec["builder"])(**spec.get("kwargs", {}))
        else:  # made by the caller (send_template_now: never stored in an outbox row)
            filename, content, mimetype = spec["filename"], spec["content"], spec["mimetype"]
        message.attach(filename, content, mimetype)
    message.send(fail_silently=False)


__all__ = ["email", "redact", "render_template", "send_template", "send_template_now"]
