"""Refunds the platform makes by itself: the difference when a 減免 lowers a paid fee, and the
whole of a provider's success that arrives after the payment was cancelled (once)."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from madoguchi.payments import adjustments, services
from madoguchi.payments.contrib.demo import provider as demo
from madoguchi.payments.contrib.demo.views import deliver
from madoguchi.payments.models import Payment, Refund

S = Payment.Status


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_member(sections):
    from madoguchi.core.factories import StaffFactory

    return StaffFactory(section=sections["sports"])


def paid_online(payment):
    services.start_checkout(payment, "demo", "http://pay.localhost/back/")
    assert deliver(payment, S.PAID).status == 200
    payment.refresh_from_db()
    assert payment.status == S.PAID
    return payment


@pytest.mark.parametrize(("new_amount", "back", "status"), [(600, 600, S.PARTIALLY_REFUNDED), (0, 1200, S.REFUNDED), (1080, 120, S.PARTIALLY_REFUNDED)])
def test_exemption_after_payment_refunds_the_difference_through_the_provider(payment, resident, mailoutbox, run_tasks, new_amount, back, status):
    paid_online(payment)
    refund = adjustments.refund_for_new_amount(payment, new_amount, reason="減免（テスト）による差額", requested_by=resident)
    payment.refresh_from_db()
    assert (refund.kind, refund.amount, refund.status) == (Refund.Kind.RULE, back, Refund.Status.COMPLETED)
    assert refund.provider_reference  # the demo provider's refund id
    assert (payment.status, payment.refunded_amount) == (status, back)
    assert payment.events.filter(to_status=status, note__contains=f"{back:,}円").exists()
    # the same decision again refunds nothing more
    assert adjustments.refund_for_new_amount(payment, new_amount, reason="二度目", requested_by=resident) is None
    assert payment.refunds.count() == 1
    run_tasks()
    (mail,) = [m for m in mailoutbox if "返金" in m.subject]
    assert mail.to == [payment.payer_email] and f"{back}円" in mail.body and "減免（テスト）による差額" in mail.body


def test_exemption_on_an_unpaid_or_unchanged_fee_refunds_nothing(payment, resident):
    assert adjustments.refund_for_new_amount(payment, 600, reason="未払い", requested_by=resident) is None
    paid_online(payment)
    assert adjustments.refund_for_new_amount(payment, 1200, reason="変わらず", requested_by=resident) is None
    assert adjustments.refund_for_new_amount(payment, 5000, reason="値上げ", requested_by=resident) is None
    assert not payment.refunds.exists()


def test_exemption_on_a_counter_payment_waits_for_staff_and_tells_the_resident(payment, resident, staff_member, mailoutbox, run_tasks):
    services.record_counter_payment(payment, staff=staff_member, method="cash")
    refund = adjustments.refund_for_new_amount(payment, 200, reason="減免による差額", requested_by=resident)
    payment.refresh_from_db()
    assert (refund.status, refund.amount, payment.refunded_amount, payment.status) == (Refund.Status.REQUESTED, 1000, 0, S.PAID)
    assert adjustments.refund_for_new_amount(payment, 200, reason="二度目", requested_by=resident) is None  # pending counts
    services.complete_refund(refund, actor=staff_member)  # handed back at the counter
    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.status) == (1000, S.PARTIALLY_REFUNDED)
    run_tasks()
    due = [m for m in mailoutbox if "窓口でお返しします" in m.body]
    assert len(due) == 1 and "1000円" in due[0].body.replace(",", "")


def test_a_late_success_after_cancellation_is_refunded_once(payment, mailoutbox, run_tasks):
    services.start_checkout(payment, "demo", "http://pay.localhost/back/")
    services.cancel(payment, note="予約の解放")  # the hold was released while the checkout was open
    body = demo.notification_body(payment, S.PAID)
    event_id = json.loads(body)["event_id"]
    first = deliver(payment, S.PAID, event_id=event_id)
    again = deliver(payment, S.PAID, event_id=event_id)  # the provider retries the same event
    other = deliver(payment, S.PAID)  # and once more under another id
    assert (first.status, first.result) == (200, "refunded")
    assert (again.result, other.result) == ("duplicate", "stale")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (S.REFUNDED, 1200) and payment.paid_at is not None
    (refund,) = payment.refunds.all()
    assert (refund.kind, refund.status, refund.amount, refund.requested_by) == (Refund.Kind.RULE, Refund.Status.COMPLETED, 1200, None)
    assert not payment.anomalies.exists()
    assert list(payment.events.values_list("from_status", "to_status"))[-3:-1] == [(S.CANCELLED, S.PAID), (S.PAID, S.REFUNDED)]
    run_tasks()
    assert len([m for m in mailoutbox if "返金" in m.subject]) == 1


def test_a_late_success_on_a_counter_cancelled_fee_is_left_for_staff(payment, staff_member):
    Payment.objects.filter(pk=payment.pk).update(provider="slip")
    payment.refresh_from_db()
    services.cancel(payment, note="申請の却下")
    from madoguchi.core.registry import PaymentNotification

    n = PaymentNotification(merchant_reference=payment.merchant_reference, status=S.PAID, amount=1200, event_id="slip:late", payload={})
    outcome = services.apply_notification("slip", n)
    assert outcome.result == "refund_due"
    payment.refresh_from_db()
    assert payment.status == S.PAID and payment.refunds.get().status == Refund.Status.REQUESTED


def test_expired_payment_paid_late_is_kept(payment):
    """期限切れ is not 取消: the fee is still owed, so money taken late is kept, not refunded."""
    services.start_checkout(payment, "demo", "http://pay.localhost/back/")
    Payment.objects.filter(pk=payment.pk).update(pay_by=timezone.now() - dt.timedelta(minutes=1))
    services.expire_if_due(payment)
    assert deliver(payment, S.PAID).result == "applied"
    payment.refresh_from_db()
    assert payment.status == S.PAID and not payment.refunds.exists()


def test_a_guests_refund_email_has_no_account_link(sections, mailoutbox, run_tasks):
    guest = services.Guest("緑野 一郎", "ichiro@example.jp")
    payment = services.request_payment(sections["shimin"], "手数料", 300, sections["shimin"], guest, timezone.now() + dt.timedelta(days=7))
    services.start_checkout(payment, "demo", "http://pay.localhost/back/")
    services.cancel(payment, note="申請の却下")
    assert deliver(payment, S.PAID).result == "refunded"
    run_tasks()
    (mail,) = [m for m in mailoutbox if "返金" in m.subject]
    assert mail.to == ["ichiro@example.jp"] and "お支払いの履歴" not in mail.body and "300円" in mail.body
