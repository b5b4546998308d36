"""Payment rules (支払の規則): the state machine, the public API other apps call, provider
notifications, counter payments, pay-link reissue and refunds.

Public API for other apps (reservations, applications …) — see README.md::

    payment = request_payment(booking, "施設使用料", 1200, section, user, pay_by)
    payment_for(booking)      # the latest live payment for it, or None
    is_paid(booking)          # True once settled (and not wholly refunded)
    payment_settled.connect(receiver)   # sent after commit, once per payment, with payment=

Amounts are integer yen computed by the caller's server-side code; nothing here reads a price
from the browser."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from madoguchi.core.registry import PaymentNotification, payment_providers

from . import conf
from .models import SETTLED, MerchantSequence, NotificationAnomaly, Payment, PaymentEvent, Refund

log = logging.getLogger(__name__)
S = Payment.Status

#: Sent after the transaction commits, once, when a payment becomes 支払済 (``payment=``).
payment_settled = Signal()
#: Sent after commit on every status change (``payment=``, ``from_status=``, ``to_status=``).
payment_status_changed = Signal()

# 状態遷移: which status may follow which. Anything else raises IllegalTransition.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PROCESSING, S.PAID, S.EXPIRED, S.CANCELLED}),
    S.PROCESSING: frozenset({S.PENDING, S.PAID, S.FAILED, S.EXPIRED, S.CANCELLED}),
    # a declined card may be retried; a provider may still report a late success
    S.FAILED: frozenset({S.PENDING, S.PROCESSING, S.PAID, S.EXPIRED, S.CANCELLED}),
    # reissue (new deadline); money taken after the deadline is still recorded, never lost
    S.EXPIRED: frozenset({S.PENDING, S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.CANCELLED: frozenset(),
}
# A provider's "in progress / failed / expired" that arrives after the payment settled is an
# old event delivered late (out of order): acknowledged and kept, never applied.
_STALE_AFTER_SETTLED = frozenset({S.PENDING, S.PROCESSING, S.FAILED, S.EXPIRED})


class IllegalTransition(ValidationError):
    pass


class PaymentClosed(ValidationError):
    """The payment cannot be paid now (already paid, cancelled, or past its deadline)."""


class NotificationError(Exception):
    """A provider's notification refused by the rules (recorded as a ``NotificationAnomaly``)."""

    def __init__(self, kind: str, message: str, payment: Payment | None = None, status: int = 400):
        super().__init__(message)
        self.kind, self.payment, self.status = kind, payment, status


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def _locked(payment: Payment) -> Payment:
    """The payment re-read under a row lock (PostgreSQL ``FOR UPDATE``): two notifications or a
    notification and a staff action on one payment run one after the other."""
    return Payment.objects.select_for_update().get(pk=payment.pk)


def transition(payment: Payment, to: str, *, provider_event_id: str = "", payload=None, actor=None, note: str = "") -> Payment:
    """Move a (locked) payment to ``to`` and append the event; raises ``IllegalTransition``.
    Call inside ``transaction.atomic()`` with the payment from ``_locked``."""
    current = payment.status
    if not can_transition(current, to):
        raise IllegalTransition(f"「{S(current).label}」から「{S(to).label}」には変更できません。", code="illegal_transition")
    payment.status = to
    fields = ["status", "updated_at"]
    if to == S.PAID:
        payment.paid_at = payment.paid_at or timezone.now()
        fields.append("paid_at")
    payment.save(update_fields=fields)
    _event(payment, current, to, provider_event_id=provider_event_id, payload=payload, actor=actor, note=note)
    transaction.on_commit(lambda: payment_status_changed.send(Payment, payment=payment, from_status=current, to_status=to))
    if to == S.PAID:
        transaction.on_commit(lambda: payment_settled.send(Payment, payment=payment))
    return payment


def _event(payment, from_status, to_status, *, provider_event_id="", payload=None, actor=None, note="") -> PaymentEvent:
    return PaymentEvent.objects.create(
        municipality_id=payment.municipality_id,
        payment=payment,
        from_status=from_status,
        to_status=to_status,
        provider=payment.provider,
        provider_event_id=provider_event_id,
        payload=payload,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:200],
    )


