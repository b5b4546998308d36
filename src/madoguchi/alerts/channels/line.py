"""LINE channel through the Messaging API (line-bot-sdk v3). The host is configurable
(LINE_API_HOST) so tests and proxies can stand in for api.line.me. Each push carries an
X-Line-Retry-Key derived from the delivery, so LINE itself drops a re-send after a crash (409)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import conf
from . import Channel, Outcome, Preview, Result, register, render

MAX_TEXT = 5000  # characters per text message


def text(notice, language: str, unsubscribe: str | None = None) -> str:
    body = render.plain(notice, language, with_title=True)
    if unsubscribe:
        body += f"\n{render.LABELS[render._lang(language)]['stop']}: {unsubscribe}"
    return body


def stop_line(language: str, token: str) -> str:
    """The unsubscribe line appended to every LINE message (with the real URL)."""
    return f"\n{render.LABELS[render._lang(language)]['stop']}: {render.unsubscribe_url_for(token)}"


def stop_line_room(language: str) -> int:
    """Characters the unsubscribe line can take: its label and the URL of the longest token
    a subscription can have (Subscription.token max_length), on this site's SITE_URL."""
    from ..models import Subscription

    return len(stop_line(language, "x" * Subscription._meta.get_field("token").max_length))


def fit(body: str, tail: str) -> str:
    """``body`` + ``tail`` within MAX_TEXT: the body is shortened (with …), never the tail,
    so the unsubscribe link at the end always arrives whole."""
    if len(body) + len(tail) <= MAX_TEXT:
        return body + tail
    return body[: max(0, MAX_TEXT - len(tail) - 1)] + "…" + tail


def api_client(municipality=None):
    """A client with the city's own channel access token (``municipality``, else the active city)."""
    from linebot.v3.messaging import ApiClient, Configuration

    return ApiClient(Configuration(host=conf.line_api_host(), access_token=conf.line_channel_access_token(municipality)))


class LineChannel(Channel):
    name = "line"
    label = "LINE"

    def validate(self, notice) -> list[str]:
        problems = []
        for lang in notice.languages():
            length = len(text(notice, lang)) + stop_line_room(lang)  # room for the real unsubscribe line
            if length > MAX_TEXT:
                problems.append(
                    _("LINE では1通%(max)s文字までです。%(lang)sの本文を%(over)s文字以上減らしてください（現在 約%(len)s文字）。")
                    % {"max": MAX_TEXT, "lang": render.language_name(lang), "over": length - MAX_TEXT, "len": length}
                )
        return problems

    def preview(self, notice, language: str) -> Preview:
        t = text(notice, language)
        return Preview(self.name, self.label, language, subject="", text=t, size=len(t), limit=MAX_TEXT)

    personal = True

    def send_personal(self, subscription, message) -> Result:
        """One text message: subject, body, the link when the body lacks it, the stop line; the
        retry key is derived from the message's key, so a re-run task is dropped by LINE (409)."""
        from linebot.v3.messaging import MessagingApi, PushMessageRequest, TextMessage
        from linebot.v3.messaging.exceptions import ApiException

        body = f"{message.subject}\n\n{message.body.strip()}"
        if message.url and message.url not in body:
            body += f"\n{message.url}"
        text_ = fit(body, stop_line(subscription.language, subscription.token))
        try:
            with api_client(subscription.municipality) as client:
                MessagingApi(client).push_message(
                    PushMessageRequest(to=subscription.address, messages=[TextMessage(text=text_)]), x_line_retry_key=message.retry_uuid
                )
        except ApiException as exc:
            return _api_result(0, exc)
        except Exception as exc:  # noqa: BLE001 — network trouble: retried with backoff
            return Result(0, Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:300])
        return Result(0, Outcome.SENT)

    def send_batch(self, notice, deliveries, report) -> None:
        from linebot.v3.messaging import MessagingApi, PushMessageRequest, TextMessage
        from linebot.v3.messaging.exceptions import ApiException

        cache: dict[str, str] = {}
        with api_client(notice.municipality) as client:
            api = MessagingApi(client)
            for d in deliveries:
                sub = d.subscription
                if sub.language not in cache:
                    cache[sub.language] = text(notice, sub.language)
                message = fit(cache[sub.language], stop_line(sub.language, sub.token))
                try:
                    api.push_message(PushMessageRequest(to=sub.address, messages=[TextMessage(text=message)]), x_line_retry_key=d.idempotency_key)
                    report(Result(d.pk, Outcome.SENT))
                except ApiException as exc:
                    report(_api_result(d.pk, exc))
                except Exception as exc:  # noqa: BLE001 — network trouble: retried with backoff
                    report(Result(d.pk, Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:300]))


def _api_result(delivery_id: int, exc) -> Result:
    """What a LINE API error means for one message."""
    status = exc.status or 0
    if status == 409:  # the same retry key was accepted before
        return Result(delivery_id, Outcome.SENT)
    if status == 400 and recipient_invalid(exc.body):
        return Result(delivery_id, Outcome.PERMANENT, f"LINE 400: 宛先のユーザーIDが無効です {(exc.body or '')[:200]}")
    if status == 400:  # our request (size, format, token scope): not the user
        return Result(delivery_id, Outcome.FAILED, f"LINE 400: {(exc.body or '')[:200]}")
    return Result(delivery_id, Outcome.RETRY, f"LINE {status}: {(exc.body or '')[:200]}")


def recipient_invalid(body) -> bool:
    """A LINE error body saying the recipient (the ``to`` user id) is invalid, e.g.
    ``{"message": "The property, 'to', in the request body is invalid (line: -, column: -)"}``
    or ``{"message": "...", "details": [{"property": "to", ...}]}``."""
    import json

    try:
        data = json.loads(body or "")
    except (TypeError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    details = data.get("details") or []
    if any(isinstance(x, dict) and x.get("property") == "to" for x in details):
        return True
    message = str(data.get("message", "")).lower()
    return "'to'" in message and "invalid" in message


def parse_webhook(body: str, signature: str):
    """Events of a webhook call; raises linebot.v3.exceptions.InvalidSignatureError."""
    from linebot.v3 import WebhookParser

    return WebhookParser(conf.line_channel_secret()).parse(body, signature)


register(LineChannel())
