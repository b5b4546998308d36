"""Stripe through its official SDK against a local fake of the Stripe HTTP API on loopback:
Checkout Session (idempotency key = merchant reference, amount from the server), signed
webhooks (card, コンビニ), status polling, refunds, refusals and the system check."""

import time

import pytest
from django.core.cache import cache

from madoguchi.core.factories import StaffFactory
from madoguchi.payments import services
from madoguchi.payments.conftest import HOST
from madoguchi.payments.contrib.stripe.provider import StripeProvider
from madoguchi.payments.models import NotificationAnomaly, Payment, PaymentEvent
from madoguchi.payments.testing import serve

from .fake_api import FakeStripe

S = Payment.Status
NOTIFY = "/payments/notify/stripe/"


@pytest.fixture
def fake(city):
    api = FakeStripe()
    with serve(api) as base:
        api.base_url = base
        city.provider_settings = {
            "payments": {"stripe": {"secret_key": api.secret_key, "webhook_secret": api.webhook_secret, "api_base": base, "max_network_retries": 0}}
        }
        city.save(update_fields=["provider_settings"])
        cache.clear()
        yield api
    cache.clear()


@pytest.fixture
def stripe_payment(fake, payment):
    payment.provider = "stripe"
    payment.save(update_fields=["provider"])
    return payment


def checkout(client, resident, payment):
    client.force_login(resident)
    go = client.post(f"/payments/{payment.pk}/pay/", {"provider": "stripe", "amount": "1"}, HTTP_HOST=HOST)
    assert go.status_code == 302, go.content.decode()
    payment.refresh_from_db()
    return go["Location"]


def deliver(client, body, signature, **extra):
    return client.post(NOTIFY, body, content_type="application/json", HTTP_HOST=HOST, HTTP_STRIPE_SIGNATURE=signature, **extra)


def test_checkout_session_from_the_server_amount_with_merchant_reference_as_idempotency_key(client, fake, payment, resident):
    location = checkout(client, resident, payment)
    (create,) = fake.posts("/v1/checkout/sessions")
    assert create["idempotency_key"] == payment.merchant_reference
    params = create["params"]
    assert params["line_items"][0]["price_data"] == {"currency": "jpy", "unit_amount": "1200", "product_data": {"name": "施設使用料"}}
    assert params["client_reference_id"] == payment.merchant_reference
    assert params["payment_method_types"] == ["card", "konbini"]
    assert params["payment_method_options"]["konbini"]["expires_after_days"] == "3"
    assert params["success_url"].endswith(f"/payments/{payment.pk}/result/")
    assert location == f"{fake.base_url}/c/pay/{payment.provider_reference}"
    assert payment.status == S.PROCESSING and payment.provider == "stripe"
    # A second tab or a reload while the session is open goes to the same session.
    assert checkout(client, resident, payment) == location
    assert len(fake.posts("/v1/checkout/sessions")) == 1


def test_card_webhook_settles_once(client, fake, payment, resident):
    checkout(client, resident, payment)
    session = fake.complete(payment.provider_reference)
    body, signature = fake.event("checkout.session.completed", session)
    first, again = deliver(client, body, signature), deliver(client, body, signature)
    assert (first.status_code, first.json()) == (200, {"result": "applied"})
    assert (again.status_code, again.json()) == (200, {"result": "duplicate"})
    payment.refresh_from_db()
    assert payment.status == S.PAID
    assert PaymentEvent.objects.filter(payment=payment, to_status=S.PAID).count() == 1
    # the same success under another event id (Stripe retried with a new event) changes nothing
    body2, signature2 = fake.event("checkout.session.completed", session)
    assert deliver(client, body2, signature2).json() == {"result": "unchanged"}


def test_konbini_voucher_then_async_payment(client, fake, payment, resident):
    checkout(client, resident, payment)
    voucher = fake.complete(payment.provider_reference, paid=False)
    assert deliver(client, *fake.event("checkout.session.completed", voucher)).json() == {"result": "unchanged"}
    payment.refresh_from_db()
    assert payment.status == S.PROCESSING
    # while the voucher is outstanding a new checkout would risk a second payment: refused
    client.force_login(resident)
    page = client.post(f"/payments/{payment.pk}/pay/", {"provider": "stripe"}, HTTP_HOST=HOST)
    assert page.status_code == 400 and "コンビニでのお支払いをお待ちしています" in page.content.decode()
    assert len(fake.posts("/v1/checkout/sessions")) == 1
    paid = fake.pay_konbini(payment.provider_reference)
    assert deliver(client, *fake.event("checkout.session.async_payment_succeeded", paid)).json() == {"result": "applied"}
    payment.refresh_from_db()
    assert payment.status == S.PAID


