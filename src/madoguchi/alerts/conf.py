"""Settings of the alerts app, read without editing settings.py (setting, else env, else default)."""

from __future__ import annotations

import os

from django.conf import settings


def _get(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return value


def _int(name: str, default: int) -> int:
    try:
        return int(_get(name, str(default)))
    except ValueError:
        return default


def vapid_private_key() -> str:
    """PEM or base64url raw key; VAPID_PRIVATE_KEY (or a file named by VAPID_PRIVATE_KEY_FILE)."""
    key = _get("VAPID_PRIVATE_KEY")
    path = _get("VAPID_PRIVATE_KEY_FILE")
    if not key and path and os.path.exists(path):
        with open(path) as fh:
            key = fh.read()
    return key.strip()


def vapid_subject() -> str:
    return _get("VAPID_SUBJECT", "mailto:" + getattr(settings, "DEFAULT_FROM_EMAIL", "madoguchi@example.jp"))


def line_channel_access_token(municipality=None) -> str:
    """The city's own LINE channel (``municipality``, else the active city: a delivery task runs
    for its notice's city, the webhook on the city's host), else the deployment's."""
    from madoguchi.core.tenancy import city_setting

    return city_setting("line_channel_access_token", municipality) or _get("LINE_CHANNEL_ACCESS_TOKEN")


def line_channel_secret(municipality=None) -> str:
    from madoguchi.core.tenancy import city_setting

    return city_setting("line_channel_secret", municipality) or _get("LINE_CHANNEL_SECRET")


def line_api_host() -> str:
    """Configurable so tests (and a proxy) can stand in for https://api.line.me."""
    return _get("LINE_API_HOST", "https://api.line.me")


def batch_size() -> int:
    return _int("ALERTS_BATCH_SIZE", 500)


def parallelism() -> int:
    """How many delivery tasks per channel run side by side (each on some worker)."""
    return _int("ALERTS_PARALLELISM", 4)


def push_threads() -> int:
    """Concurrent Web Push requests inside one delivery task (network waits overlap)."""
    return _int("ALERTS_PUSH_THREADS", 8)


def lease_seconds() -> int:
    return _int("ALERTS_LEASE_SECONDS", 120)


def task_budget_seconds() -> int:
    """A delivery task hands over to a fresh task after this long, so no task outlives its lease."""
    return _int("ALERTS_TASK_BUDGET_SECONDS", 120)


def rate_limit(channel: str) -> int:
    """Messages per second per channel, cluster-wide (0 = unlimited)."""
    defaults = {"email": 2000, "webpush": 2000, "line": 1000}
    return _int(f"ALERTS_RATE_{channel.upper()}", defaults.get(channel, 1000))


def max_attempts() -> int:
    return _int("ALERTS_MAX_ATTEMPTS", 6)


def cap_feed_url() -> str:
    return _get("ALERTS_CAP_IMPORT_URL")


def cap_sender() -> str:
    return _get("ALERTS_CAP_SENDER", getattr(settings, "DEFAULT_FROM_EMAIL", "madoguchi@example.jp"))


DEFAULT_PUSH_ORIGINS = ("fcm.googleapis.com", "updates.push.services.mozilla.com", "*.notify.windows.com", "web.push.apple.com")


def push_allowed_origins() -> list[str]:
    """Host names (suffixes) a Web Push endpoint may point at: the browsers' push services.
    ALERTS_PUSH_ALLOWED_ORIGINS: a list, or a comma-separated string in the environment;
    ``*.example.com`` and ``example.com`` both allow example.com's subdomains."""
    value = getattr(settings, "ALERTS_PUSH_ALLOWED_ORIGINS", None)
    if value is None:
        value = os.environ.get("ALERTS_PUSH_ALLOWED_ORIGINS") or ",".join(DEFAULT_PUSH_ORIGINS)
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip().lower().lstrip("*").lstrip(".") for v in value if v.strip()]


def push_allow_loopback() -> bool:
    """Allow http(s)://127.0.0.1 / localhost endpoints (tests and benchmarks only)."""
    value = getattr(settings, "ALERTS_PUSH_ALLOW_LOOPBACK", None)
    if value is None:
        value = os.environ.get("ALERTS_PUSH_ALLOW_LOOPBACK", "")
    return str(value).lower() in ("1", "true", "yes", "on")