# --- public API for other apps ------------------------------------------------------------------
def _next_merchant_reference(municipality) -> str:
    """支払番号: 団体コード-YYYYMMDD-連番 (digits and hyphens only, so a 収納代行 barcode or a bank
    transfer memo can carry it without the hyphens)."""
    day = timezone.localdate()
    with transaction.atomic():
        seq, _ = MerchantSequence.objects.select_for_update().get_or_create(municipality=municipality, day=day)
        seq.value += 1
        seq.save(update_fields=["value"])
    return f"{municipality.code}-{day:%Y%m%d}-{seq.value:05d}"


def _target_filter(obj) -> dict:
    return {"content_type": ContentType.objects.get_for_model(obj, for_concrete_model=False), "object_id": str(obj.pk)}


@dataclass(frozen=True)
class Guest:
    """A payer without an account (a case made as a guest): the name and address it gave, for
    the receipt and the pay link's emails."""

    full_name: str
    email: str
    pk = None


def request_payment(obj, purpose: str, amount: int, section, payer, pay_by: dt.datetime, provider: str | None = None) -> Payment:
    """A fee to pay for ``obj`` (a booking, a submission …), or the open payment already asked
    for it with the same purpose (a double click or a second tab never makes a second fee).
    ``amount``: integer yen computed by the caller on the server."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError("金額は1円以上の整数で指定してください。", code="amount")
    if not purpose:
        raise ValidationError("支払の内容を指定してください。", code="purpose")
    municipality = section.municipality
    provider = provider or conf.default_provider(municipality)
    if provider not in payment_providers:
        raise ValidationError(f"決済手段 {provider} は登録されていません。", code="provider")
    with transaction.atomic():
        target = _target_filter(obj)
        open_statuses = [S.PENDING, S.PROCESSING, S.FAILED, S.EXPIRED]
        existing = Payment.objects.select_for_update().filter(**target, purpose=purpose, status__in=open_statuses).first()
        if existing is not None:
            return existing
        payment = Payment.objects.create(
            municipality=municipality,
            **target,
            purpose=purpose,
            section=section,
            amount=amount,
            payer=payer if getattr(payer, "pk", None) else None,
            payer_name=(getattr(payer, "full_name", "") or "")[:100] if payer else "",
            payer_email=getattr(payer, "email", "") or "",
            provider=provider,
            merchant_reference=_next_merchant_reference(municipality),
            pay_by=pay_by,
        )
        _event(payment, S.PENDING, S.PENDING, note="支払を作成")
    return payment


def payment_for(obj) -> Payment | None:
    """The latest payment for ``obj`` that is not cancelled, or None."""
    return Payment.objects.filter(**_target_filter(obj)).exclude(status=S.CANCELLED).order_by("-created_at", "-id").first()


def is_paid(obj) -> bool:
    """Whether ``obj``'s fee is paid (支払済 or 一部返金済)."""
    return Payment.objects.filter(**_target_filter(obj), status__in=[S.PAID, S.PARTIALLY_REFUNDED]).exists()


def payments_of(objs, purpose: str | None = None) -> dict[str, list[Payment]]:
    """Every payment (cancelled ones too) of ``objs`` (rows of one model), newest first, keyed
    by ``str(obj.pk)``, with their refunds prefetched: one query for a whole list page."""
    objs = [o for o in objs if o.pk is not None]
    if not objs:
        return {}
    ct = ContentType.objects.get_for_model(objs[0], for_concrete_model=False)
    qs = Payment.objects.filter(content_type=ct, object_id__in=[str(o.pk) for o in objs]).prefetch_related("refunds")
    if purpose:
        qs = qs.filter(purpose=purpose)
    found: dict[str, list[Payment]] = {}
    for p in qs.order_by("-created_at", "-id"):
        found.setdefault(p.object_id, []).append(p)
    return found


def settled_ids(objs, purpose: str) -> set[int]:
    """The pks among ``objs`` whose ``purpose`` fee is settled (支払済, 一部返金済 or 返金済)."""
    return {int(k) for k, ps in payments_of(objs, purpose).items() if any(p.status in SETTLED for p in ps)}


