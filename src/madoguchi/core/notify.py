"""The one notification outbox entry point for email. Apps call ``email(...)`` inside their
transaction; the core task sends it after commit through Django's SMTP backend."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

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
    )


@task("core.send_email")
def send_email(to, subject, body, html=None, attachments=(), headers=None):
    from django.utils.module_loading import import_string

    message = EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to, headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    for spec in attachments:
        filename, content, mimetype = import_string(spec["builder"])(**spec.get("kwargs", {}))
        message.attach(filename, content, mimetype)
    message.send(fail_silently=False)


__all__ = ["email", "redact"]
