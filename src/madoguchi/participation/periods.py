"""What a public comment (意見公募) and a survey (アンケート) share: a published period, owned by a
section. A plain mixin (no fields), so each model keeps its own columns and labels."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


class OpenPeriod:
    """Needs ``is_published``, ``starts_on``, ``ends_on`` and ``section``."""

    @property
    def audit_section(self):
        return self.section

    def is_open(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_published and self.starts_on <= today <= self.ends_on