OPEN = (S.PENDING, S.PROCESSING, S.FAILED, S.EXPIRED)


def owing_target_ids(model, purpose: str) -> set[int]:
    """The pks of ``model`` rows (of the active city) whose ``purpose`` fee is still owed."""
    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return {int(i) for i in Payment.objects.filter(content_type=ct, purpose=purpose, status__in=OPEN).values_list("object_id", flat=True)}


def settled_target_ids_query(model):
    """A subquery of the pks of ``model`` rows with a settled payment (any purpose), for a
    caller's ``filter(pk__in=…)`` (the inbox's 支払待ち without reading every id into Python)."""
    from django.db.models import IntegerField
    from django.db.models.functions import Cast

    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return Payment.objects.filter(content_type=ct, status__in=SETTLED).annotate(target_pk=Cast("object_id", IntegerField())).values("target_pk")


def refund_due_target_ids(model) -> set[int]:
    """The pks of ``model`` rows with a refund not yet done (承認待ち)."""
    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    rows = Refund.objects.filter(payment__content_type=ct, status=Refund.Status.REQUESTED).values_list("payment__object_id", flat=True)
    return {int(i) for i in rows}


def cancel(payment: Payment, *, actor=None, note: str = "") -> Payment:
    """取消: the fee is no longer owed (the booking was cancelled before paying)."""
    with transaction.atomic():
        return transition(_locked(payment), S.CANCELLED, actor=actor, note=note or "取消")


# --- paying ------------------------------------------------------------------------------------
def selectable_providers(municipality=None) -> list:
    return [p for p in payment_providers.values() if p.resident_selectable and p.configured(municipality)]


def expire_if_due(payment: Payment) -> Payment:
    """期限切れ: an unpaid payment past ``pay_by`` (also done by the periodic task)."""
    if payment.status in (S.PENDING, S.PROCESSING, S.FAILED) and payment.pay_by <= timezone.now():
        with transaction.atomic():
            payment = _locked(payment)
            if payment.status in (S.PENDING, S.PROCESSING, S.FAILED):
                transition(payment, S.EXPIRED, note="支払期限を過ぎました")
    return payment


def start_checkout(payment: Payment, provider_key: str, return_url: str, *, actor=None) -> str:
    """Send the resident to ``provider_key``'s checkout; returns the URL to redirect to."""
    provider = payment_providers.get(provider_key)
    if provider is None or not provider.resident_selectable or not provider.configured(payment.municipality):
        raise ValidationError("この決済手段は使えません。別の方法を選んでください。", code="provider")
    payment = expire_if_due(payment)
    with transaction.atomic():
        payment = _locked(payment)
        if payment.status not in (S.PENDING, S.PROCESSING, S.FAILED):
            raise PaymentClosed(_closed_message(payment), code="closed")
        payment.provider = provider_key
        url = provider.start_checkout(payment, return_url)
        payment.save(update_fields=["provider", "provider_reference", "updated_at"])
        # What the provider made for this attempt (a QR code's id and URL …), kept on the event
        # so the next attempt can reuse or withdraw it.
        made = getattr(payment, "checkout_payload", None)
        if payment.status != S.PROCESSING:
            transition(payment, S.PROCESSING, actor=actor, note="決済画面へ移動", payload=made)
        elif made:
            _event(payment, S.PROCESSING, S.PROCESSING, actor=actor, note="決済画面を作り直し", payload=made)
    return url


def _closed_message(payment: Payment) -> str:
    if payment.status in SETTLED:
        return "この支払はお支払い済みです。"
    if payment.status == S.EXPIRED:
        return "支払期限を過ぎています。支払期限を延ばしてからお支払いください。"
    return "この支払は取り消されています。"


def reissue(payment: Payment, *, actor=None) -> Payment:
    """期限切れの支払を再発行: a new deadline (``PAYMENTS_REISSUE_DAYS`` from now), status 未払.
    The same payment and merchant reference: the fee and the case stay linked."""
    with transaction.atomic():
        payment = _locked(payment)
        if payment.status != S.EXPIRED:
            raise PaymentClosed("期限切れの支払だけ、支払期限を延ばせます。", code="not_expired")
        payment.pay_by = timezone.now() + dt.timedelta(days=conf.reissue_days())
        payment.save(update_fields=["pay_by", "updated_at"])
        transition(payment, S.PENDING, actor=actor, note="支払期限を再設定")
    return payment


