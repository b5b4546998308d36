"""Settings of the opendata app, read without editing settings.py (setting, else env, else default)."""

from __future__ import annotations

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def max_upload_bytes() -> int:
    """Open data files are larger than form attachments (a 200,000-row CSV is ~30 MB)."""
    return _int("OPENDATA_UPLOAD_MAX_BYTES", 100 * 1024 * 1024)


def refresh_interval() -> int:
    """Seconds between two regenerations of one generated dataset in one city (at most)."""
    return _int("OPENDATA_REFRESH_INTERVAL", 300)


def search_rows_max() -> int:
    """CKAN's ``ckan.search.rows_max``: the largest page package_search returns."""
    return _int("OPENDATA_SEARCH_ROWS_MAX", 1000)


def datastore_limit_max() -> int:
    """CKAN's ``ckan.datastore.search.rows_max``."""
    return _int("OPENDATA_DATASTORE_ROWS_MAX", 32000)
