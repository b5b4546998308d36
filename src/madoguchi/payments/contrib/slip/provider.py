"""納付書 (コンビニ収納): a PDF slip with the 44-digit GS1-128 barcode of the city's 収納代行
contract; the resident pays at a convenience store, and staff import the 収納代行's daily result
file (``results.import_results``), which settles the matching payments.

Choosing it on the pay page issues the slip (処理中) and sends the resident to its PDF; an
expired slip is reissued with a new deadline (再発行区分 +1). Nothing is sent anywhere, so there is
no notification endpoint and refunds are recorded (paid back by transfer)."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ValidationError
from django.utils import timezone

from madoguchi.core.registry import PaymentProvider

from . import barcode

DEFAULT_INSTITUTIONS = ["全国の主要コンビニエンスストア"]


def config(municipality) -> dict:
    from madoguchi.core.tenancy import provider_settings

    return provider_settings("payments", "slip", municipality)


def issue_of(payment) -> dict | None:
    """The latest slip issued for ``payment`` (kept on its 処理中 event)."""
    event = payment.events.filter(provider="slip", payload__has_key="slip_barcode").order_by("-id").first()
    return event.payload if event else None


class SlipProvider(PaymentProvider):
    label = "納付書（コンビニ払い）"

    def configured(self, municipality=None) -> bool:
        from madoguchi.core.tenancy import current

        m = municipality if municipality is not None else current()
        c = config(m) if m is not None else {}
        return bool(c.get("company_code") and c.get("enabled", True))

    def start_checkout(self, payment, return_url: str) -> str:
        from madoguchi.core.links import absolute_url

        c = config(payment.municipality)
        pay_by = timezone.localdate(payment.pay_by)
        previous = issue_of(payment)
        if previous and previous.get("pay_by") == pay_by.isoformat() and previous.get("amount") == payment.amount:
            data = previous["slip_barcode"]  # the same slip again (a reload, a second print)
        else:
            reissue = (int(previous.get("reissue", 0)) + 1) if previous else 0
            try:
                data = barcode.build(
                    company_code=str(c.get("company_code", "")),
                    merchant_reference=payment.merchant_reference,
                    reissue=reissue,
                    pay_by=pay_by,
                    amount=payment.amount,
                    stamp_flag=str(c.get("stamp_flag", "0")),
                )
            except ValueError as exc:
                raise ValidationError(str(exc), code="slip") from exc
            payment.checkout_payload = {"slip_barcode": data, "reissue": reissue, "pay_by": pay_by.isoformat(), "amount": payment.amount}
        payment.provider_reference = barcode.free_field(payment.merchant_reference)
        return absolute_url("payments:slip_pdf", payment.pk, municipality=payment.municipality)

    def query_status(self, payment) -> str | None:
        return None  # known only from the 収納代行's result file

    refund_moves_money = False  # staff pay it back by transfer (payments.adjustments)

    def refund(self, payment, amount: int) -> str:
        return ""  # paid back by bank transfer; the Refund row is the record

    def check(self) -> list[checks.CheckMessage]:
        from django.conf import settings

        problems = super().check()
        base = ((getattr(settings, "MADOGUCHI_PROVIDERS", {}) or {}).get("payments") or {}).get("slip") or {}
        code = str(base.get("company_code") or "")
        if code and not (code.isdigit() and len(code) == 6):
            problems.append(checks.Error("payments provider 'slip': company_code must be the 6-digit 請求書発行企業コード", id="madoguchi.payments.E103"))
        return problems