def test_konbini_failure_then_retry_with_a_new_session(client, fake, payment, resident):
    checkout(client, resident, payment)
    first = payment.provider_reference
    fake.complete(first, paid=False)
    assert deliver(client, *fake.event("checkout.session.async_payment_failed", fake.sessions[first])).json() == {"result": "applied"}
    payment.refresh_from_db()
    assert payment.status == S.FAILED
    fake.expire(first)
    checkout(client, resident, payment)
    second = fake.posts("/v1/checkout/sessions")[-1]
    assert payment.provider_reference != first and second["idempotency_key"] == f"{payment.merchant_reference}-after-{first}"


def test_lapsed_session_returns_to_unpaid_and_a_new_one_is_made(client, fake, payment, resident):
    checkout(client, resident, payment)
    first = payment.provider_reference
    assert deliver(client, *fake.event("checkout.session.expired", fake.expire(first))).json() == {"result": "applied"}
    payment.refresh_from_db()
    assert payment.status == S.PENDING
    checkout(client, resident, payment)
    assert payment.provider_reference != first and len(fake.posts("/v1/checkout/sessions")) == 2


def test_return_page_polls_the_session(client, fake, payment, resident):
    checkout(client, resident, payment)
    page = client.get(f"/payments/{payment.pk}/result/", HTTP_HOST=HOST)
    assert page.status_code == 200
    payment.refresh_from_db()
    assert payment.status == S.PROCESSING
    fake.complete(payment.provider_reference)
    client.get(f"/payments/{payment.pk}/result/", HTTP_HOST=HOST, HTTP_HX_REQUEST="true")
    payment.refresh_from_db()
    assert payment.status == S.PAID
    assert payment.events.filter(note="決済事業者に状態を照会", to_status=S.PAID).exists()


def test_refusals_are_logged_shown_and_rate_limited(client, fake, payment, resident, settings):
    checkout(client, resident, payment)
    session = fake.complete(payment.provider_reference)
    body, _ = fake.event("checkout.session.completed", session)
    forged = deliver(client, *fake.event("checkout.session.completed", session, secret="whsec_other"))
    tampered = deliver(client, body.replace(b'"amount_total": 1200', b'"amount_total": 1'), fake.event("checkout.session.completed", session)[1])
    stale = deliver(client, *fake.event("checkout.session.completed", session, timestamp=int(time.time()) - 3600))
    missing = client.post(NOTIFY, body, content_type="application/json", HTTP_HOST=HOST)
    assert [r.status_code for r in (forged, tampered, stale, missing)] == [403, 403, 403, 403]
    cheap = deliver(client, *fake.event("checkout.session.completed", {**session, "amount_total": 1}))
    unknown = deliver(client, *fake.event("checkout.session.completed", {**session, "id": "cs_test_other", "client_reference_id": "139998-20000101-00001"}))
    assert (cheap.status_code, unknown.status_code) == (409, 404)
    kinds = sorted(NotificationAnomaly.objects.values_list("kind", flat=True))
    assert kinds == ["amount_mismatch"] + ["bad_signature"] * 4 + ["unknown_reference"]
    payment.refresh_from_db()
    assert payment.status == S.PROCESSING
    # refused signatures count per address: past the limit the sender is answered 429 unread
    settings.PAYMENTS_BAD_SIGNATURE_LIMIT = 5
    assert deliver(client, *fake.event("checkout.session.completed", session, secret="whsec_other")).status_code == 403
    assert deliver(client, *fake.event("checkout.session.completed", session)).status_code == 429


def test_other_event_types_are_acknowledged_not_applied(client, fake, payment, resident):
    checkout(client, resident, payment)
    answer = deliver(client, *fake.event("payment_intent.created", {"id": "pi_test_1", "object": "payment_intent", "amount": 1200}))
    assert (answer.status_code, answer.json()) == (200, {"result": "ignored"})
    assert not NotificationAnomaly.objects.exists()