def refresh_status(payment: Payment) -> Payment:
    """For the return page's polling: ask the provider while the payment is in progress."""
    payment = expire_if_due(payment)
    if payment.status != S.PROCESSING:
        return payment
    provider = payment_providers.get(payment.provider)
    reported = provider.query_status(payment) if provider else None
    if reported and reported != payment.status:
        with transaction.atomic():
            locked = _locked(payment)
            if can_transition(locked.status, reported):
                transition(locked, reported, note="決済事業者に状態を照会")
            payment = locked
    return payment


# --- notifications -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    payment: Payment
    result: str  # applied, duplicate, unchanged, stale


def apply_notification(provider_key: str, notification: PaymentNotification) -> Outcome:
    """Apply a verified notification once: the payment row is locked, a provider event id
    already recorded is a duplicate (answered OK, nothing changes), a late event after
    settlement is kept but not applied. Raises ``NotificationError`` (unknown reference,
    amount mismatch, impossible transition)."""
    with transaction.atomic():
        payment = _find_payment(provider_key, notification)  # read and locked in one statement
        if payment is None:
            raise NotificationError(NotificationAnomaly.Kind.UNKNOWN_REFERENCE, "該当する支払がありません。", status=404)
        if notification.event_id and PaymentEvent.objects.filter(provider=provider_key, provider_event_id=notification.event_id).exists():
            return Outcome(payment, "duplicate")
        if notification.amount != payment.amount:
            raise NotificationError(NotificationAnomaly.Kind.AMOUNT_MISMATCH, "金額が一致しません。", payment, status=409)
        if notification.provider_reference and payment.provider_reference != notification.provider_reference:
            payment.provider_reference = notification.provider_reference
            payment.save(update_fields=["provider_reference", "updated_at"])
        kwargs = {"provider_event_id": notification.event_id, "payload": notification.payload}
        target = notification.status
        if target == payment.status:
            _event(payment, payment.status, target, note="同じ状態の通知", **kwargs)
            return Outcome(payment, "unchanged")
        if target == S.PENDING and payment.status != S.PROCESSING:
            # A lapsed checkout session (back to 未払) only matters while that checkout is in
            # progress; it never reopens an expired or failed fee.
            _event(payment, payment.status, payment.status, note="決済画面の期限切れ（適用せず）", **kwargs)
            return Outcome(payment, "stale")
        if can_transition(payment.status, target):
            transition(payment, target, note="決済事業者からの通知", **kwargs)
            return Outcome(payment, "applied")
        if payment.status == S.CANCELLED and target == S.PAID:
            # Money taken after the fee was withdrawn (a booking released, a case rejected while
            # its checkout was open): recorded and handed straight back.
            from .adjustments import refund_late_success

            return Outcome(payment, refund_late_success(payment, notification))
        if payment.status in SETTLED and target == S.PAID:
            _event(payment, payment.status, payment.status, note="支払済みの支払への支払通知（適用せず）", **kwargs)
            return Outcome(payment, "stale")
        if payment.status in SETTLED and target in _STALE_AFTER_SETTLED:
            _event(payment, payment.status, payment.status, note=f"遅れて届いた通知（{S(target).label}）", **kwargs)
            return Outcome(payment, "stale")
        raise NotificationError(NotificationAnomaly.Kind.ILLEGAL_TRANSITION, f"「{S(payment.status).label}」の支払に「{target}」の通知。", payment, status=409)


def _find_payment(provider_key: str, n: PaymentNotification) -> Payment | None:
    qs = Payment.objects.select_for_update().filter(provider=provider_key)
    if n.merchant_reference:
        return qs.filter(merchant_reference=n.merchant_reference).first()
    if n.provider_reference:
        return qs.filter(provider_reference=n.provider_reference).first()
    return None


