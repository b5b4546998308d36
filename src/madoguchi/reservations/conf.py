"""Settings of the reservations app (read here, never edit settings.py)."""

import os

from django.conf import settings


def hold_minutes() -> int:
    """How long a booking in progress holds its frame (仮押さえ)."""
    return int(getattr(settings, "RESERVATIONS_HOLD_MINUTES", os.environ.get("RESERVATIONS_HOLD_MINUTES") or 10))
