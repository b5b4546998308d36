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


def _list(name: str) -> list[str]:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name, "")
        value = [part for part in raw.split(",") if part.strip()]
    if isinstance(value, str):
        value = [value]
    return [str(v).strip() for v in value if str(v).strip()]


def signature_trust_anchors() -> list[str]:
    """信頼する認証局 for electronic signatures: PEM text or paths to PEM/DER files (the J-LIS
    公的個人認証サービス 署名用 CA certificates in production)."""
    return _list("IDENTITY_SIGNATURE_TRUST_ANCHORS")


def signature_intermediates() -> list[str]:
    """Intermediate CA certificates that may sit between a card's certificate and an anchor."""
    return _list("IDENTITY_SIGNATURE_INTERMEDIATES")


def signature_crl_sources() -> list[str]:
    """Where the certificate revocation lists come from: https URLs or file paths (a file kept
    current by the operator's job). None configured → 「失効確認: 未実施」."""
    return _list("IDENTITY_SIGNATURE_CRL_URLS")


def signature_crl_cache_seconds() -> int:
    return int(getattr(settings, "IDENTITY_SIGNATURE_CRL_CACHE_SECONDS", os.environ.get("IDENTITY_SIGNATURE_CRL_CACHE_SECONDS") or 600))
