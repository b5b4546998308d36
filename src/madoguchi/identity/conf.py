"""Settings of the identity app (read here, never edited in settings.py)."""

from __future__ import annotations

import os

from django.conf import settings


def demo_provider_enabled() -> bool:
    """The local demo OpenID provider (デモ用の本人確認): on in development and test, refused in
    production (system check madoguchi.identity.E003)."""
    value = getattr(settings, "IDENTITY_DEMO_PROVIDER", None)
    if value is None:
        raw = os.environ.get("IDENTITY_DEMO_PROVIDER")
        value = raw.lower() in ("1", "true", "yes", "on") if raw else not getattr(settings, "PRODUCTION", False)
    return bool(value)


def verified_max_age() -> int:
    """Seconds a card sign-in counts as fresh for starting an application (default 30 minutes)."""
    return int(getattr(settings, "IDENTITY_VERIFIED_MAX_AGE", os.environ.get("IDENTITY_VERIFIED_MAX_AGE") or 1800))


def http_timeout() -> float:
    return float(getattr(settings, "IDENTITY_HTTP_TIMEOUT", os.environ.get("IDENTITY_HTTP_TIMEOUT") or 10))
