"""The state machine (未払 → 処理中 → 支払済 / 失敗 / 期限切れ / 取消 → 返金済), the public API
and notifications applied once."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from madoguchi.core.models import AppendOnlyError
from madoguchi.core.registry import PaymentNotification
from madoguchi.payments import notifications, services
from madoguchi.payments.contrib.demo import provider as demo
from madoguchi.payments.models import NotificationAnomaly, Payment, PaymentEvent

S = Payment.Status


def test_request_payment_makes_one_fee_per_object_and_purpose(payment, sections, resident):
    again = services.request_payment(sections["sports"], "施設使用料", 1200, sections["sports"], resident, payment.pay_by)
    assert again.pk == payment.pk  # a double click never makes a second fee
    assert payment.merchant_reference.startswith("139998-")
    assert payment.merchant_reference.replace("-", "").isdigit()
    assert services.payment_for(sections["sports"]) == payment
    assert not services.is_paid(sections["sports"])


@pytest.mark.parametrize("amount", [0, -1, 12.5, "1200", True])
def test_amount_must_be_positive_integer_yen(sections, resident, amount):
    with pytest.raises(ValidationError):
        services.request_payment(sections["sports"], "施設使用料", amount, sections["sports"], resident, timezone.now())


def test_merchant_references_are_sequential(sections, resident):
    a = services.request_payment(sections["sports"], "A", 100, sections["sports"], resident, timezone.now())
    b = services.request_payment(sections["sports"], "B", 100, sections["sports"], resident, timezone.now())
    assert int(b.merchant_reference[-5:]) == int(a.merchant_reference[-5:]) + 1


def test_illegal_transitions_raise(payment):
    from django.db import transaction

    with transaction.atomic():
        with pytest.raises(services.IllegalTransition):
            services.transition(services._locked(payment), S.REFUNDED)
    services.cancel(payment)
    payment.refresh_from_db()
    with pytest.raises(services.IllegalTransition):
        services.cancel(payment)  # 取消 is final


def test_every_status_has_a_rule():
    assert set(services.TRANSITIONS) == set(S.values)


def test_events_are_append_only(payment):
    event = payment.events.first()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def _note(payment, status, event_id="evt_1", amount=None):
    return PaymentNotification(
        event_id=event_id, status=status, amount=payment.amount if amount is None else amount, merchant_reference=payment.merchant_reference
    )


def test_notification_settles_once_and_signals(payment, sections, django_capture_on_commit_callbacks):
    settled = []

    def receiver(sender, payment, **kwargs):
        settled.append(payment.pk)

    services.payment_settled.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = services.apply_notification("demo", _note(payment, S.PAID))
            second = services.apply_notification("demo", _note(payment, S.PAID))  # the same event again
            third = services.apply_notification("demo", _note(payment, S.PAID, "evt_2"))  # a second "paid"
    finally:
        services.payment_settled.disconnect(receiver)
    assert (first.result, second.result, third.result) == ("applied", "duplicate", "unchanged")
    assert settled == [payment.pk]
    assert PaymentEvent.objects.filter(payment=payment, to_status=S.PAID).exclude(from_status=S.PAID).count() == 1
    assert services.is_paid(sections["sports"])


def test_late_processing_after_paid_is_kept_not_applied(payment):
    services.apply_notification("demo", _note(payment, S.PAID, "evt_paid"))
    outcome = services.apply_notification("demo", _note(payment, S.PROCESSING, "evt_early"))
    assert outcome.result == "stale"
    payment.refresh_from_db()
    assert payment.status == S.PAID


def test_amount_mismatch_and_unknown_reference_are_refused(payment):
    with pytest.raises(services.NotificationError) as exc:
        services.apply_notification("demo", _note(payment, S.PAID, amount=1))
    assert exc.value.kind == "amount_mismatch"
    with pytest.raises(services.NotificationError) as exc:
        services.apply_notification("demo", PaymentNotification(event_id="x", status="paid", amount=1200, merchant_reference="nope"))
    assert exc.value.kind == "unknown_reference"
    payment.refresh_from_db()
    assert payment.status == S.PENDING


def _signed(payment, status="paid", *, amount=None, event_id=None, secret_ok=True):
    body = demo.notification_body(payment, status, amount=amount, event_id=event_id)
    signature = demo.sign(body, payment.municipality) if secret_ok else "0" * 64
    return SimpleNamespace(body=body, headers={demo.SIGNATURE_HEADER: signature})


def test_receive_refuses_bad_signature_and_records_it(payment):
    answer = notifications.receive("demo", _signed(payment, secret_ok=False), "192.0.2.1")
    assert answer.status == 403
    anomaly = NotificationAnomaly.objects.get()
    assert anomaly.kind == "bad_signature" and "0" * 64 not in str(anomaly.detail)
    payment.refresh_from_db()
    assert payment.status == S.PENDING


def test_bad_signatures_count_against_a_limit(payment, settings):
    settings.PAYMENTS_BAD_SIGNATURE_LIMIT = 2
    from django.core.cache import cache

    cache.clear()
    answers = [notifications.receive("demo", _signed(payment, secret_ok=False), "192.0.2.9").status for _ in range(3)]
    assert answers == [403, 403, 429]
    # another sender is not blocked, and a good notification from it settles
    assert notifications.receive("demo", _signed(payment), "192.0.2.10").status == 200
    cache.clear()


def test_receive_amount_mismatch_is_recorded_for_staff(payment):
    answer = notifications.receive("demo", _signed(payment, amount=99), "192.0.2.1")
    assert answer.status == 409
    anomaly = NotificationAnomaly.objects.get()
    assert anomaly.kind == "amount_mismatch" and anomaly.payment_id == payment.pk


def test_another_citys_secret_is_refused(payment):
    from madoguchi.core.factories import MunicipalityFactory

    other = MunicipalityFactory(code="139980", name="他市")
    body = demo.notification_body(payment, "paid")
    request = SimpleNamespace(body=body, headers={demo.SIGNATURE_HEADER: demo.sign(body, other)})
    assert notifications.receive("demo", request, "192.0.2.1").status == 403


def test_city_secret_from_provider_settings(payment):
    city = payment.municipality
    city.provider_settings = {"payments": {"demo": {"secret": "s3cret"}}}
    city.save()
    assert demo.secret(city) == "s3cret"
    assert notifications.receive("demo", _signed(payment), "192.0.2.1").status == 200


def test_expiry_reissue_and_retry_keep_the_payment(payment):
    Payment.objects.filter(pk=payment.pk).update(pay_by=timezone.now() - dt.timedelta(minutes=1))
    payment.refresh_from_db()
    with pytest.raises(services.PaymentClosed):
        services.start_checkout(payment, "demo", "/back/")
    payment.refresh_from_db()
    assert payment.status == S.EXPIRED
    services.reissue(payment)
    payment.refresh_from_db()
    assert payment.status == S.PENDING and payment.pay_by > timezone.now()
    url = services.start_checkout(payment, "demo", "/back/")
    assert "/payments/demo-provider/checkout/" in url
    services.apply_notification("demo", _note(payment, S.FAILED))
    payment.refresh_from_db()
    assert payment.status == S.FAILED
    services.start_checkout(payment, "demo", "/back/")  # a declined card may try again
    payment.refresh_from_db()
    assert payment.status == S.PROCESSING


def test_counter_payment_records_who_and_how(payment, sections):
    from madoguchi.core.factories import StaffFactory

    clerk = StaffFactory(section=sections["sports"])
    services.record_counter_payment(payment, staff=clerk, method="cash")
    payment.refresh_from_db()
    assert payment.status == S.PAID and payment.provider == "counter" and payment.paid_at
    event = payment.events.last()
    assert event.actor == clerk and "現金" in event.note
    with pytest.raises(services.PaymentClosed):
        services.record_counter_payment(payment, staff=clerk, method="cash")


def test_periodic_expiry_marks_overdue_payments(payment):
    from madoguchi.core import tenancy

    Payment.objects.filter(pk=payment.pk).update(pay_by=timezone.now() - dt.timedelta(minutes=1))
    with tenancy.for_task(None):
        assert services.expire_overdue() == 1
        assert services.expire_overdue() == 0  # idempotent
    payment.refresh_from_db()
    assert payment.status == S.EXPIRED
