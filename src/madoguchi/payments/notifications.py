"""Receiving a provider's notification (決済結果の通知): verify, apply once, refuse and record the
rest. The HTTP endpoint (``views.notify``) and the sandbox's in-process delivery both go here."""

from __future__ import annotations

from dataclasses import dataclass

from madoguchi.core import ratelimit
from madoguchi.core.registry import NotificationRefused, payment_providers

from . import conf, services
from .models import NotificationAnomaly

BAD_SIGNATURE_SCOPE = "payments-notify-refused"


class NotificationIgnored(Exception):
    """Raised by ``verify_notification`` for an authentic notification of an event the platform
    does not act on (a provider sends more kinds than it was asked for): answered 200 so the
    provider stops retrying, neither applied nor counted as refused."""


@dataclass(frozen=True)
class Answer:
    status: int
    result: str  # applied, duplicate, unchanged, stale, or the refusal's kind


def receive(provider_key: str, request, remote_addr: str | None) -> Answer:
    """``request`` needs ``body`` and ``headers``. Refused notifications count against the
    sender's address; past the limit it is answered 429 without being read."""
    limit, window = conf.bad_signature_limit()
    if ratelimit.blocked(BAD_SIGNATURE_SCOPE, remote_addr or "", limit):
        return Answer(429, "blocked")
    provider = payment_providers.get(provider_key)
    if provider is None:
        return Answer(404, "unknown_provider")
    try:
        notification = provider.verify_notification(request)
    except NotificationIgnored:
        return Answer(200, "ignored")
    except NotificationRefused as exc:
        ratelimit.hit(BAD_SIGNATURE_SCOPE, remote_addr or "", window)
        kind = exc.reason if exc.reason in NotificationAnomaly.Kind.values else NotificationAnomaly.Kind.BAD_SIGNATURE
        services.record_anomaly(provider_key, kind, detail={"length": len(request.body or b"")}, remote_addr=remote_addr)
        return Answer(400 if kind == NotificationAnomaly.Kind.BAD_BODY else 403, kind)
    try:
        outcome = services.apply_notification(provider_key, notification)
    except services.NotificationError as exc:
        services.record_anomaly(
            provider_key,
            exc.kind,
            reference=notification.merchant_reference or notification.provider_reference,
            payment=exc.payment,
            detail={"event_id": notification.event_id, "status": notification.status, "amount": notification.amount},
            remote_addr=remote_addr,
        )
        return Answer(exc.status, exc.kind)
    return Answer(200, outcome.result)
