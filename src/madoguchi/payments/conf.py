"""Settings of the payments app (per-city values come from ``Municipality.provider_settings``)."""

from __future__ import annotations

import os

from django.conf import settings


def _get(name: str, default=None):
    return getattr(settings, name, None) or os.environ.get(name) or default


def default_provider(municipality=None) -> str:
    """The provider a new fee is paid with: the city's ``provider_settings["payments"]["_default"]
    ["provider"]``, else ``PAYMENTS_DEFAULT_PROVIDER``, else the sandbox. Switching it changes
    new payments only; a payment keeps the provider it was paid with."""
    from madoguchi.core.tenancy import provider_settings

    return provider_settings("payments", "_default", municipality).get("provider") or _get("PAYMENTS_DEFAULT_PROVIDER", "demo")


def reissue_days() -> int:
    """How many days a reissued pay link gives (支払期限の再設定)."""
    return int(_get("PAYMENTS_REISSUE_DAYS", 7))


def bad_signature_limit() -> tuple[int, int]:
    """Refused notifications per client address and window (seconds) before it is blocked."""
    return int(_get("PAYMENTS_BAD_SIGNATURE_LIMIT", 20)), int(_get("PAYMENTS_BAD_SIGNATURE_WINDOW", 600))


def pay_link_days() -> int:
    """How long a signed pay link (支払用リンク) works."""
    return int(_get("PAYMENTS_PAY_LINK_DAYS", 30))
