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


def min_group_size() -> int:
    """Smallest count shown in a survey breakdown cell (smaller ones are suppressed: 秘匿)."""
    return _int("PARTICIPATION_MIN_GROUP_SIZE", 5)


def register_keep_days() -> int:
    """Days a register extract may stay after its letters were first printed (then purged)."""
    return _int("PARTICIPATION_REGISTER_KEEP_DAYS", 7)


def survey_cookie_days() -> int:
    """How long an open survey's browser cookie (one response per browser) lives."""
    return _int("PARTICIPATION_SURVEY_COOKIE_DAYS", 365)


def campaign_min_length() -> int:
    """Normalised characters a comment needs before it can be grouped as a campaign (shorter
    ones — 「賛成です」 — are ordinary agreement)."""
    return _int("PARTICIPATION_CAMPAIGN_MIN_LENGTH", 20)


def campaign_accounts() -> int:
    """Accounts posting the same comment that make a campaign flagged to staff."""
    return _int("PARTICIPATION_CAMPAIGN_ACCOUNTS", 3)


def campaign_days() -> int:
    """Days over which the same comment from several accounts is grouped."""
    return _int("PARTICIPATION_CAMPAIGN_DAYS", 7)
