"""Stripe (カード・コンビニ決済) through Stripe's official Python SDK (``stripe``).

- checkout: a Checkout Session (``POST /v1/checkout/sessions``) for the fee in yen, card and
  コンビニ決済 (``konbini``), created with the merchant reference as the idempotency key, so a
  retried request or a second tab never makes a second session for one attempt; an open session
  of the payment is reused rather than a new one made;
- notification: Stripe's webhook, verified with ``stripe.Webhook.construct_event`` (the
  ``Stripe-Signature`` header: ``t=…,v1=HMAC-SHA256(secret, "t.body")``, 5 minutes tolerance);
- status: ``GET /v1/checkout/sessions/{id}`` for the return page's polling;
- refunds: ``POST /v1/refunds`` on the session's PaymentIntent (partial refunds too).

Card data and the コンビニ payment slip stay on Stripe's pages: the platform sees only the
session. Settings per city (``provider_settings["payments"]["stripe"]``): see the README."""

from __future__ import annotations

import logging
import math

import stripe
from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.utils import timezone

from madoguchi.core.registry import NotificationRefused, PaymentNotification, PaymentProvider

log = logging.getLogger(__name__)

#: The webhook events the city's endpoint is subscribed to, and what each one means here.
#: ``completed`` with ``payment_status=unpaid`` is a コンビニ voucher issued, not yet paid.
HANDLED_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
DEFAULT_METHODS = ("card", "konbini")


def config(municipality) -> dict:
    from madoguchi.core.tenancy import provider_settings

    return provider_settings("payments", "stripe", municipality)


def client(municipality) -> stripe.StripeClient:
    """An SDK client with the city's secret key; ``api_base`` only for tests (a local fake)."""
    c = config(municipality)
    base = {"api": c["api_base"]} if c.get("api_base") else None
    return stripe.StripeClient(c.get("secret_key") or "", base_addresses=base, max_network_retries=int(c.get("max_network_retries", 2)))


def session_status(session) -> str:
    """A Checkout Session's state as a ``Payment.Status`` value."""
    status, paid = session.get("status"), session.get("payment_status")
    if paid in ("paid", "no_payment_required"):
        return "paid"
    if status == "expired":
        return "pending"  # the session lapsed, not the fee: the resident may start again
    return "processing"  # open, or complete with a コンビニ voucher not yet paid


