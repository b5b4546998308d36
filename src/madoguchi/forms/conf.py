"""Settings of the form engine, read in one place."""

import os

from django.conf import settings


def upload_max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", None) or os.environ.get("UPLOAD_MAX_BYTES") or 10 * 1024 * 1024)
