"""The calendar's version (カレンダーの版): one counter per facility, raised in the same
transaction as every change that alters what the facility's calendars show (a booking made,
confirmed, cancelled or released, a closed period, opening hours, frames, a lottery's status,
the facility's or a unit's settings). The month of frames is cached under a key holding this
number (``reservations.availability``), so a change is seen by the next read after its commit
and never before it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import CityOwned
from .facilities import Facility


class CalendarVersion(CityOwned):
    tenant_parent = "facility"

    # No database constraint and nothing done on delete: a version raised while a facility is
    # being deleted (its bookings' signals) must not block the delete; an orphan row is inert.
    facility = models.ForeignKey(Facility, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    version = models.PositiveBigIntegerField(_("版"), default=0)

    class Meta:
        verbose_name = _("カレンダーの版")
        verbose_name_plural = _("カレンダーの版")
        constraints = [models.UniqueConstraint(fields=["municipality", "facility"], name="calendarversion_one_per_facility")]

    def __str__(self) -> str:
        return f"{self.facility_id}: v{self.version}"
