"""The one way to write the audit log (監査ログ). Call ``record`` for every staff read or change
of a resident's data; the request supplies who and from where."""

from __future__ import annotations

import ipaddress

from .codes import redact_my_numbers
from .middleware import current_request
from .models import AuditLog


def client_ip(request) -> str | None:
    """The resident's or staff member's address. Behind ``TRUSTED_PROXY_HOPS`` reverse proxies
    REMOTE_ADDR is the proxy's; the address the nearest trusted proxy saw is that many entries
    from the right of X-Forwarded-For (entries further left are whatever the client sent)."""
    if request is None:
        return None
    from django.conf import settings

    hops = settings.TRUSTED_PROXY_HOPS
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and forwarded:
        candidate = forwarded[-hops] if len(forwarded) >= hops else forwarded[0]
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None


def _redact(value):
    if isinstance(value, str):
        return redact_my_numbers(value)
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    return value


def record(action: str, target=None, *, request=None, actor=None, detail: dict | None = None, section=None, target_label: str = "") -> AuditLog:
    request = request or current_request()
    if actor is None and request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        actor = request.user
    target_type = target_id = ""
    if target is not None:
        target_type = f"{target._meta.app_label}.{target._meta.model_name}"
        target_id = str(target.pk)
        target_label = target_label or str(target)[:200]
        if section is None:
            section = getattr(target, "audit_section", None)
    from . import tenancy

    city_id = tenancy.current_id() or getattr(target, "municipality_id", None) or getattr(section, "municipality_id", None)
    return AuditLog.objects.create(
        municipality_id=city_id,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=(getattr(actor, "email", "") or str(actor or ""))[:200] if actor else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=redact_my_numbers(target_label)[:200],
        section=section,
        detail=_redact(detail or {}),
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""),
    )
