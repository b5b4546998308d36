"""Email channel: plain text + HTML, RFC 8058 one-click unsubscribe headers, one SMTP connection
per batch. SMTP 5xx at RCPT for a recipient is permanent (the subscription is marked failed);
a refused MAIL FROM, 4xx and connection trouble are retried; a refused DATA fails that message
only."""

from __future__ import annotations

import re
import smtplib
import ssl
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string

from . import Channel, Outcome, Preview, Result, register, render

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class EmailChannel(Channel):
    name = "email"
    label = "メール"
    personal = True

    def queue_personal(self, subscription, template: str, context: dict, *, url: str, key: str, municipality) -> None:
        """A personal notice by email goes on the one email path (``core.notify``, an outbox
        task), to the address the resident confirmed for this subscription."""
        from madoguchi.core import notify

        from ..personal import _dedupe, django_language

        notify.send_template(
            subscription.address,
            template,
            context,
            municipality=municipality,
            language=django_language(subscription.language),
            dedupe_key=_dedupe("personal", key),
        )

    def preview(self, notice, language: str) -> Preview:
        text = render.plain(notice, language) + "\n" + render.LABELS[render._lang(language)]["stop"] + ": https://…"
        return Preview(self.name, self.label, language, subject=render.title(notice, language), text=text, size=len(text.encode()))

    def _parts(self, notice, language: str, cache: dict):
        if language not in cache:
            subject = render.title(notice, language)
            text = render.plain(notice, language)
            html = render_to_string("alerts/email_notice.html", {"notice": notice, "title": subject, "text": text, "language": language})
            cache[language] = (subject, text, html)
        return cache[language]

    def build(self, notice, language: str, address: str, token: str, message_id: str, cache: dict) -> EmailMultiAlternatives:
        subject, text, html = self._parts(notice, language, cache)
        unsub = render.unsubscribe_url_for(token)
        manage = render.manage_url_for(token) if token != PH_TOKEN else PH_MANAGE_URL
        labels = render.LABELS[render._lang(language)]
        stop = labels["stop"]
        domain = settings.DEFAULT_FROM_EMAIL.split("@")[-1]
        headers = {
            "List-Unsubscribe": f"<{unsub}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # Stable per delivery, so a re-send after a crash is recognisable as the same message.
            "Message-ID": f"<{message_id}@{domain}>",
            "Auto-Submitted": "auto-generated",
        }
        if notice.is_emergency:
            headers["Priority"] = "urgent"
        body = f"{text}\n{labels['manage']}: {manage}\n{stop}: {unsub}\n"
        msg = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [address], headers=headers)
        msg.attach_alternative(html.replace("__UNSUBSCRIBE_URL__", unsub).replace("__MANAGE_URL__", manage), "text/html")
        return msg

    def message(self, notice, delivery, cache: dict) -> EmailMultiAlternatives:
        sub = delivery.subscription
        return self.build(notice, sub.language, sub.address, sub.token, delivery.idempotency_key, cache)

    def raw(self, notice, delivery, cache: dict) -> bytes:
        """The message as SMTP DATA. Building a MIME message with Python's email package costs
        a few ms; the per-recipient parts (To, Message-ID, the token in the links) are ASCII, so
        the message is built once per language with placeholders and the bytes are filled in.
        Falls back to a full build when a placeholder did not survive verbatim (e.g. a body
        that needed quoted-printable) or the address is not plain ASCII."""
        sub = delivery.subscription
        key = ("raw", sub.language)
        if key not in cache:
            tpl = self.build(notice, sub.language, PH_ADDRESS, PH_TOKEN, PH_MESSAGE_ID, cache).message().as_bytes(linesep="\r\n")
            intact = (
                tpl.count(PH_ADDRESS.encode()) == 1
                and tpl.count(PH_MESSAGE_ID.encode()) == 1
                and tpl.count(PH_TOKEN.encode()) == TOKEN_USES
                and tpl.count(PH_MANAGE_URL.encode()) == MANAGE_USES
            )
            cache[key] = tpl if intact else None
        tpl = cache[key]
        if tpl is None or not _plain_ascii(sub.address) or not _plain_ascii(sub.token):
            return self.message(notice, delivery, cache).message().as_bytes(linesep="\r\n")
        return (
            tpl.replace(PH_ADDRESS.encode(), sub.address.encode())
            .replace(PH_MESSAGE_ID.encode(), delivery.idempotency_key.encode())
            .replace(PH_TOKEN.encode(), sub.token.encode())
            .replace(PH_MANAGE_URL.encode(), self._manage_url(sub.token, cache).encode())
        )

    def _manage_url(self, token: str, cache: dict) -> str:
        if "manage" not in cache:  # reverse() once per batch, an HMAC per message
            cache["manage"] = render.manage_url_for_key("KEY9f3c1e7a")
        from ..services import manage_key

        return cache["manage"].replace("KEY9f3c1e7a", manage_key(token))

    def send_batch(self, notice, deliveries, report) -> None:
        cache: dict = {}
        if settings.EMAIL_BACKEND != SMTP_BACKEND:
            # console/locmem/file backends (development, tests): Django sends one by one.
            connection = get_connection(fail_silently=False)
            for d in deliveries:
                try:
                    connection.send_messages([self.message(notice, d, cache)])
                    report(Result(d.pk, Outcome.SENT))
                except Exception as exc:  # noqa: BLE001 — recorded and retried
                    report(Result(d.pk, Outcome.RETRY, f"{type(exc).__name__}: {exc}"))
            return
        smtp = None
        sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL  # envelope: the bare address
        try:
            for d in deliveries:
                if smtp is None:
                    try:
                        smtp = _open()
                    except (OSError, smtplib.SMTPException) as exc:
                        report(Result(d.pk, Outcome.RETRY, f"SMTP接続失敗: {exc}"))
                        continue
                data = self.raw(notice, d, cache)
                try:
                    _transact(smtp, sender, d.subscription.address, data)
                    report(Result(d.pk, Outcome.SENT))
                except smtplib.SMTPRecipientsRefused as exc:
                    code, text = next(iter(exc.recipients.values()))
                    report(Result(d.pk, rcpt_outcome(code, _decode(text)), f"SMTP {code} {_decode(text)}"))
                    _reset(smtp)
                except smtplib.SMTPSenderRefused as exc:
                    # MAIL FROM refused: our sender/relay setup, not the recipient — retried
                    report(Result(d.pk, Outcome.RETRY, f"SMTP MAIL FROM {exc.smtp_code} {_decode(exc.smtp_error)}"))
                    _reset(smtp)
                except smtplib.SMTPResponseException as exc:
                    # DATA refused (e.g. 554 content/policy): this message failed, the address did not
                    outcome = Outcome.FAILED if exc.smtp_code >= 500 else Outcome.RETRY
                    report(Result(d.pk, outcome, f"SMTP {exc.smtp_code} {_decode(exc.smtp_error)}"))
                    _reset(smtp)
                except (OSError, smtplib.SMTPException) as exc:
                    report(Result(d.pk, Outcome.RETRY, f"{type(exc).__name__}: {exc}"))
                    _close(smtp)
                    smtp = None
        finally:
            if smtp is not None:
                _close(smtp)


