"""Plans consume the platform's figures (core.registry ``metrics``); they define none. Each app
contributes the figures of its own data in ``<app>/metrics.py`` (see README, "Binding an
indicator to platform data"). This module only offers them to the indicator form and computes
them through ``core.registry.compute_metric``."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from madoguchi.core.registry import MetricError, compute_metric
from madoguchi.core.registry import metrics as registry
from madoguchi.core.wareki import fiscal_year as fiscal_year_of

__all__ = ["MetricError", "available", "choices", "compute", "current_fiscal_year", "label"]

UNAVAILABLE_NOTE = "※この機能は未導入のため集計できません"


def current_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate())


def available(code: str) -> bool:
    """A metric is available when an installed app contributes it."""
    return bool(code) and code in registry


def label(code: str) -> str:
    metric = registry.get(code)
    return metric.label if metric else code


def choices() -> list[tuple[str, str]]:
    """The form's choices: every contributed metric, and codes indicators are bound to whose app
    is not installed (so an existing binding stays shown and can be kept or removed)."""
    from .models import Indicator

    known = [(code, f"{m.label}（{m.unit}）") for code, m in registry.items()]
    bound = Indicator.objects.exclude(metric="").values_list("metric", flat=True).distinct()
    missing = [(code, f"{code}{UNAVAILABLE_NOTE}") for code in sorted(set(bound)) if code not in registry]
    return [("", "（連動しない）")] + known + missing


def compute(code: str, municipality, fiscal_year: int) -> Decimal | None:
    """The figure, or ``None`` when it does not apply to the year. Raises ``MetricError`` (already
    logged by ``compute_metric``) when the metric is unknown or failed."""
    value = compute_metric(code, municipality, fiscal_year)
    return None if value is None else Decimal(value)
