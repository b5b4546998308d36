"""Web Push channel (RFC 8030/8291/8292) through pywebpush: each payload is encrypted with the
subscription's keys (aes128gcm) and signed for the push service's origin with VAPID. The
VAPID JWT is signed once per origin and reused for hours; connections are kept alive per origin
and thread, and requests go out from several threads."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from .. import conf
from . import Channel, Outcome, Preview, Result, register, render

# RFC 8291: one record of at most 4096 octets: 86 header + 16 tag + 1 delimiter.
MAX_PLAINTEXT = 4096 - 86 - 16 - 1
PERMANENT_STATUS = {404, 410}


# The 「配信停止」 action opens the subscription's signed 受け取り設定 page at its stop button.
STOP_FRAGMENT = "#stop"
PH_KEY = "KEY9f3c1e7a"  # stands for the signed manage key while a language's payload is built once


def payload(notice, language: str, manage_url: str = "") -> bytes:
    """JSON the service worker shows: title, body, the notice URL and, for a subscriber, the
    signed 受け取り設定 link (``unsubscribe``) with its localized action label."""
    data = {
        "title": render.title(notice, language),
        "body": notice.text(language)[1],
        "url": render.notice_url(notice) if notice.pk else "",
        "tag": f"notice-{notice.identifier}",
        "severity": notice.severity,
    }
    if manage_url:
        data["unsubscribe"] = manage_url + STOP_FRAGMENT
        data["unsubscribe_label"] = render.LABELS[render._lang(language)]["stop"]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def longest_manage_url() -> str:
    """The longest 受け取り設定 URL a subscriber can get here (a token of 64 characters, twice
    what the model makes), for the size check before sending."""
    return render.manage_url_for("x" * 64)


def subscriber_payload(notice, sub, cache: dict) -> bytes:
    """The payload for one subscription: built once per language with a placeholder key; the
    subscription's signed key (ASCII) is put into the bytes (an HMAC per message)."""
    from ..services import manage_key

    lang = sub.language
    if lang not in cache:
        cache[lang] = payload(notice, lang, render.manage_url_for_key(PH_KEY))
    tpl = cache[lang]
    if not sub.token.isascii() or tpl.count(PH_KEY.encode()) != 1:
        return payload(notice, lang, render.manage_url_for(sub.token))
    return tpl.replace(PH_KEY.encode(), manage_key(sub.token).encode())


_VAPID = None


def vapid():
    """py_vapid key from VAPID_PRIVATE_KEY (PEM or raw base64url)."""
    global _VAPID
    from py_vapid import Vapid02

    key = conf.vapid_private_key()
    if not key:
        raise RuntimeError("VAPID_PRIVATE_KEY が設定されていません。")
    if _VAPID is None or _VAPID[0] != key:
        _VAPID = (key, Vapid02.from_pem(key.encode()) if key.startswith("-----") else Vapid02.from_string(private_key=key))
    return _VAPID[1]


