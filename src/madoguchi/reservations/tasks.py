"""Background work of reservations (idempotent: each handler may run more than once)."""

from madoguchi.core.tasks import periodic, task

from . import services
from .services import emails


@task("reservations.booking_confirmed")
def booking_confirmed(booking_id: int) -> None:
    emails.send_booking_confirmed(booking_id)


@periodic("reservations.expire_holds", every=60)
def expire_holds() -> None:
    services.expire_holds()


@periodic("reservations.draw_lotteries", every=60)
def draw_lotteries() -> None:
    services.draw_due_lotteries()


@periodic("reservations.release_unconfirmed", every=600)
def release_unconfirmed() -> None:
    services.remind_unconfirmed()
    services.release_unconfirmed()


@periodic("reservations.send_reminders", every=3600)
def send_reminders() -> None:
    services.send_reminders()


@task("reservations.lottery_results")
def lottery_results(lottery_id: int) -> None:
    services.send_lottery_results(lottery_id)