def record_anomaly(provider_key: str, kind: str, *, reference: str = "", payment=None, detail: dict | None = None, remote_addr=None) -> NotificationAnomaly:
    """Keep a refused notification for staff (no secrets: never the signature or the body's
    credentials, only what identifies it)."""
    log.warning("payments: refused %s notification (%s) reference=%s", provider_key, kind, reference[:60])
    return NotificationAnomaly.objects.create(
        provider=provider_key[:30], kind=kind, reference=reference[:200], payment=payment, detail=detail or {}, remote_addr=remote_addr
    )


# --- counter (窓口払い) ---------------------------------------------------------------------------
COUNTER_METHODS = {"cash": "現金", "terminal": "窓口の決済端末"}
# Recorded by a rule, never offered to staff: a fee withheld from another fee already paid.
_RULE_METHODS = {"withheld": "支払済みの料金から差し引き"}


def record_counter_payment(payment: Payment, *, staff, method: str, at: dt.datetime | None = None) -> Payment:
    """窓口払い: staff record that the resident paid at the counter (who, when, how). ``staff``
    may be None only for a record made by a rule (a fee withheld, a data migration)."""
    label = COUNTER_METHODS.get(method) or (_RULE_METHODS.get(method) if staff is None else None)
    if label is None:
        raise ValidationError("支払方法を選んでください。", code="method")
    with transaction.atomic():
        payment = _locked(payment)
        if payment.status not in (S.PENDING, S.PROCESSING, S.FAILED, S.EXPIRED):
            raise PaymentClosed(_closed_message(payment), code="closed")
        payment.provider = "counter"
        payment.provider_reference = f"counter-{uuid.uuid4().hex[:16]}"
        payment.paid_at = at or timezone.now()
        payment.save(update_fields=["provider", "provider_reference", "paid_at", "updated_at"])
        transition(payment, S.PAID, actor=staff, note=f"窓口払い（{label}）", payload={"method": method, "staff": getattr(staff, "pk", None)})
    return payment


# --- refunds (返金) ------------------------------------------------------------------------------
def request_refund(payment: Payment, *, amount: int, reason: str, requested_by) -> Refund:
    """返金の申請 by a staff member; another staff member approves it."""
    from madoguchi.core.validation import refuse_my_number

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "返金の理由を入力してください。"})
    refuse_my_number(reason, "返金の理由", "reason")
    with transaction.atomic():
        payment = _locked(payment)
        pending = sum(r.amount for r in payment.refunds.filter(status=Refund.Status.REQUESTED))
        available = payment.refundable_amount - pending
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0 or amount > available:
            raise ValidationError({"amount": f"返金額は1円から{max(available, 0):,}円までの整数で入力してください。"})
        return Refund.objects.create(payment=payment, amount=amount, reason=reason, requested_by=requested_by)


def transfer(payment: Payment, to: Payment, *, note: str, requested_by, at: dt.datetime | None = None) -> Refund:
    """振替: ``to``'s amount is kept out of the settled ``payment`` (a 取消料 withheld from the
    使用料 already paid). ``to`` becomes 支払済 (withheld) and ``payment`` is refunded that
    much as a completed 振替; no money moves and nobody approves (the amount is a rule's)."""
    with transaction.atomic():
        payment = _locked(payment)
        if to.amount > payment.refundable_amount:
            raise ValidationError("振替の金額が支払済みの金額を超えています。", code="amount")
        record_counter_payment(to, staff=None, method="withheld", at=at)
        refund = Refund.objects.create(payment=payment, kind=Refund.Kind.TRANSFER, amount=to.amount, reason=note, requested_by=requested_by)
        _complete(payment, refund, actor=None, at=at, email=False)
    return refund


def request_rule_refund(payment: Payment, *, amount: int, reason: str, requested_by) -> Refund:
    """規則による返金: the owning app's rule says ``amount`` is owed back (a paid booking
    cancelled); staff record it handed back with ``complete_refund``."""
    with transaction.atomic():
        payment = _locked(payment)
        if amount <= 0 or amount > payment.refundable_amount:
            raise ValidationError("返金額が返金できる金額を超えています。", code="amount")
        return Refund.objects.create(payment=payment, kind=Refund.Kind.RULE, amount=amount, reason=reason, requested_by=requested_by)


