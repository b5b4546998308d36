"""PayPay (動的QRコード決済) through PayPay's official SDK (``paypayopa``).

- checkout: ``POST /v2/codes`` (create a dynamic QR code) for the fee in yen, with
  ``merchantPaymentId`` = the merchant reference (PayPay refuses a second code with the same id,
  so two tabs cannot make two payable codes); the resident is sent to the code's ``url`` (the
  PayPay app on a phone, the QR code on a PC) and comes back to ``redirectUrl``. A later attempt
  reuses the code while it is open, else withdraws it (``DELETE /v2/codes/{codeId}``) and makes
  one with ``<merchant reference>-r<n>``;
- notification: PayPay's webhook (``Transaction`` events) carries no signature, so it is never
  believed: the platform asks PayPay (``GET /v2/codes/payments/{merchantPaymentId}``, HMAC
  authenticated) and applies PayPay's answer; a body PayPay does not confirm (unknown id, other
  amount or merchant) is refused as unauthenticated and counts against the limit. An optional
  ``webhook_token`` in the notification URL's query string refuses strangers before that call;
- status: the same payment details call, for the return page's polling;
- refunds: ``POST /v2/refunds`` with the PayPay ``paymentId`` (partial refunds too).

Settings per city (``provider_settings["payments"]["paypay"]``): see the README."""

from __future__ import annotations

import hmac
import json
import logging
import time

import paypayopa
import requests
from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError

from madoguchi.core.registry import NotificationRefused, PaymentNotification, PaymentProvider

log = logging.getLogger(__name__)

OK_CODES = frozenset({"SUCCESS", "REQUEST_ACCEPTED"})
#: PayPay's payment state → ``Payment.Status``. EXPIRED / CANCELED: that QR code lapsed or was
#: withdrawn, not the fee (back to 未払 if that checkout was in progress); REFUNDED: refunds are
#: the platform's own record (None: nothing to apply).
STATES = {"CREATED": "processing", "AUTHORIZED": "processing", "COMPLETED": "paid", "FAILED": "failed", "EXPIRED": "pending", "CANCELED": "pending"}
ATTEMPT_SEPARATOR = "-r"  # merchant references are digits and hyphens: "-r" never occurs in them


def config(municipality) -> dict:
    from madoguchi.core.tenancy import provider_settings

    return provider_settings("payments", "paypay", municipality)


def client(municipality) -> paypayopa.Client:
    c = config(municipality)
    options = {"base_url": c["api_base"]} if c.get("api_base") else {}
    api = paypayopa.Client(auth=(c.get("api_key") or "", c.get("api_secret") or ""), production_mode=bool(c.get("production", False)), **options)
    api.set_assume_merchant(c.get("merchant_id") or "")
    return api


def merchant_reference_of(merchant_payment_id: str) -> str:
    return merchant_payment_id.split(ATTEMPT_SEPARATOR, 1)[0]


def _ok(answer) -> bool:
    return isinstance(answer, dict) and (answer.get("resultInfo") or {}).get("code") in OK_CODES


def _code(answer) -> str:
    return str(((answer or {}).get("resultInfo") or {}).get("code") or "") if isinstance(answer, dict) else ""


def payment_details(municipality, merchant_payment_id: str) -> dict | None:
    """PayPay's record of one code's payment (``data``), or None when it has none / cannot say."""
    try:
        answer = client(municipality).Code.get_payment_details(merchant_payment_id)
    except (requests.RequestException, ValueError):
        return None
    return answer.get("data") if _ok(answer) else None


