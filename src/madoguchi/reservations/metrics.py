"""Figures of facility bookings a DX plan indicator can be bound to (core.registry.metrics)."""

from __future__ import annotations

from decimal import Decimal

from madoguchi.core.registry import Metric, metrics
from madoguchi.core.wareki import fiscal_year_range

from .models import Booking


@metrics.register("online_booking_share")
class OnlineBookingShare(Metric):
    """Share of the bookings made in the fiscal year that residents made themselves (first come
    or lottery) rather than staff at the counter (窓口). Bookings that never became real (held,
    cancelled, expired, released) count neither way; no bookings → no figure."""

    label = "施設予約のオンライン比率"
    unit = "%"

    NOT_REAL = (Booking.Status.HELD, Booking.Status.CANCELLED, Booking.Status.EXPIRED, Booking.Status.RELEASED)

    def compute(self, municipality, fiscal_year: int) -> Decimal | None:
        start, end = fiscal_year_range(fiscal_year)
        qs = Booking.objects.filter(unit__facility__municipality=municipality, created_at__date__gte=start, created_at__date__lte=end)
        qs = qs.exclude(status__in=self.NOT_REAL)
        total = qs.count()
        if not total:
            return None
        online = qs.exclude(source=Booking.Source.STAFF).count()
        return (Decimal(online) * 100 / Decimal(total)).quantize(Decimal("0.1"))