def complete_refund(refund: Refund, *, actor=None, at: dt.datetime | None = None) -> bool:
    """Record a 規則による返金 as handed back (through the provider, or recorded for the
    counter). True when recorded now, False when it already was (two clicks record it once)."""
    if refund.kind != Refund.Kind.RULE:
        raise ValidationError("職員が申請した返金は、別の職員が承認してください。", code="kind")
    with transaction.atomic():
        payment = _locked(refund.payment)
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.status != Refund.Status.REQUESTED:
            refund.status, refund.decided_at = locked.status, locked.decided_at
            return False
        _complete(payment, locked, actor=actor, at=at, email=True)
        refund.status, refund.decided_at, refund.approved_by_id = locked.status, locked.decided_at, locked.approved_by_id
    return True


def _complete(payment: Payment, refund: Refund, *, actor, at=None, email: bool) -> None:
    """Refund through the provider (a 振替 moves no money), update the payment, tell the
    resident. Call in a transaction with ``payment`` locked."""
    if refund.amount > payment.refundable_amount:
        raise ValidationError("返金額が返金できる金額を超えています。", code="amount")
    if refund.kind != Refund.Kind.TRANSFER:
        refund.provider_reference = payment_providers[payment.provider].refund(payment, refund.amount) or ""
    refund.status, refund.decided_at = Refund.Status.COMPLETED, at or timezone.now()
    # approved_by ≠ requested_by is a database check: a resident's own staff account stays unnamed
    refund.approved_by = actor if getattr(actor, "pk", None) and actor.pk != refund.requested_by_id else None
    refund.save(update_fields=["status", "approved_by", "decided_at", "provider_reference"])
    payment.refunded_amount += refund.amount
    payment.save(update_fields=["refunded_amount", "updated_at"])
    to = S.REFUNDED if payment.refunded_amount >= payment.amount else S.PARTIALLY_REFUNDED
    label = "振替" if refund.kind == Refund.Kind.TRANSFER else "返金"
    transition(payment, to, actor=actor, note=f"{label} {refund.amount:,}円", payload={"refund": refund.pk, "kind": refund.kind})
    if email and payment.payer_email:
        from madoguchi.core.notify import send_template

        send_template(
            payment.payer_email,
            "payments/email/refunded",
            {"payment": payment, "refund": refund},
            municipality=payment.municipality,
            dedupe_key=f"payments-refund-{refund.pk}",
        )


def approve_refund(refund: Refund, *, approver) -> Refund:
    """承認: by someone other than the requester; refunds through the provider (or records it
    for the counter), updates the payment and emails the resident."""
    if approver.pk == refund.requested_by_id:
        raise ValidationError("返金を申請した職員とは別の職員が承認してください。", code="same_person")
    with transaction.atomic():
        payment = _locked(refund.payment)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != Refund.Status.REQUESTED:
            raise ValidationError("この返金はすでに処理されています。", code="decided")
        _complete(payment, refund, actor=approver, email=True)
    return refund


def reject_refund(refund: Refund, *, approver) -> Refund:
    if approver.pk == refund.requested_by_id:
        raise ValidationError("返金を申請した職員とは別の職員が判断してください。", code="same_person")
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != Refund.Status.REQUESTED:
            raise ValidationError("この返金はすでに処理されています。", code="decided")
        refund.status, refund.approved_by, refund.decided_at = Refund.Status.REJECTED, approver, timezone.now()
        refund.save(update_fields=["status", "approved_by", "decided_at"])
    return refund


def expire_overdue() -> int:
    """期限切れ for every unpaid payment past its deadline (periodic task; idempotent)."""
    from madoguchi.core import tenancy

    due = Payment.objects.filter(status__in=[S.PENDING, S.PROCESSING, S.FAILED], pay_by__lte=timezone.now()).select_related("municipality")
    count = 0
    for payment in due[:1000]:
        with tenancy.using(payment.municipality):
            if expire_if_due(payment).status == S.EXPIRED:
                count += 1
    return count
