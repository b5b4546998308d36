"""Background work of the guide app (autodiscovered by core)."""

from madoguchi.core.tasks import periodic

from . import services


@periodic("guide.reminders", every=6 * 3600)
def reminders():
    """期限のお知らせ: saved checklists whose steps fall due soon (services.send_reminders)."""
    return services.send_reminders()


@periodic("guide.plan_reminders", every=3600)
def plan_reminders():
    """前日のお知らせ of まとめて来庁 (itinerary.send_reminders), hourly like reservations' own."""
    from . import itinerary

    return itinerary.send_reminders()
