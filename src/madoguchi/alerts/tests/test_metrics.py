"""The figure alerts contributes to plan indicators (core.registry.metrics), computed from real
subscriptions: per municipality, as of the end of each fiscal year."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from madoguchi.alerts.models import Subscription
from madoguchi.core.models import Municipality
from madoguchi.core.registry import compute_metric, metrics

JST = ZoneInfo("Asia/Tokyo")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


@pytest.mark.django_db
def test_alert_subscribers_confirmed_and_not_stopped_by_the_end_of_the_year():
    a = Municipality.objects.create(name="みどり野市", code="139998")
    b = Municipality.objects.create(name="別市", code="139980")
    S = Subscription.Status
    rows = [
        (a, S.ACTIVE, at(2025, 6, 1), None),  # FY2025 on
        (a, S.ACTIVE, at(2027, 3, 31, 23, 30), None),  # confirmed in the last minutes of FY2026
        (a, S.UNSUBSCRIBED, at(2025, 5, 1), at(2026, 4, 1, 0, 30)),  # stopped in FY2026: counts for FY2025 only
        (a, S.UNSUBSCRIBED, at(2026, 5, 1), at(2026, 8, 1)),  # confirmed and stopped within FY2026
        (a, S.PENDING, None, None),  # never confirmed
        (a, S.FAILED, at(2025, 6, 1), None),  # undeliverable
        (b, S.ACTIVE, at(2025, 6, 1), None),
    ]
    for i, (muni, status, confirmed, stopped) in enumerate(rows):
        Subscription.objects.create(
            municipality=muni, channel="email", address=f"s{i}@example.jp", status=status, confirmed_at=confirmed, unsubscribed_at=stopped
        )
    assert compute_metric("alert_subscribers", a, 2024) == Decimal(0)
    assert compute_metric("alert_subscribers", a, 2025) == Decimal(2)
    assert compute_metric("alert_subscribers", a, 2026) == Decimal(2)
    assert compute_metric("alert_subscribers", b, 2026) == Decimal(1)
    metric = metrics["alert_subscribers"]
    assert (metric.label, metric.unit) == ("防災・お知らせ配信の登録者数", "人")
