"""Signed pay links (支払用リンク) for a payer without an account, or one not signed in: a guest's
application fee, a booking paid from its email. The link is ``/payments/link/<token>/``; the
token is the payment's id signed with Django's ``signing`` (salt ``payments.pay-link``), with its
time of issue — no name, address or amount, nothing personal in the URL. It expires after
``PAYMENTS_PAY_LINK_DAYS``; following it lets this browser's session pay that payment (the same
pages as a signed-in payer: choose a provider, its checkout, the result, the 領収書) until then.
An expired link offers a fresh one by email to the address the payment already has (limited like
every email a request sends)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from madoguchi.core import notify
from madoguchi.core.links import absolute_url
from madoguchi.core.signed_links import SignedLink

from . import conf
from .models import Payment

LINK = SignedLink(salt="payments.pay-link", session_key="payments_pay_links")


@dataclass
class Opened:
    payment: Payment | None
    expired: bool = False
    expires_at: float = 0.0


def make_token(payment: Payment) -> str:
    return LINK.make(payment.pk)


def url(payment: Payment, *, to: str = "") -> str:
    """The absolute pay link (``to="result"``: the result page, for a provider's return URL)."""
    return absolute_url("payments:link", make_token(payment), municipality=payment.municipality, query={"to": to} if to else None)


def open_token(token: str) -> Opened:
    """The payment a link names (of the active city), or why not: forged or unknown
    (``payment`` None), or too old (``expired``, with the payment, so a fresh link can be sent)."""
    opened = LINK.open(token, conf.pay_link_days())
    if not isinstance(opened.value, int):
        return Opened(None)
    payment = Payment.objects.filter(pk=opened.value).select_related("section", "municipality").first()
    return Opened(payment, expired=opened.expired, expires_at=opened.expires_at)


def remember(session, payment: Payment, expires_at: float) -> None:
    """This browser may pay (and see the result and receipt of) ``payment`` until its link expires."""
    LINK.remember(session, payment.pk, expires_at)


def granted(session, pk: int) -> bool:
    return LINK.granted(session, pk)


def masked_email(address: str) -> str:
    """``s****@example.jp``: enough for the payer to recognise their address, not to learn it."""
    local, _, domain = (address or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else ""


def send(payment: Payment) -> bool:
    """Mail a fresh pay link to the payment's address (False when it has none). One mail per
    payment a minute at most (the dedupe key); the caller limits per recipient and address."""
    if not payment.payer_email:
        return False
    notify.send_template(
        payment.payer_email,
        "payments/email/pay_link",
        {"payment": payment, "url": url(payment), "days": conf.pay_link_days()},
        municipality=payment.municipality,
        dedupe_key=f"payments.pay-link:{payment.pk}:{int(timezone.now().timestamp()) // 60}",
    )
    return True
