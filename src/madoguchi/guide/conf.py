"""Settings of the guide app (read here, never edited in settings.py)."""

from __future__ import annotations

import os

from django.conf import settings


def reminder_days() -> int:
    """How many days before a deadline a signed-in resident who opted in is reminded."""
    return int(getattr(settings, "GUIDE_REMINDER_DAYS", os.environ.get("GUIDE_REMINDER_DAYS") or 3))
