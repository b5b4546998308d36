"""Background work of alerts (autodiscovered by core): fan-out, delivery, sweep, CAP import."""

from __future__ import annotations

import logging

from madoguchi.core.tasks import periodic, task

from . import conf, services

log = logging.getLogger(__name__)


@task("alerts.fan_out")
def fan_out(notice_id: int) -> None:
    services.fan_out(notice_id)


@task("alerts.deliver", max_attempts=20)
def deliver(notice_id: int, channel: str, slot: int = 0, round: int = 0) -> None:
    services.deliver(notice_id, channel, slot, round)


@task("alerts.send_personal")
def send_personal(subscription_id: int, key: str, subject: str, body: str, short: str, url: str = "") -> None:
    """One personal notice on Web Push or LINE (``personal.notify_user``); RETRY raises, so the
    outbox retries it with backoff."""
    from . import personal

    personal.deliver(subscription_id, key, subject, body, short, url)


@periodic("alerts.sweep", every=60)
def sweep() -> None:
    services.sweep()


@periodic("alerts.import_cap", every=300)
def import_cap() -> None:
    """Poll the upstream CAP feed (ALERTS_CAP_IMPORT_URL) into draft notices."""
    from madoguchi.core.models import Municipality, Section

    url = conf.cap_feed_url()
    municipality = Municipality.current()
    if not url or municipality is None:
        return
    section = Section.objects.filter(municipality=municipality, name="防災安全課").first() or Section.objects.filter(municipality=municipality).first()
    if section is None:
        return
    services.import_cap_feed(municipality, url, section)