# Placeholders filled per recipient (see EmailChannel.raw): ASCII, distinctive, URL-safe.
PH_ADDRESS = "rcpt-9f3c1e7a@placeholder.invalid"
PH_MESSAGE_ID = "msgid-9f3c1e7a-placeholder"
PH_TOKEN = "tok9f3c1e7aPLACEHOLDERtok9f3c1e7a"
PH_MANAGE_URL = "https://manage-9f3c1e7a.placeholder.invalid/x"
TOKEN_USES = 3  # List-Unsubscribe header, text part, HTML part
MANAGE_USES = 2  # text part, HTML part


def rcpt_outcome(code: int, text: str) -> Outcome:
    """A refusal at RCPT TO. 5xx names this recipient as undeliverable (5.1.1 no such user,
    5.2.1 disabled …) — except 5.7.x (relaying denied, authentication required: our setup)
    and 5.3.x/5.4.x (the receiving system or network), which say nothing about the address."""
    if code < 500:
        return Outcome.RETRY
    m = re.match(r"\s*5\.(\d+)\.\d+", text or "")
    if m and m.group(1) in ("3", "4", "7"):
        return Outcome.RETRY
    return Outcome.PERMANENT


def _plain_ascii(value: str) -> bool:
    return value.isascii() and value.isprintable() and not any(c in value for c in ' "<>,;()\\')


def _transact(smtp: smtplib.SMTP, sender: str, rcpt: str, data: bytes) -> None:
    """One SMTP transaction (MAIL, RCPT, DATA), raising as ``smtplib.SMTP.sendmail`` does.
    With a server that offers PIPELINING (RFC 2920; Postfix, Exim, Exchange do) the three
    commands go in one write — two round trips per message instead of four. Non-ASCII
    addresses take smtplib's own path."""
    if not (_plain_ascii(sender) and _plain_ascii(rcpt)):
        smtp.sendmail(sender, [rcpt], data)
        return
    smtp.ehlo_or_helo_if_needed()
    body = _DOT.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    body += b".\r\n"
    if smtp.has_extn("pipelining"):
        smtp.send(f"MAIL FROM:<{sender}>\r\nRCPT TO:<{rcpt}>\r\nDATA\r\n".encode())
        (mc, mm), (rc, rm), (dc, dm) = smtp.getreply(), smtp.getreply(), smtp.getreply()
        if dc == 354 and (mc != 250 or rc not in (250, 251)):
            smtp.send(b".\r\n")  # the server took DATA although the envelope failed: end it empty
            smtp.getreply()
    else:
        smtp.putcmd("mail", f"FROM:<{sender}>")
        mc, mm = smtp.getreply()
        rc = dc = 0
        if mc == 250:
            smtp.putcmd("rcpt", f"TO:<{rcpt}>")
            rc, rm = smtp.getreply()
            if rc in (250, 251):
                smtp.putcmd("data")
                dc, dm = smtp.getreply()
    if mc != 250:
        raise smtplib.SMTPSenderRefused(mc, mm, sender)
    if rc not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({rcpt: (rc, rm)})
    if dc != 354:
        raise smtplib.SMTPDataError(dc, dm)
    smtp.send(body)
    code, msg = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, msg)


_DOT = re.compile(rb"(?m)^\.")


def _decode(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _open() -> smtplib.SMTP:
    if getattr(settings, "EMAIL_USE_SSL", False):
        smtp = smtplib.SMTP_SSL(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=settings.EMAIL_TIMEOUT, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=settings.EMAIL_TIMEOUT, local_hostname=str(DNS_NAME))
        if settings.EMAIL_USE_TLS:
            smtp.starttls(context=ssl.create_default_context())
    if settings.EMAIL_HOST_USER:
        smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    return smtp


def _reset(smtp) -> None:
    try:
        smtp.rset()
    except (OSError, smtplib.SMTPException):
        pass


def _close(smtp) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


register(EmailChannel())
