"""Settings of online applications, read with their defaults (settings.py stays untouched)."""

from __future__ import annotations

import os

from django.conf import settings


def case_link_days() -> int:
    """How long a signed case link (照会用リンク) of a case without an account opens the case."""
    return int(getattr(settings, "APPLICATIONS_CASE_LINK_DAYS", None) or os.environ.get("APPLICATIONS_CASE_LINK_DAYS") or 30)