class PayPayProvider(PaymentProvider):
    label = "PayPay"

    def configured(self, municipality=None) -> bool:
        from madoguchi.core.tenancy import current

        m = municipality if municipality is not None else current()
        c = config(m) if m is not None else {}
        return bool(c.get("api_key") and c.get("api_secret") and c.get("merchant_id") and c.get("enabled", True))

    # --- checkout -------------------------------------------------------------------------
    def start_checkout(self, payment, return_url: str) -> str:
        api = client(payment.municipality)
        previous = self._previous_code(payment)
        attempt = 1
        if previous:
            attempt = int(previous.get("attempt", 1)) + 1
            details = payment_details(payment.municipality, previous["merchantPaymentId"])
            state = (details or {}).get("status")
            if state == "COMPLETED":
                raise ValidationError("PayPay でのお支払いを受け付けています。反映までしばらくお待ちください。", code="already_paid")
            if state in (None, "CREATED") and int(previous.get("expiryDate") or 0) > time.time() + 60:
                payment.provider_reference = previous["merchantPaymentId"]
                return previous["url"]  # two tabs or a reload: the same code, never a second one
            try:  # withdraw the old code so it can no longer be paid
                api.Code.delete_qr_code(previous["codeId"])
            except requests.RequestException:
                log.warning("payments: paypay code of %s could not be withdrawn", payment.merchant_reference)
        merchant_payment_id = payment.merchant_reference if attempt == 1 else f"{payment.merchant_reference}{ATTEMPT_SEPARATOR}{attempt}"
        request = {
            "merchantPaymentId": merchant_payment_id,
            "amount": {"amount": payment.amount, "currency": "JPY"},
            "codeType": "ORDER_QR",
            "orderDescription": payment.purpose[:255],
            "isAuthorization": False,
            "redirectUrl": return_url,
            "redirectType": "WEB_LINK",
        }
        try:
            answer = api.Code.create_qr_code(request)
        except (requests.RequestException, ValueError) as exc:
            raise ValidationError("PayPay に接続できませんでした。しばらくしてからもう一度お試しください。", code="provider_error") from exc
        if not _ok(answer):
            log.warning("payments: paypay refused a code for %s: %s", payment.merchant_reference, _code(answer))
            raise ValidationError("PayPay が支払を受け付けませんでした。別の方法をお選びください。", code="provider_error")
        data = answer["data"]
        payment.provider_reference = merchant_payment_id
        payment.checkout_payload = {
            "paypay_code": True,
            "codeId": data.get("codeId"),
            "url": data.get("url"),
            "merchantPaymentId": merchant_payment_id,
            "expiryDate": data.get("expiryDate"),
            "attempt": attempt,
        }
        return data["url"]

    @staticmethod
    def _previous_code(payment) -> dict | None:
        event = payment.events.filter(provider="paypay", payload__has_key="paypay_code").order_by("-id").first()
        return event.payload if event else None

    # --- notification ---------------------------------------------------------------------
    def verify_notification(self, request) -> PaymentNotification:
        from madoguchi.core.tenancy import current

        from ...notifications import NotificationIgnored

        municipality = current()
        c = config(municipality) if municipality is not None else {}
        if not self.configured(municipality):
            raise NotificationRefused("bad_signature", "PayPay の設定がありません。")
        token = c.get("webhook_token")
        given = (getattr(request, "GET", None) or {}).get("token", "")
        if token and not hmac.compare_digest(str(given), str(token)):
            raise NotificationRefused("bad_signature", "通知のトークンが一致しません。")
        try:
            body = json.loads(request.body)
            kind = body.get("notification_type")
            merchant_payment_id = str(body["merchant_order_id"])
            claimed_state, claimed_amount = str(body["state"]), int(body["order_amount"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NotificationRefused("bad_body", "通知の形式が正しくありません。") from exc
        if kind != "Transaction":
            raise NotificationIgnored(str(kind))
        if c.get("merchant_id") and body.get("merchant_id") and body["merchant_id"] != c["merchant_id"]:
            raise NotificationRefused("bad_signature", "加盟店IDが一致しません。")
        # Unsigned: believed only as far as PayPay itself confirms it.
        details = payment_details(municipality, merchant_payment_id)
        if details is None:
            raise NotificationRefused("bad_signature", "PayPay がこの支払を確認できません。")
        state = str(details.get("status") or "")
        amount = int((details.get("amount") or {}).get("amount") or 0)
        if state != claimed_state or amount != claimed_amount:
            raise NotificationRefused("bad_signature", "通知の内容が PayPay の記録と一致しません。")
        status = STATES.get(state)
        if status is None:
            raise NotificationIgnored(state)
        return PaymentNotification(
            event_id=f"{details.get('paymentId') or merchant_payment_id}:{state}"[:200],
            status=status,
            amount=amount,
            merchant_reference=merchant_reference_of(merchant_payment_id),
            provider_reference=merchant_payment_id,
            payload={"notification": body, "confirmed": details},
        )

    def query_status(self, payment) -> str | None:
        if not payment.provider_reference:
            return None
        details = payment_details(payment.municipality, payment.provider_reference)
        if details is None:
            return None
        if int((details.get("amount") or {}).get("amount") or 0) != payment.amount:
            log.warning("payments: paypay amount differs for %s", payment.merchant_reference)
            return None
        return STATES.get(str(details.get("status")))

    # --- refunds --------------------------------------------------------------------------
    def refund(self, payment, amount: int) -> str:
        details = payment_details(payment.municipality, payment.provider_reference)
        if not details or not details.get("paymentId"):
            raise ValidationError("PayPay の支払が見つからないため返金できません。", code="provider_error")
        # One id per refund step: PayPay refuses a repeated merchantRefundId, so a retried
        # approval never refunds twice.
        refund_id = f"{payment.provider_reference}-refund-{payment.refunded_amount}-{amount}"[:64]
        request = {"merchantRefundId": refund_id, "paymentId": details["paymentId"], "amount": {"amount": amount, "currency": "JPY"}, "reason": "返金"}
        try:
            answer = client(payment.municipality).Payment.refund_payment(request)
        except (requests.RequestException, ValueError) as exc:
            raise ValidationError("PayPay に接続できませんでした。", code="provider_error") from exc
        if not _ok(answer):
            raise ValidationError(f"PayPay が返金を受け付けませんでした（{_code(answer)}）。", code="provider_error")
        return refund_id

    def check(self) -> list[checks.CheckMessage]:
        problems = super().check()
        base = ((getattr(settings, "MADOGUCHI_PROVIDERS", {}) or {}).get("payments") or {}).get("paypay")
        if not base:
            return problems
        missing = [name for name in ("api_key", "api_secret", "merchant_id") if not base.get(name)]
        if missing:
            problems.append(
                checks.Error(
                    f"payments provider 'paypay': MADOGUCHI_PROVIDERS['payments']['paypay'] lacks {', '.join(missing)}",
                    hint="Use the API key, secret and merchant id PayPay issued to the city (payments/README.md).",
                    id="madoguchi.payments.E102",
                )
            )
        if getattr(settings, "PRODUCTION", False) and not base.get("production"):
            problems.append(checks.Warning("payments provider 'paypay': production is off — the sandbox takes no real money", id="madoguchi.payments.W103"))
        if base.get("api_base") and not settings.DEBUG:
            problems.append(checks.Warning("payments provider 'paypay': api_base is set (a test fake?) without DEBUG", id="madoguchi.payments.W104"))
        return problems
