"""The month calendars as public reads (``core.publicread``): the same JSON, ETag and caching
headers as the API operations ``GET /api/reservations/units/{id}/availability`` and
``…/facilities/{id}/availability`` (which stay the documented, validating path), answered
before sessions and accounts. Anything but a well-formed request for a bookable unit or public
facility of the city goes on to those operations, which give the Japanese errors."""

from __future__ import annotations

from madoguchi.core import tenancy
from madoguchi.core.registry import PublicRead, public_reads

from . import availability


def _year_month(request) -> tuple[int, int] | None:
    """``year`` and ``month`` as the operations accept them (2000–2100, 1–12), else None."""
    year, month = request.GET.get("year", ""), request.GET.get("month", "")
    if not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()) or len(year) > 4 or len(month) > 2:
        return None
    y, m = int(year), int(month)
    return (y, m) if 2000 <= y <= 2100 and 1 <= m <= 12 else None


@public_reads.register("reservations.unit_month")
class UnitMonth(PublicRead):
    pattern = r"^/api/reservations/units/(?P<unit_id>[1-9][0-9]{0,17})/availability$"

    def handle(self, request, unit_id: str):
        ym = _year_month(request)
        city = tenancy.current_id()
        found = None if ym is None else availability.unit_version(int(unit_id), city)
        if found is None:
            return None
        cal = availability.month(int(unit_id), *ym, municipality_id=city, version=found[1], api_only=True)
        return None if cal is None else availability.response(request, cal)


@public_reads.register("reservations.facility_month")
class FacilityMonth(PublicRead):
    pattern = r"^/api/reservations/facilities/(?P<facility_id>[1-9][0-9]{0,17})/availability$"

    def handle(self, request, facility_id: str):
        ym = _year_month(request)
        cal = None if ym is None else availability.facility_month(int(facility_id), *ym, municipality_id=tenancy.current_id())
        return None if cal is None else availability.response(request, cal)
