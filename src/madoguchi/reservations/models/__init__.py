"""Reservations (予約): public facilities (公共施設予約, first-come and lottery), counter visits
(来庁予約), consultations (相談予約) and queue tickets (整理券).

Safety rules live in the database, not only in Python:
- a unit/frame can be held or booked once: a conditional UniqueConstraint on
  (unit, date, start) over the active statuses (expired holds are flipped to ``expired`` in the
  same transaction before inserting, so they never block);
- a counter slot's capacity is a CheckConstraint (booked <= capacity) and bookings raise the
  counter with a conditional UPDATE.

One module per sub-domain (``base``, ``facilities``, ``registrations``, ``lotteries``,
``bookings``, ``counters``); every model and public name is re-exported here, so
``from madoguchi.reservations.models import X`` is the way to import them.
"""

from .base import (
    CODE_ALPHABET,
    WEEKDAYS,
    CityOwned,
    UserCategory,
    new_code,
    new_token,
)
from .bookings import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    frame_key,
)
from .calendars import CalendarVersion
from .counters import (
    Counter,
    CounterHours,
    CounterSlot,
    QueueDay,
    QueueTicket,
    Visit,
)
from .facilities import (
    ClosedPeriod,
    Facility,
    Fee,
    FrameDefinition,
    OpeningHours,
    Unit,
)
from .lotteries import (
    Lottery,
    LotteryApplication,
    LotteryWish,
)
from .registrations import (
    ExemptionRule,
    Group,
    Registration,
    UseAgreement,
)

__all__ = [
    "WEEKDAYS",
    "CODE_ALPHABET",
    "new_code",
    "new_token",
    "CityOwned",
    "UserCategory",
    "Facility",
    "OpeningHours",
    "ClosedPeriod",
    "Unit",
    "FrameDefinition",
    "Fee",
    "ExemptionRule",
    "Group",
    "Registration",
    "UseAgreement",
    "Lottery",
    "LotteryApplication",
    "LotteryWish",
    "frame_key",
    "ACTIVE_BOOKING_STATUSES",
    "Booking",
    "CalendarVersion",
    "Counter",
    "CounterHours",
    "CounterSlot",
    "Visit",
    "QueueDay",
    "QueueTicket",
]