def test_refund_through_stripe_partial_then_rest(client, fake, payment, resident, sections):
    checkout(client, resident, payment)
    deliver(client, *fake.event("checkout.session.completed", fake.complete(payment.provider_reference)))
    payment.refresh_from_db()
    clerk, chief = StaffFactory(section=sections["sports"]), StaffFactory(section=sections["sports"])
    refund = services.approve_refund(services.request_refund(payment, amount=200, reason="一部取消", requested_by=clerk), approver=chief)
    rest = services.approve_refund(services.request_refund(payment, amount=1000, reason="全部取消", requested_by=clerk), approver=chief)
    payment.refresh_from_db()
    assert payment.status == S.REFUNDED and payment.refunded_amount == 1200
    assert [r["amount"] for r in fake.refunds.values()] == [200, 1000]
    assert {refund.provider_reference, rest.provider_reference} == set(fake.refunds)
    keys = [r["idempotency_key"] for r in fake.posts("/v1/refunds")]
    assert keys == [f"{payment.merchant_reference}-refund-0-200", f"{payment.merchant_reference}-refund-200-1000"]


def test_not_offered_without_an_account_and_api_errors_explained(client, payment, resident, city, fake):
    assert StripeProvider().configured(city)
    city.provider_settings = {
        "payments": {"stripe": {"secret_key": "sk_test_wrong", "webhook_secret": "whsec_x", "api_base": fake.base_url, "max_network_retries": 0}}
    }
    city.save(update_fields=["provider_settings"])
    client.force_login(resident)
    page = client.post(f"/payments/{payment.pk}/pay/", {"provider": "stripe"}, HTTP_HOST=HOST)
    assert page.status_code == 400 and "接続できませんでした" in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == S.PENDING and payment.provider_reference == ""
    city.provider_settings = {}
    city.save(update_fields=["provider_settings"])
    assert not StripeProvider().configured(city)
    assert "Stripe" not in client.get(f"/payments/{payment.pk}/pay/", HTTP_HOST=HOST).content.decode()


def test_system_check(settings):
    provider = StripeProvider()
    provider.key = "stripe"
    settings.MADOGUCHI_PROVIDERS = {"payments": {"stripe": {"secret_key": "sk_live_x"}}}
    assert [m.id for m in provider.check()] == ["madoguchi.payments.E101"]
    settings.MADOGUCHI_PROVIDERS = {"payments": {"stripe": {"secret_key": "sk_live_x", "webhook_secret": "whsec_x"}}}
    assert provider.check() == []


def test_a_late_card_success_after_the_booking_was_released_is_refunded_once_at_stripe(client, fake, payment, resident):
    """The booking was released while its Checkout Session was open; Stripe then reports it
    paid: the platform records the money and refunds all of it through Stripe, once."""
    checkout(client, resident, payment)
    services.cancel(payment, note="支払期限を過ぎた予約の解放")
    session = fake.complete(payment.provider_reference)
    body, signature = fake.event("checkout.session.completed", session)
    assert deliver(client, body, signature).json() == {"result": "refunded"}
    assert deliver(client, body, signature).json() == {"result": "duplicate"}
    assert deliver(client, *fake.event("checkout.session.completed", session)).json() == {"result": "stale"}
    (refund,) = fake.posts("/v1/refunds")
    assert refund["params"]["payment_intent"] == session["payment_intent"] and refund["params"]["amount"] == "1200"
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (S.REFUNDED, 1200)
    assert payment.refunds.get().provider_reference in fake.refunds
    assert not NotificationAnomaly.objects.exists()


def test_exemption_after_a_card_payment_refunds_the_difference_at_stripe(client, fake, payment, resident):
    from madoguchi.payments import adjustments

    checkout(client, resident, payment)
    deliver(client, *fake.event("checkout.session.completed", fake.complete(payment.provider_reference)))
    refund = adjustments.refund_for_new_amount(payment, 600, reason="減免50％による差額", requested_by=resident)
    (sent,) = fake.posts("/v1/refunds")
    assert sent["params"]["amount"] == "600" and refund.provider_reference == next(iter(fake.refunds))
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (S.PARTIALLY_REFUNDED, 600)