class StripeProvider(PaymentProvider):
    label = "クレジットカード・コンビニ（Stripe）"

    def configured(self, municipality=None) -> bool:
        from madoguchi.core.tenancy import current

        m = municipality if municipality is not None else current()
        c = config(m) if m is not None else {}
        return bool(c.get("secret_key") and c.get("webhook_secret") and c.get("enabled", True))

    def _methods(self, c: dict) -> list[str]:
        return [m for m in (c.get("payment_method_types") or DEFAULT_METHODS) if m in ("card", "konbini")]

    def start_checkout(self, payment, return_url: str) -> str:
        c = config(payment.municipality)
        api = client(payment.municipality)
        previous = payment.provider_reference if payment.provider_reference.startswith("cs_") else ""
        try:
            if previous:
                # Two tabs or a reload: the session already made for this payment, if still usable.
                session = api.v1.checkout.sessions.retrieve(previous).to_dict()
                if session.get("status") == "open" and session.get("url"):
                    return session["url"]
                if session.get("status") == "complete":
                    # コンビニ: the voucher was issued; a new session could take the fee twice.
                    raise ValidationError("コンビニでのお支払いをお待ちしています。お支払い番号は Stripe からのメールをご覧ください。", code="awaiting_konbini")
            session = api.v1.checkout.sessions.create(
                self._session_params(payment, return_url, c), options={"idempotency_key": self._idempotency_key(payment, previous)}
            ).to_dict()
        except stripe.StripeError as exc:
            log.warning("payments: stripe checkout failed for %s: %s", payment.merchant_reference, type(exc).__name__)
            raise ValidationError("決済事業者に接続できませんでした。しばらくしてからもう一度お試しください。", code="provider_error") from exc
        payment.provider_reference = session["id"]
        return session["url"]

    @staticmethod
    def _idempotency_key(payment, previous: str) -> str:
        # The merchant reference for the first attempt; after an expired session, a key that
        # names it (the same key would replay the expired session for 24 hours).
        return payment.merchant_reference if not previous else f"{payment.merchant_reference}-after-{previous}"

    def _session_params(self, payment, return_url: str, c: dict) -> dict:
        methods = self._methods(c)
        params = {
            "mode": "payment",
            "line_items": [{"price_data": {"currency": "jpy", "unit_amount": payment.amount, "product_data": {"name": payment.purpose}}, "quantity": 1}],
            "payment_method_types": methods,
            "client_reference_id": payment.merchant_reference,
            "metadata": {"merchant_reference": payment.merchant_reference, "municipality": payment.municipality.code},
            "payment_intent_data": {"metadata": {"merchant_reference": payment.merchant_reference}, "description": payment.purpose},
            "success_url": return_url,
            "cancel_url": return_url,
            "locale": "ja",
        }
        if payment.payer_email:
            params["customer_email"] = payment.payer_email
        if "konbini" in methods:
            days = math.ceil((payment.pay_by - timezone.now()).total_seconds() / 86400)
            params["payment_method_options"] = {"konbini": {"expires_after_days": max(1, min(60, days))}}
        return params

    def verify_notification(self, request) -> PaymentNotification:
        from madoguchi.core.tenancy import current

        from ...notifications import NotificationIgnored

        municipality = current()
        secret = config(municipality).get("webhook_secret") if municipality is not None else ""
        header = request.headers.get("Stripe-Signature", "")
        if not secret or not header:
            raise NotificationRefused("bad_signature", "署名がありません。")
        try:
            event = stripe.Webhook.construct_event(request.body, header, secret, api_key=config(municipality).get("secret_key") or None)
        except stripe.SignatureVerificationError as exc:
            raise NotificationRefused("bad_signature", "署名が一致しません。") from exc
        except ValueError as exc:
            raise NotificationRefused("bad_body", "通知の形式が正しくありません。") from exc
        event = event.to_dict()
        kind = event.get("type", "")
        if kind not in HANDLED_EVENTS:
            raise NotificationIgnored(kind)
        session = event["data"]["object"]
        if (session.get("currency") or "jpy").lower() != "jpy":
            raise NotificationRefused("bad_body", "通貨が円ではありません。")
        if kind == "checkout.session.async_payment_succeeded":
            status = "paid"
        elif kind == "checkout.session.async_payment_failed":
            status = "failed"
        else:
            status = session_status(session)
        try:
            amount = int(session.get("amount_total"))
        except (TypeError, ValueError) as exc:
            raise NotificationRefused("bad_body", "金額がありません。") from exc
        return PaymentNotification(
            event_id=str(event["id"])[:200],
            status=status,
            amount=amount,
            merchant_reference=str(session.get("client_reference_id") or (session.get("metadata") or {}).get("merchant_reference") or ""),
            provider_reference=str(session.get("id") or ""),
            payload=event,
        )

    def query_status(self, payment) -> str | None:
        if not payment.provider_reference.startswith("cs_"):
            return None
        try:
            session = client(payment.municipality).v1.checkout.sessions.retrieve(payment.provider_reference).to_dict()
        except stripe.StripeError:
            return None  # the webhook will still come; the page keeps polling
        if int(session.get("amount_total") or 0) != payment.amount:
            log.warning("payments: stripe session %s amount differs from %s", payment.provider_reference, payment.merchant_reference)
            return None
        return session_status(session)

    def refund(self, payment, amount: int) -> str:
        api = client(payment.municipality)
        session = api.v1.checkout.sessions.retrieve(payment.provider_reference).to_dict()
        intent = session.get("payment_intent")
        if not intent:
            raise ValidationError("Stripe の支払が見つからないため返金できません。", code="provider_error")
        # One key per refund step: a retried approval never refunds twice.
        key = f"{payment.merchant_reference}-refund-{payment.refunded_amount}-{amount}"
        try:
            refund = api.v1.refunds.create(
                {
                    "payment_intent": intent if isinstance(intent, str) else intent["id"],
                    "amount": amount,
                    "metadata": {"merchant_reference": payment.merchant_reference},
                },
                options={"idempotency_key": key},
            ).to_dict()
        except stripe.StripeError as exc:
            raise ValidationError(f"Stripe が返金を受け付けませんでした（{type(exc).__name__}）。", code="provider_error") from exc
        return refund["id"]

    def check(self) -> list[checks.CheckMessage]:
        problems = super().check()
        base = ((getattr(settings, "MADOGUCHI_PROVIDERS", {}) or {}).get("payments") or {}).get("stripe")
        if not base:
            return problems  # each city may still register its own account
        if base.get("secret_key") and not base.get("webhook_secret"):
            problems.append(
                checks.Error(
                    "payments provider 'stripe': MADOGUCHI_PROVIDERS['payments']['stripe'] has a secret_key but no webhook_secret",
                    hint="Add the signing secret of the webhook endpoint /payments/notify/stripe/ (payments/README.md).",
                    id="madoguchi.payments.E101",
                )
            )
        if base.get("api_base") and not settings.DEBUG:
            problems.append(checks.Warning("payments provider 'stripe': api_base is set (a test fake?) without DEBUG", id="madoguchi.payments.W101"))
        if str(base.get("secret_key", "")).startswith("sk_test_") and getattr(settings, "PRODUCTION", False):
            problems.append(checks.Warning("payments provider 'stripe': a test-mode secret key in production", id="madoguchi.payments.W102"))
        return problems
