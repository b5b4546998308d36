"""Shared helpers: codes, tokens, the city-owned base and the user categories."""

from __future__ import annotations

import re
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core import models as core_models

WEEKDAYS = ["月", "火", "水", "木", "金", "土", "日"]
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the counter


def new_code(length: int = 8) -> str:
    # 32 symbols divide 256, so byte % 32 is uniform (and ~10x faster than secrets.choice,
    # which counts when a draw creates thousands of bookings at once).
    return "".join(CODE_ALPHABET[b % 32] for b in secrets.token_bytes(length))


def new_token() -> str:
    return secrets.token_urlsafe(16)


def split_items(text: str) -> list[str]:
    """「転入届;転出届、転居届」 or one per line → a list to show as one (residents never see the
    separators staff typed)."""
    return [item.strip() for item in re.split(r"[;；、,，\n]", text or "") if item.strip()]


# Every table of this app carries its municipality (共同運営, issue #10): core's base, whose
# manager also fills and checks the city on bulk_create.
CityOwned = core_models.CityOwned


class UserCategory(models.TextChoices):
    """利用者区分 (fees differ by category)."""

    RESIDENT = "resident", _("市内個人")
    RESIDENT_GROUP = "resident_group", _("市内団体")
    NON_RESIDENT = "non_resident", _("市外")
