"""Figures of alert delivery a DX plan indicator can be bound to (core.registry.metrics)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from madoguchi.core.registry import Metric, metrics
from madoguchi.core.wareki import fiscal_year_range

from .models import Subscription


@metrics.register("alert_subscribers")
class AlertSubscribers(Metric):
    """Subscriptions confirmed by the end of the fiscal year and not stopped by then (those that
    became undeliverable are not counted)."""

    label = "防災・お知らせ配信の登録者数"
    unit = "人"

    def compute(self, municipality, fiscal_year: int) -> Decimal:
        _, end = fiscal_year_range(fiscal_year)
        qs = Subscription.objects.filter(municipality=municipality, confirmed_at__date__lte=end)
        qs = qs.filter(Q(unsubscribed_at__isnull=True) | Q(unsubscribed_at__date__gt=end))
        return Decimal(qs.exclude(status__in=[Subscription.Status.PENDING, Subscription.Status.FAILED]).count())
