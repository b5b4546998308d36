"""The sandbox provider (デモ決済): checkout pages served by this app on loopback
(``/payments/demo-provider/checkout/<token>/``, buttons 承認 / 拒否 / あとで支払う), which send the
platform a notification signed with HMAC-SHA256 under the city's secret, like a real provider's
webhook, then send the resident back. Used by ``make demo``, the tests and the benchmark.

Offered only where it cannot take real fees: a fictional city, or ``PAYMENTS_DEMO_PROVIDER``
(or the city's ``provider_settings["payments"]["demo"]["enabled"]``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from django.conf import settings
from django.core import checks, signing
from django.utils.crypto import salted_hmac

from madoguchi.core.registry import NotificationRefused, PaymentNotification, PaymentProvider

SIGNATURE_HEADER = "X-Demo-Signature"
TOKEN_SALT = "madoguchi.payments.demo.checkout"


def secret(municipality) -> str:
    """The city's shared secret: ``provider_settings["payments"]["demo"]["secret"]``, else one
    derived from SECRET_KEY and the city (distinct per city, stable across processes)."""
    from madoguchi.core.tenancy import provider_settings

    own = provider_settings("payments", "demo", municipality).get("secret")
    return own or salted_hmac("madoguchi.payments.demo.secret", municipality.code).hexdigest()


def sign(body: bytes, municipality) -> str:
    return hmac.new(secret(municipality).encode(), body, hashlib.sha256).hexdigest()


def notification_body(payment, status: str, *, event_id: str | None = None, amount: int | None = None) -> bytes:
    return json.dumps(
        {
            "event_id": event_id or f"evt_{uuid.uuid4().hex}",
            "merchant_reference": payment.merchant_reference,
            "provider_reference": payment.provider_reference,
            "status": status,
            "amount": payment.amount if amount is None else amount,
        },
        ensure_ascii=False,
    ).encode()


class DemoProvider(PaymentProvider):
    label = "デモ決済（テスト用）"

    def configured(self, municipality=None) -> bool:
        from madoguchi.core.tenancy import current, provider_settings

        m = municipality if municipality is not None else current()
        if m is None:
            return False
        flag = provider_settings("payments", "demo", m).get("enabled")
        if flag is not None:
            return bool(flag)
        return bool(m.is_fictional or getattr(settings, "PAYMENTS_DEMO_PROVIDER", False))

    def start_checkout(self, payment, return_url: str) -> str:
        from madoguchi.core.links import absolute_url

        if not payment.provider_reference.startswith("demo_"):
            payment.provider_reference = f"demo_{uuid.uuid4().hex[:20]}"
        token = signing.dumps({"p": payment.pk, "m": payment.municipality_id, "r": return_url}, salt=TOKEN_SALT, compress=True)
        return absolute_url("payments:demo_checkout", token, municipality=payment.municipality)

    def verify_notification(self, request) -> PaymentNotification:
        from madoguchi.core.tenancy import current

        municipality = current()
        given = request.headers.get(SIGNATURE_HEADER, "")
        if municipality is None or not given or not hmac.compare_digest(given, sign(request.body, municipality)):
            raise NotificationRefused("bad_signature", "署名が一致しません。")
        try:
            data = json.loads(request.body)
            return PaymentNotification(
                event_id=str(data["event_id"])[:200],
                status=str(data["status"]),
                amount=int(data["amount"]),
                merchant_reference=str(data.get("merchant_reference") or ""),
                provider_reference=str(data.get("provider_reference") or ""),
                payload=data,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationRefused("bad_body", "通知の形式が正しくありません。") from exc

    def query_status(self, payment) -> str | None:
        return payment.status  # the sandbox keeps no ledger of its own

    def refund(self, payment, amount: int) -> str:
        return f"demo_refund_{uuid.uuid4().hex[:16]}"

    def check(self) -> list[checks.CheckMessage]:
        problems = super().check()
        if getattr(settings, "PAYMENTS_DEMO_PROVIDER", False) and not settings.DEBUG:
            problems.append(checks.Warning("PAYMENTS_DEMO_PROVIDER is on without DEBUG: residents can 'pay' with the sandbox", id="madoguchi.W018"))
        return problems
