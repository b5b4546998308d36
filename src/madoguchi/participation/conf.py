"""Settings of participation (read here, never in settings.py)."""

from __future__ import annotations

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    return int(getattr(settings, name, None) or os.environ.get(name) or default)


def similarity_threshold() -> float:
    """How alike two normalised texts must be (difflib ratio, 0–1) to be suggested as one group."""
    return float(getattr(settings, "PARTICIPATION_SIMILARITY", None) or os.environ.get("PARTICIPATION_SIMILARITY") or 0.8)


def signed_in_write_limit() -> tuple[int, int]:
    """(writes, seconds) per signed-in account for opinions, proposals, comments and reports."""
    return _int("PARTICIPATION_WRITE_LIMIT", 20), _int("PARTICIPATION_WRITE_WINDOW", 600)
