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


def map_tiles() -> str:
    """Tile URL template of the map preview (地理院タイル by default; its host is allowed by the CSP)."""
    return getattr(settings, "OPENDATA_MAP_TILES", "") or "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"


def map_attribution() -> str:
    return getattr(settings, "OPENDATA_MAP_ATTRIBUTION", "") or "国土地理院"


def map_points_max() -> int:
    """The most points one map preview draws (and lists)."""
    return _int("OPENDATA_MAP_POINTS_MAX", 2000)


def suppress_below() -> int:
    """Small-cell suppression (秘匿) of generated statistics: a count of people from 1 to this − 1
    is published as ``X``. 5 by default: monthly counts per procedure in a small town can point
    at one household (a birth, a death); 0 or 1 turns suppression off."""
    return _int("OPENDATA_SUPPRESS_BELOW", 5)


def statistics_interval() -> int:
    """Seconds between two refreshes of the periodic (statistics) generated datasets."""
    return _int("OPENDATA_STATISTICS_INTERVAL", 6 * 3600)
