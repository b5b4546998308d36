"""Web Push channel (RFC 8030/8291/8292) through pywebpush: each payload is encrypted with the
subscription's keys (aes128gcm) and signed for the push service's origin with VAPID. The
VAPID JWT is signed once per origin per batch; one HTTP session is kept per batch."""

from __future__ import annotations

import json
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

    def send_batch(self, notice, deliveries, report) -> None:
        import requests
        from pywebpush import WebPusher, WebPushException

        session = requests.Session()
        signer = vapid()
        auth_by_origin: dict[str, dict] = {}
        data_by_lang: dict[str, bytes] = {}
        urgency = "high" if notice.is_emergency else "normal"
        ttl = 24 * 3600
        if notice.expires_at:
            ttl = max(60, min(ttl, int(notice.expires_at.timestamp() - time.time())))
        try:
            for d in deliveries:
                sub = d.subscription
                parts = urlsplit(sub.address)
                origin = f"{parts.scheme}://{parts.netloc}"
                if origin not in auth_by_origin:
                    auth_by_origin[origin] = signer.sign({"aud": origin, "sub": conf.vapid_subject(), "exp": int(time.time()) + 12 * 3600})
                if sub.language not in data_by_lang:
                    data_by_lang[sub.language] = payload(notice, sub.language)
                headers = dict(auth_by_origin[origin])
                # Topic: a push service keeps only one undelivered message per topic, so a re-send
                # after a crash replaces rather than duplicates.
                headers.update({"Urgency": urgency, "Topic": d.idempotency_key.replace("-", "")})
                try:
                    pusher = WebPusher({"endpoint": sub.address, "keys": {"p256dh": sub.push_p256dh, "auth": sub.push_auth}}, requests_session=session)
                    resp = pusher.send(data_by_lang[sub.language], headers=headers, ttl=ttl, timeout=10)
                except (WebPushException, ValueError) as exc:
                    report(Result(d.pk, Outcome.PERMANENT, f"購読情報が不正です: {exc}"[:300]))
                    continue
                except requests.RequestException as exc:
                    report(Result(d.pk, Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:300]))
                    continue
                status = resp.status_code
                if 200 <= status < 300:
                    report(Result(d.pk, Outcome.SENT))
                elif status in PERMANENT_STATUS:
                    report(Result(d.pk, Outcome.PERMANENT, f"push {status}: 購読が無効になりました"))
                elif status in (400, 403, 413):
                    # our request was refused as such: retrying the same bytes will not help
                    report(Result(d.pk, Outcome.RETRY if status == 403 else Outcome.PERMANENT, f"push {status}: {resp.text[:200]}"))
                else:
                    report(Result(d.pk, Outcome.RETRY, f"push {status}"))
        finally:
            session.close()


def _lang_label(lang: str) -> str:
    from ..models import Language

    return str(dict(Language.choices).get(lang, lang))


register(WebPushChannel())
