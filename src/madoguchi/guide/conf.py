"""Settings of the guide app (read here, never edited in settings.py)."""

from __future__ import annotations

import os

from django.conf import settings


def reminder_days() -> int:
    """How many days before a deadline a signed-in resident who opted in is reminded."""
    return int(getattr(settings, "GUIDE_REMINDER_DAYS", os.environ.get("GUIDE_REMINDER_DAYS") or 3))


def _int(name: str, default: int) -> int:
    return int(getattr(settings, name, os.environ.get(name) or default))


def walk_floor() -> int:
    """まとめて来庁: minutes to walk to a counter on another floor of the same building."""
    return _int("GUIDE_WALK_FLOOR_MINUTES", 5)


def walk_building() -> int:
    """まとめて来庁: minutes to walk to a counter in another building (分庁舎)."""
    return _int("GUIDE_WALK_BUILDING_MINUTES", 15)


def max_wait() -> int:
    """まとめて来庁: the longest wait for the next counter's slot an itinerary may have."""
    return _int("GUIDE_VISIT_MAX_WAIT_MINUTES", 60)
