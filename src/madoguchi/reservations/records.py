"""A resident's facility bookings in every city (共同運営: a neighbour's hall next to one's own
city's court, in one place); each links to わたしの予約 on its own city's host."""

from __future__ import annotations

from madoguchi.core.links import absolute_url
from madoguchi.core.registry import ResidentRecord, ResidentRecords, resident_records

from .models import Booking


@resident_records.register("reservations")
class Bookings(ResidentRecords):
    label = "施設予約"

    def records(self, user) -> list[ResidentRecord]:
        rows = (
            Booking.objects.filter(user=user)
            .exclude(status__in=[Booking.Status.HELD, Booking.Status.EXPIRED])
            .select_related("unit__facility", "municipality")
            .order_by("-date", "-start")[:200]
        )
        return [
            ResidentRecord(
                municipality=b.municipality,
                kind="施設予約",
                title=f"{b.unit.facility.name} {b.unit.name}（{b.date:%Y/%m/%d} {b.start:%H:%M}）",
                status=b.get_status_display(),
                when=b.date,
                url=absolute_url("reservations:my", municipality=b.municipality),
            )
            for b in rows
        ]
