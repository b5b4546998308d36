"""Refunds the platform makes by itself (自動の返金), each through the payment's provider (a
provider that moves no money — 窓口払い, 納付書 — leaves it for staff to hand back), recorded as a
``Refund`` of kind 規則による返金 with its event, so the 領収書, the 日計表 and the 財務会計 export's
戻出 see it, and told to the resident by email through ``core.notify``:

- ``refund_for_new_amount``: the fee was lowered after it was paid (減免 granted late): the
  difference (or the whole) goes back.
- ``refund_late_success``: a provider reports a success for a payment already cancelled (the
  hold or booking released, the case rejected while its checkout was open): the money is
  recorded and refunded at once, once (the provider's event id and the payment's row lock)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from madoguchi.core import notify
from madoguchi.core.registry import PaymentNotification, payment_providers

from .models import Payment, Refund

S = Payment.Status


def moves_money(payment: Payment) -> bool:
    """Whether the payment's provider hands money back itself (card, QR) rather than staff
    (cash at the counter, a transfer for a 納付書)."""
    return getattr(payment_providers.get(payment.provider), "refund_moves_money", True)


def _pending(payment: Payment) -> int:
    return sum(r.amount for r in payment.refunds.filter(status=Refund.Status.REQUESTED))


def refund_for_new_amount(payment: Payment, new_amount: int, *, reason: str, requested_by=None, actor=None) -> Refund | None:
    """The fee of a settled ``payment`` is now ``new_amount`` (減免): what was paid beyond it is
    refunded — through the provider at once, or left 承認待ち for staff to hand back at the
    counter (the resident is told either way). None when nothing is owed back (a second call
    for the same decision refunds nothing more)."""
    from .services import _complete, _locked

    with transaction.atomic():
        payment = _locked(payment)
        if not payment.is_settled:
            return None
        back = payment.amount - payment.refunded_amount - _pending(payment) - max(new_amount, 0)
        if back <= 0:
            return None
        refund = Refund.objects.create(
            payment=payment, kind=Refund.Kind.RULE, amount=back, reason=reason, requested_by=requested_by if getattr(requested_by, "pk", None) else None
        )
        if moves_money(payment):
            _complete(payment, refund, actor=actor, email=True)
        elif payment.payer_email:
            notify.send_template(
                payment.payer_email,
                "payments/email/refund_due",
                {"payment": payment, "refund": refund},
                municipality=payment.municipality,
                dedupe_key=f"payments-refund-due-{refund.pk}",
            )
    return refund


LATE_REASON = "お申し込みが取り消された後に届いたお支払いのため、全額を返金しました。"


def refund_late_success(payment: Payment, notification: PaymentNotification) -> str:
    """A locked, cancelled ``payment`` the provider reports paid: record the money (支払済, no
    ``payment_settled``: the fee is not owed) and refund all of it through the provider. Call in
    ``apply_notification``'s transaction; a repeat of the event never gets here (duplicate), and
    a later "paid" finds the payment settled (stale)."""
    from .services import _complete, _event

    payment.status, payment.paid_at = S.PAID, timezone.now()
    payment.save(update_fields=["status", "paid_at", "updated_at"])
    _event(
        payment,
        S.CANCELLED,
        S.PAID,
        provider_event_id=notification.event_id,
        payload=notification.payload,
        note="取消後に届いた支払（自動で全額を返金）",
    )
    refund = Refund.objects.create(payment=payment, kind=Refund.Kind.RULE, amount=payment.amount, reason=LATE_REASON, requested_by=None)
    if moves_money(payment):
        _complete(payment, refund, actor=None, email=True)
        return "refunded"
    return "refund_due"
