"""Personal notices (個人あての通知): one message to one resident — the official answer to their
proposal, the 市の考え方 on their opinion — through the channels that resident chose.

The one-user send is ``notify_user(user, template, context, *, url=, dedupe_key=, municipality=)``:

- **Which channels.** The user's ACTIVE alert subscriptions (配信登録, confirmed by the resident:
  email double opt-in, a linked LINE account, a browser's Web Push) in the active city, on every
  registered channel that carries personal notices (``Channel.personal``). A resident with none
  gets an email at the account's address: the only contact they gave the city.
- **Always through the outbox.** Nothing is sent in the caller's request: email goes through the
  one email path (``core.notify.send_template``, itself an outbox task); Web Push and LINE are an
  ``alerts.send_personal`` task per subscription (``deliver``) with the text already rendered, so
  the context may hold model instances. Queued inside the caller's transaction: a rollback sends
  nothing.
- **One template per message kind**: ``<app>/email/<name>_subject.txt`` and ``<name>.txt`` (the
  email, and the LINE text), optional ``<name>_short.txt`` (a push notification's one or two
  lines; else the subject) — rendered in the subscription's language (``language`` in the
  context is the subscription's own, ``ja-easy`` included, so a template can choose やさしい日本語).
- **Idempotent.** ``dedupe_key`` (stable per message and recipient, e.g. the answer's time) is
  extended per subscription: enqueueing twice sends once, and a re-run task re-sends with the
  same LINE retry key and the same push Topic, which the services drop or collapse.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.template import TemplateDoesNotExist

from madoguchi.core import notify
from madoguchi.core.models import Municipality
from madoguchi.core.tasks import enqueue

from .channels import Outcome, Result
from .channels import get as get_channel
from .models import Subscription

log = logging.getLogger(__name__)

ACCOUNT_EMAIL = "account_email"  # what notify_user reports when it fell back to the account's address
SHORT_MAX = 200  # characters of a push notification's body


@dataclass(frozen=True)
class PersonalMessage:
    """A personal notice rendered for one subscription (what a channel's ``send_personal`` gets)."""

    key: str  # stable per message and subscription: LINE's retry key, the push Topic and tag
    subject: str
    body: str  # plain text, the template's .txt
    short: str  # a push notification's body
    url: str = ""  # absolute link to the page the message is about ("" when none)

    @property
    def retry_uuid(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"madoguchi:personal:{self.key}"))

    @property
    def topic(self) -> str:
        """RFC 8030 Topic: at most 32 characters of the URL-safe base64 alphabet."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:32]


def django_language(language: str) -> str | None:
    """The Django language of a subscription's language (``ja-easy`` is the alerts' own: Japanese
    i18n, with ``language`` in the context for the template to choose)."""
    return language if language in dict(settings.LANGUAGES) else None


def personal_subscriptions(user, municipality=None) -> list[Subscription]:
    """The user's active subscriptions in the city on channels that carry personal notices."""
    from madoguchi.core import registry

    if user is None or not getattr(user, "pk", None):
        return []
    names = [name for name, channel in registry.channels.items() if getattr(channel, "personal", False)]
    rows = Subscription.objects.filter(user=user, status=Subscription.Status.ACTIVE, channel__in=names).exclude(address="")
    if municipality is not None:
        rows = rows.filter(municipality=municipality)
    return list(rows.order_by("channel", "pk"))


def notify_user(user, template: str, context: dict | None = None, *, url: str = "", dedupe_key: str | None = None, municipality=None) -> list[str]:
    """Queue the personal notice ``template`` for ``user`` on every channel they chose (see the
    module's docstring); returns the channel names queued, one per subscription (``["email",
    "line"]``), ``["account_email"]`` after the fallback, ``[]`` when the user has no way to be
    reached. Call it inside the transaction that made the news."""
    municipality = municipality or Municipality.current()
    context = dict(context or {})
    queued = []
    for sub in personal_subscriptions(user, municipality):
        key = _key(dedupe_key, sub.pk)
        get_channel(sub.channel).queue_personal(sub, template, {**context, "language": sub.language}, url=url, key=key, municipality=municipality)
        queued.append(sub.channel)
    if not queued and user is not None and getattr(user, "email", ""):
        notify.send_template(
            user.email,
            template,
            {**context, "language": "ja"},
            municipality=municipality,
            dedupe_key=_dedupe("notify_user", _key(dedupe_key, "account")),
        )
        queued.append(ACCOUNT_EMAIL)
    return queued


def _key(dedupe_key: str | None, suffix) -> str:
    return f"{dedupe_key or secrets.token_hex(8)}:{suffix}"


def _dedupe(prefix: str, key: str) -> str:
    """An outbox dedupe key within the column's 200 characters (long keys are hashed)."""
    value = f"alerts.{prefix}:{key}"
    return value if len(value) <= 200 else f"alerts.{prefix}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def render(template: str, context: dict, *, municipality, language: str) -> tuple[str, str, str]:
    """``(subject, body, short)`` of a personal notice in ``language``."""
    from django.template.loader import get_template

    lang = django_language(language)
    subject, body, _html = notify.render_template(template, context, municipality=municipality, language=lang)
    try:
        get_template(f"{template}_short.txt")
    except TemplateDoesNotExist:
        short = subject
    else:
        short = " ".join(notify.render_text(f"{template}_short.txt", context, municipality=municipality, language=lang).split())
    if len(short) > SHORT_MAX:
        short = short[: SHORT_MAX - 1] + "…"
    return subject, body, short


def queue_rendered(subscription: Subscription, template: str, context: dict, *, url: str, key: str, municipality) -> None:
    """The outbox entry of a personal notice on a non-email channel: rendered now (the context
    may hold models), sent by the ``alerts.send_personal`` task."""
    subject, body, short = render(template, context, municipality=municipality, language=subscription.language)
    enqueue(
        "alerts.send_personal",
        dedupe_key=_dedupe("personal", key),
        for_city=subscription.municipality_id,
        subscription_id=subscription.pk,
        key=key,
        subject=subject,
        body=body,
        short=short,
        url=url,
    )


class PersonalRetry(Exception):
    """The medium answered "later": the task fails this attempt and the outbox retries it."""


def deliver(subscription_id: int, key: str, subject: str, body: str, short: str, url: str = "") -> str:
    """Send one personal notice (the ``alerts.send_personal`` task). A subscription stopped since
    is skipped; a dead address marks it failed, as the notices' delivery does."""
    from .services import acquire_rate

    sub = Subscription.objects.filter(pk=subscription_id).first()
    if sub is None or sub.status != Subscription.Status.ACTIVE:
        return "skipped"
    channel = get_channel(sub.channel)
    acquire_rate(sub.channel, 1)
    result: Result = channel.send_personal(sub, PersonalMessage(key=key, subject=subject, body=body, short=short, url=url))
    if result.outcome == Outcome.RETRY:
        raise PersonalRetry(result.error or sub.channel)
    if result.outcome == Outcome.PERMANENT:
        Subscription.objects.filter(pk=sub.pk).update(status=Subscription.Status.FAILED, failure_reason=result.error[:300])
    elif result.outcome == Outcome.FAILED:
        log.warning("personal notice %s on %s#%s refused: %s", key, sub.channel, sub.pk, result.error)
    return str(result.outcome)