def public_key() -> str:
    """Application server key for PushManager.subscribe (base64url, uncompressed point)."""
    import base64

    from cryptography.hazmat.primitives import serialization

    try:
        v = vapid()
    except RuntimeError:
        return ""
    raw = v.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class WebPushChannel(Channel):
    name = "webpush"
    label = "Webプッシュ通知"

    def validate(self, notice) -> list[str]:
        problems = []
        for lang in notice.languages():
            # room for the notice URL once saved; the real (longest) 受け取り設定 link is included
            size = len(payload(notice, lang, longest_manage_url())) + (0 if notice.pk else 120)
            if size > MAX_PLAINTEXT:
                problems.append(
                    _(
                        "Webプッシュ通知（%(lang)s）は約4KBまでです。本文を約%(over)sバイト（全角で約%(chars)s文字）減らすか、配信方法からWebプッシュ通知を外してください。"
                    )
                    % {"lang": render.language_name(lang), "over": size - MAX_PLAINTEXT, "chars": (size - MAX_PLAINTEXT + 2) // 3}
                )
        return problems

    def preview(self, notice, language: str) -> Preview:
        data = payload(notice, language, longest_manage_url())
        return Preview(
            self.name, self.label, language, subject=render.title(notice, language), text=notice.text(language)[1], size=len(data), limit=MAX_PLAINTEXT
        )

    personal = True

    def send_personal(self, subscription, message) -> Result:
        """One notification: the subject as title, the short text, the link, and the stop action;
        a re-run task carries the same Topic and tag, so the service and browser replace it."""
        data = {"title": message.subject, "body": message.short, "url": message.url, "tag": f"personal-{message.topic[:16]}"}
        data["unsubscribe"] = render.manage_url_for(subscription.token) + STOP_FRAGMENT
        data["unsubscribe_label"] = render.LABELS[render._lang(subscription.language)]["stop"]
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        while len(encoded) > MAX_PLAINTEXT and data["body"]:  # a very long subject or link: the text gives way
            data["body"] = data["body"][: len(data["body"]) // 2] + "…" if len(data["body"]) > 1 else ""
            encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        common = {"Urgency": "normal", "TTL": str(7 * 24 * 3600), "Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream"}
        return _send_one(_Target(0, subscription, message.topic), encoded, common)

    # A re-sent push (after a worker died) carries the same Topic, and the payload the same
    # notification tag, so the push service and then the browser replace rather than add it:
    # results can be written per chunk instead of per message.
    mark_every = 200

    def send_batch(self, notice, deliveries, report) -> None:
        """Encrypt (pywebpush, aes128gcm) and POST in ``conf.push_threads()`` threads over
        keep-alive connections; results are reported from the calling thread (which owns the
        database connection) as each request completes."""
        from concurrent.futures import ThreadPoolExecutor, as_completed

        cache: dict[str, bytes] = {}
        data = {d.pk: subscriber_payload(notice, d.subscription, cache) for d in deliveries}
        common = {"Urgency": "high" if notice.is_emergency else "normal", "TTL": str(_ttl(notice)), "Content-Encoding": "aes128gcm"}
        common["Content-Type"] = "application/octet-stream"
        threads = max(1, min(conf.push_threads(), len(deliveries)))
        if threads == 1:
            for d in deliveries:
                report(_send_one(d, data[d.pk], common))
            return
        with ThreadPoolExecutor(threads, thread_name_prefix="webpush") as pool:
            futures = [pool.submit(_send_one, d, data[d.pk], common) for d in deliveries]
            for f in as_completed(futures):
                report(f.result())


@dataclass
class _Target:
    """What ``_send_one`` needs of a delivery, for a personal notice (no Delivery row)."""

    pk: int
    subscription: object
    idempotency_key: str


def _ttl(notice) -> int:
    ttl = 24 * 3600
    if notice.expires_at:
        ttl = max(60, min(ttl, int(notice.expires_at.timestamp() - time.time())))
    return ttl


_AUTH: dict[tuple, tuple[float, dict]] = {}
_LOCK = threading.Lock()


def _vapid_headers(origin: str) -> dict:
    """VAPID JWT per push-service origin, signed once and reused until an hour before it
    expires (RFC 8292 allows up to 24 h), instead of an ECDSA signature per message."""
    now = time.time()
    key = (conf.vapid_private_key(), conf.vapid_subject(), origin)  # a changed key re-signs
    cached = _AUTH.get(key)
    if cached is None or cached[0] - now < 3600:
        with _LOCK:
            cached = _AUTH.get(key)
            if cached is None or cached[0] - now < 3600:
                exp = int(now) + 12 * 3600
                cached = (exp, vapid().sign({"aud": origin, "sub": conf.vapid_subject(), "exp": exp}))
                _AUTH[key] = cached
    return cached[1]


_LOCAL = threading.local()


class _OneWrite:
    """http.client writes the header block and the body with two send() calls; a push message
    is small, so one write (one system call, one wake-up of the receiver) is enough."""

    def _send_output(self, message_body=None, encode_chunked=False):
        if not isinstance(message_body, bytes) or encode_chunked:
            return super()._send_output(message_body, encode_chunked)
        self._buffer.extend((b"", b""))
        head = b"\r\n".join(self._buffer)
        del self._buffer[:]
        self.send(head + message_body)


def _one_write_classes():
    import http.client

    return (
        type("_OneWriteHTTP", (_OneWrite, http.client.HTTPConnection), {}),
        type("_OneWriteHTTPS", (_OneWrite, http.client.HTTPSConnection), {}),
    )


_OneWriteHTTP, _OneWriteHTTPS = _one_write_classes()


def _connection(origin: str):
    """A keep-alive http.client connection per thread and push-service origin. (http.client
    writes headers and body in one send(), where urllib3 needs two; on loopback-heavy runs the
    system calls are a good part of the cost.) A proxy from HTTPS_PROXY/NO_PROXY is used through
    CONNECT, as requests would."""

    conns = getattr(_LOCAL, "conns", None)
    if conns is None:
        conns = _LOCAL.conns = {}
    conn = conns.get(origin)
    if conn is None:
        from urllib.parse import urlsplit as _split

        from requests.utils import get_environ_proxies

        parts = _split(origin)
        cls = _OneWriteHTTPS if parts.scheme == "https" else _OneWriteHTTP
        proxy = get_environ_proxies(origin).get(parts.scheme)
        if proxy:
            p = _split(proxy)
            conn = cls(p.hostname, p.port, timeout=10)
            conn.set_tunnel(parts.hostname, parts.port)
        else:
            conn = cls(parts.hostname, parts.port, timeout=10)
        conns[origin] = conn
    return conn


def _post(origin: str, url: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    import http.client

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    for attempt in (1, 2):
        conn = _connection(origin)
        try:
            conn.request("POST", target, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            if resp.will_close:
                conn.close()
            return resp.status, data
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # a kept-alive connection the service closed meanwhile: once more on a new one
            conn.close()
            if attempt == 2:
                raise
        except (OSError, http.client.HTTPException):
            conn.close()
            raise
    raise AssertionError("unreachable")


def _send_one(d, data: bytes, common: dict) -> Result:
    import http.client

    from pywebpush import WebPusher, WebPushException

    sub = d.subscription
    parts = urlsplit(sub.address)
    origin = f"{parts.scheme}://{parts.netloc}"
    try:
        body = WebPusher({"endpoint": sub.address, "keys": {"p256dh": sub.push_p256dh, "auth": sub.push_auth}}).encode(data, "aes128gcm")["body"]
    except (WebPushException, ValueError, TypeError) as exc:
        return Result(d.pk, Outcome.FAILED, f"購読情報が不正です: {exc}"[:300])
    try:
        headers = {**common, **_vapid_headers(origin), "Topic": d.idempotency_key.replace("-", "")}
        status, text = _post(origin, sub.address, body, headers)
    except (OSError, http.client.HTTPException) as exc:
        return Result(d.pk, Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:300])
    if 200 <= status < 300:
        return Result(d.pk, Outcome.SENT)
    if status in PERMANENT_STATUS:
        return Result(d.pk, Outcome.PERMANENT, f"push {status}: 購読が無効になりました")
    if status in (400, 403, 413):
        # our request was refused as such, not the subscription: retrying the same bytes will
        # not help, so the message fails (403: VAPID trouble on our side, which an operator can
        # fix, so that one is retried); only 404/410 say the subscription is gone
        return Result(d.pk, Outcome.RETRY if status == 403 else Outcome.FAILED, f"push {status}: {text[:200].decode(errors='replace')}")
    return Result(d.pk, Outcome.RETRY, f"push {status}")


register(WebPushChannel())
