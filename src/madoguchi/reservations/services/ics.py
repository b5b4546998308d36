"""The .ics calendar file of a booking (mailed and downloadable)."""

from __future__ import annotations

from django.utils import timezone

from madoguchi.core.ics import calendar_file

from ..models import (
    Booking,
)


def booking_ics(booking: Booking) -> bytes:
    event = {
        "uid": f"booking-{booking.code}@madoguchi",
        "summary": f"{booking.unit}",
        "dtstart": booking.starts_at,
        "dtend": booking.ends_at,
        "dtstamp": timezone.now(),
        "location": booking.unit.facility.address or booking.unit.facility.name,
        "description": f"予約番号 {booking.code}",
    }
    return calendar_file("-//Madoguchi//reservations//JA", [event])


def ics_attachment(booking_id: int):
    booking = Booking.objects.select_related("unit__facility").get(pk=booking_id)
    return (f"booking-{booking.code}.ics", booking_ics(booking), "text/calendar")
