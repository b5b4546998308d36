"""Background work of the payments app."""

from madoguchi.core.tasks import periodic

from . import services


@periodic("payments.expire_overdue", every=300)
def expire_overdue() -> None:
    services.expire_overdue()
