"""Accounts settings, read with safe defaults (settings.py stays untouched)."""

from __future__ import annotations

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return int(value)


def login_rate_limit() -> int:
    """Failed logins allowed per account and address within the window."""
    return _int("LOGIN_RATE_LIMIT", 5)


def login_rate_window() -> int:
    return _int("LOGIN_RATE_WINDOW", 900)


def login_account_rate_limit() -> int:
    """Failed logins allowed per account from all addresses together."""
    return _int("LOGIN_ACCOUNT_RATE_LIMIT", login_rate_limit() * 4)


def login_ip_rate_limit() -> int:
    """Failed logins allowed per address (several people can share one address: larger)."""
    return _int("LOGIN_IP_RATE_LIMIT", login_rate_limit() * 4)


def otp_rate_limit() -> int:
    return _int("OTP_RATE_LIMIT", 5)


def email_verification_max_age() -> int:
    return _int("EMAIL_VERIFICATION_MAX_AGE", 3 * 24 * 3600)


def environment() -> str:
    return str(getattr(settings, "MADOGUCHI_ENV", None) or getattr(settings, "ENVIRONMENT", None) or os.environ.get("MADOGUCHI_ENV", "development"))
