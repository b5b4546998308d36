"""Channel registry (配信チャネル). A channel turns a notice into what one medium carries and, for
subscriber channels, sends batches of deliveries. Add a channel (e.g. Lアラート/PCXML) by
subclassing ``Channel`` and calling ``register``; feeds set ``per_subscriber = False``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from madoguchi.core import registry


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # temporary: try again later with backoff
    # The address itself is dead (SMTP RCPT 5xx for this recipient, push 404/410, LINE "the
    # 'to' user is invalid"): the message fails and the subscription is marked failed.
    PERMANENT = "permanent"
    # This message was refused for a reason that is not the address (the relay refused our
    # MAIL FROM or the DATA, push 400/413, a generic LINE 400): the delivery fails and is
    # reported; the subscription stays active.
    FAILED = "failed"


@dataclass
class Result:
    delivery_id: int
    outcome: Outcome
    error: str = ""


@dataclass
class Preview:
    channel: str
    label: str
    language: str
    subject: str = ""
    text: str = ""
    size: int = 0
    limit: int = 0
    extra: dict = field(default_factory=dict)


class Channel:
    name: str = ""
    label: str = ""
    per_subscriber: bool = True
    # How many accepted messages may be written as "sent" in one UPDATE. 1 = each message is
    # marked before the next is sent, so a killed worker re-sends at most the one in flight —
    # right for media with no de-duplication (email). Media that collapse a re-send by a key
    # (Web Push Topic + notification tag) can mark a whole chunk at once.
    mark_every: int = 1
    # Carries personal notices to one resident (alerts.personal.notify_user): the subscriber's
    # consent to this channel covers the city's messages about their own proposals and opinions.
    personal: bool = False

    def check(self) -> list:
        """System check (core.registry): a channel must name itself and say what it is."""
        from django.core import checks

        problems = []
        if not self.name or not self.label:
            problems.append(checks.Error(f"channel {type(self).__name__} needs a name and a label", id="madoguchi.E030"))
        if self.per_subscriber and type(self).send_batch is Channel.send_batch:
            problems.append(checks.Error(f"subscriber channel {self.name!r} does not implement send_batch()", id="madoguchi.E031"))
        overridden = type(self).send_personal is not Channel.send_personal or type(self).queue_personal is not Channel.queue_personal
        if self.personal and not (self.per_subscriber and overridden):
            problems.append(
                checks.Error(f"channel {self.name!r} says personal but implements neither send_personal() nor queue_personal()", id="madoguchi.E032")
            )
        return problems

    def validate(self, notice) -> list[str]:
        """Japanese messages for problems that would stop this channel from carrying the notice."""
        return []

    def preview(self, notice, language: str) -> Preview:
        raise NotImplementedError

    def send_batch(self, notice, deliveries, report) -> None:
        """Send each delivery; call ``report(Result)`` as soon as the medium accepted or refused
        it, so that the caller can mark it before the next one is attempted."""
        raise NotImplementedError

    # --- personal notices (alerts.personal.notify_user) --------------------------------------
    def queue_personal(self, subscription, template: str, context: dict, *, url: str, key: str, municipality) -> None:
        """Put one personal notice for ``subscription`` in the outbox (never send it here). The
        default renders it now and queues the ``alerts.send_personal`` task, which calls
        ``send_personal``; the email channel queues it on the one email path instead."""
        from ..personal import queue_rendered

        queue_rendered(subscription, template, context, url=url, key=key, municipality=municipality)

    def send_personal(self, subscription, message) -> Result:
        """Send an ``alerts.personal.PersonalMessage`` to the subscription's address and return
        the medium's answer (``Result`` with delivery_id 0). For channels with ``personal``."""
        raise NotImplementedError


def register(channel: Channel) -> Channel:
    """Add a channel to the platform's one registry (``core.registry.channels``)."""
    return registry.channels.register(channel.name, channel)


def get(name: str) -> Channel:
    return registry.channels[name]


def label_for(name: str) -> str:
    """A channel's name as people read it (its plugin's ``label``: メール, Webプッシュ通知, LINE),
    never the key stored in the database (email, webpush, line)."""
    channel = registry.channels.get(name)
    return str(channel.label) if channel else name


def labels_for(names) -> list[str]:
    return [label_for(n) for n in names or []]


def all_channels() -> dict[str, Channel]:
    return dict(registry.channels.items())


def subscriber_channels() -> dict[str, Channel]:
    return {k: v for k, v in all_channels().items() if v.per_subscriber}


# The registry discovers this package (module "channels"); its channels register on import.
from . import cap, email, line, web, webpush  # noqa: E402, F401
