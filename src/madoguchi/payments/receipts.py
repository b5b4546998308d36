"""領収書 (receipt) PDF, rendered by WeasyPrint with the site's CJK fonts, once a payment is paid."""

from __future__ import annotations

from django.template.loader import render_to_string

from madoguchi.core.registry import payment_providers
from madoguchi.core.wareki import format_wareki, format_wareki_datetime

from .models import Payment


def context(payment: Payment) -> dict:
    provider = payment_providers.get(payment.provider)
    return {
        "payment": payment,
        "municipality": payment.municipality,
        "provider_label": provider.label if provider else payment.provider,
        "paid_on": format_wareki(payment.paid_at),
        "paid_at": format_wareki_datetime(payment.paid_at),
    }


def render_html(payment: Payment) -> str:
    return render_to_string("payments/receipt.html", context(payment))


def render_pdf(payment: Payment) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(payment)).write_pdf()
