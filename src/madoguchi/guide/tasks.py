"""Background work of the guide app (autodiscovered by core)."""

from madoguchi.core.tasks import periodic

from . import services


@periodic("guide.reminders", every=6 * 3600)
def reminders():
    """期限のお知らせ: saved checklists whose steps fall due soon (services.send_reminders)."""
    return services.send_reminders()
