"""Settings of the plans app, read without editing settings.py."""

import os
from pathlib import Path

from django.conf import settings


def seeds_dir() -> Path | None:
    """Where the real plan documents are: MADOGUCHI_SEEDS_DIR, else <project>/../shared/seeds,
    else the copies bundled in plans/fixtures/seeds."""
    configured = getattr(settings, "MADOGUCHI_SEEDS_DIR", None) or os.environ.get("MADOGUCHI_SEEDS_DIR")
    candidates = [Path(configured)] if configured else []
    base = Path(getattr(settings, "PROJECT_DIR", Path(__file__).resolve().parents[3]))
    candidates += [base.parent / "shared" / "seeds", Path(__file__).resolve().parent / "fixtures" / "seeds"]
    for path in candidates:
        if path.is_dir() and any(path.glob("00[123]_*.txt")):
            return path
    return None
