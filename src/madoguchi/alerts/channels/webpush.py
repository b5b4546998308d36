"""Web Push channel (RFC 8030/8291/8292) through pywebpush: each payload is encrypted with the
subscription's keys (aes128gcm) and signed for the push service's origin with VAPID. The
VAPID JWT is signed once per origin and reused for hours; connections are kept alive per origin
and requests go out from several threads."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from .. import conf
from . import Channel, Outcome, Preview, Result, register, render

# RFC 8291: one record of at most 4096 octets: 86 header + 16 tag + 1 delimiter.
MAX_PLAINTEXT = 4096 - 86 - 16 - 1
PERMANENT_STATUS = {404, 410}


def payload(notice, language: str) -> bytes:
    data = {
        "title": render.title(notice, language),
        "body": notice.text(language)[1],
        "url": render.notice_url(notice) if notice.pk else "",
        "tag": f"notice-{notice.identifier}",
        "severity": notice.severity,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


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
            size = len(payload(notice, lang)) + 120  # room for the notice URL once saved
            if size > MAX_PLAINTEXT:
                problems.append(
                    _(
                        "Webプッシュ通知（%(lang)s）は約4KBまでです。本文を約%(over)sバイト（全角で約%(chars)s文字）減らすか、配信方法からWebプッシュ通知を外してください。"
                    )
                    % {"lang": _lang_label(lang), "over": size - MAX_PLAINTEXT, "chars": (size - MAX_PLAINTEXT + 2) // 3}
                )
        return problems

    def preview(self, notice, language: str) -> Preview:
        data = payload(notice, language)
        return Preview(
            self.name, self.label, language, subject=render.title(notice, language), text=notice.text(language)[1], size=len(data), limit=MAX_PLAINTEXT
        )

    # A re-sent push (after a worker died) carries the same Topic, and the payload the same
    # notification tag, so the push service and then the browser replace rather than add it:
    # results can be written per chunk instead of per message.
    mark_every = 200

    def send_batch(self, notice, deliveries, report) -> None:
        """Encrypt (pywebpush, aes128gcm) and POST in ``conf.push_threads()`` threads over
        keep-alive connections; results are reported from the calling thread (which owns the
        database connection) as each request completes."""
        from concurrent.futures import ThreadPoolExecutor, as_completed

        data_by_lang: dict[str, bytes] = {}
        for d in deliveries:
            if d.subscription.language not in data_by_lang:
                data_by_lang[d.subscription.language] = payload(notice, d.subscription.language)
        common = {"Urgency": "high" if notice.is_emergency else "normal", "TTL": str(_ttl(notice)), "Content-Encoding": "aes128gcm"}
        common["Content-Type"] = "application/octet-stream"
        threads = max(1, min(conf.push_threads(), len(deliveries)))
        if threads == 1:
            for d in deliveries:
                report(_send_one(d, data_by_lang[d.subscription.language], common))
            return
        with ThreadPoolExecutor(threads, thread_name_prefix="webpush") as pool:
            futures = [pool.submit(_send_one, d, data_by_lang[d.subscription.language], common) for d in deliveries]
            for f in as_completed(futures):
                report(f.result())


def _ttl(notice) -> int:
    ttl = 24 * 3600
    if notice.expires_at:
        ttl = max(60, min(ttl, int(notice.expires_at.timestamp() - time.time())))
    return ttl


_AUTH: dict[tuple, tuple[float, dict]] = {}
_POOLS: dict[str, object] = {}
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


def _pool(origin: str):
    """One urllib3 pool per push-service origin, kept across batches (keep-alive), honouring
    HTTPS_PROXY/NO_PROXY like requests would."""
    pool = _POOLS.get(origin)
    if pool is None:
        import urllib3
        from requests.utils import get_environ_proxies

        with _LOCK:
            pool = _POOLS.get(origin)
            if pool is None:
                proxy = get_environ_proxies(origin).get(origin.split(":", 1)[0])
                kw = {"maxsize": max(4, conf.push_threads()), "block": False, "retries": False, "timeout": urllib3.Timeout(connect=5, read=10)}
                pool = urllib3.ProxyManager(proxy, **kw) if proxy else urllib3.PoolManager(**kw)
                _POOLS[origin] = pool
    return pool


def _send_one(d, data: bytes, common: dict) -> Result:
    import urllib3
    from pywebpush import WebPusher, WebPushException

    sub = d.subscription
    parts = urlsplit(sub.address)
    origin = f"{parts.scheme}://{parts.netloc}"
    try:
        body = WebPusher({"endpoint": sub.address, "keys": {"p256dh": sub.push_p256dh, "auth": sub.push_auth}}).encode(data, "aes128gcm")["body"]
    except (WebPushException, ValueError, TypeError) as exc:
        return Result(d.pk, Outcome.PERMANENT, f"購読情報が不正です: {exc}"[:300])
    try:
        headers = {**common, **_vapid_headers(origin), "Topic": d.idempotency_key.replace("-", "")}
        resp = _pool(origin).request("POST", sub.address, body=body, headers=headers, preload_content=True, redirect=False)
    except urllib3.exceptions.HTTPError as exc:
        return Result(d.pk, Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:300])
    status = resp.status
    if 200 <= status < 300:
        return Result(d.pk, Outcome.SENT)
    if status in PERMANENT_STATUS:
        return Result(d.pk, Outcome.PERMANENT, f"push {status}: 購読が無効になりました")
    if status in (400, 403, 413):
        # our request was refused as such: retrying the same bytes will not help (403: VAPID
        # trouble on our side, which an operator can fix, so that one is retried)
        text = resp.data[:200].decode(errors="replace")
        return Result(d.pk, Outcome.RETRY if status == 403 else Outcome.PERMANENT, f"push {status}: {text}")
    return Result(d.pk, Outcome.RETRY, f"push {status}")


def _lang_label(lang: str) -> str:
    from ..models import Language

    return str(dict(Language.choices).get(lang, lang))


register(WebPushChannel())
