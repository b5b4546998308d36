"""PayPay through its official SDK (``paypayopa``) against a local fake of PayPay's API on
loopback that checks the SDK's HMAC ``OPA-Auth`` header: dynamic QR creation (never two payable
codes for one fee), the unsigned webhook confirmed with PayPay before it is applied, polling,
refunds, refusals and the system check."""

import pytest
from django.core.cache import cache

from madoguchi.core.factories import StaffFactory
from madoguchi.payments import services
from madoguchi.payments.conftest import HOST
from madoguchi.payments.contrib.paypay.provider import PayPayProvider, client
from madoguchi.payments.models import NotificationAnomaly, Payment, PaymentEvent
from madoguchi.payments.testing import serve

from .fake_api import FakePayPay

S = Payment.Status
NOTIFY = "/payments/notify/paypay/"


def _settings(api, **extra):
    return {"payments": {"paypay": {"api_key": api.api_key, "api_secret": api.api_secret, "merchant_id": api.merchant_id, "api_base": api.base_url, **extra}}}


@pytest.fixture
def fake(city):
    api = FakePayPay()
    with serve(api) as base:
        api.base_url = base
        city.provider_settings = _settings(api)
        city.save(update_fields=["provider_settings"])
        cache.clear()
        yield api
    cache.clear()


def checkout(client_, resident, payment):
    client_.force_login(resident)
    go = client_.post(f"/payments/{payment.pk}/pay/", {"provider": "paypay", "amount": "1"}, HTTP_HOST=HOST)
    assert go.status_code == 302, go.content.decode()
    payment.refresh_from_db()
    return go["Location"]


def deliver(client_, body, query=""):
    return client_.post(NOTIFY + query, body, content_type="application/json", HTTP_HOST=HOST)


def test_the_fake_checks_the_sdks_hmac_header(fake, active):
    good = client(active).Code.get_payment_details("nothing")
    assert good["resultInfo"]["code"] == "DYNAMIC_QR_PAYMENT_NOT_FOUND"  # authenticated, then not found
    active.provider_settings = _settings(fake, api_secret="wrong")
    assert client(active).Code.get_payment_details("nothing")["resultInfo"]["code"] == "UNAUTHORIZED"


def test_qr_code_from_the_server_amount_reused_while_open(client, fake, payment, resident):
    location = checkout(client, resident, payment)
    (create,) = fake.calls("POST", "/v2/codes")
    body = create["body"]
    assert body["merchantPaymentId"] == payment.merchant_reference == payment.provider_reference
    assert body["amount"] == {"amount": 1200, "currency": "JPY"} and body["codeType"] == "ORDER_QR"
    assert body["redirectUrl"].endswith(f"/payments/{payment.pk}/result/") and body["redirectType"] == "WEB_LINK"
    assert location == fake.codes[payment.merchant_reference]["url"]
    assert payment.status == S.PROCESSING
    assert checkout(client, resident, payment) == location  # a second tab: the same code
    assert len(fake.calls("POST", "/v2/codes")) == 1


def test_webhook_confirmed_with_paypay_settles_once(client, fake, payment, resident):
    checkout(client, resident, payment)
    fake.pay(payment.provider_reference)
    body = fake.webhook(payment.provider_reference)
    assert deliver(client, body).json() == {"result": "applied"}
    assert deliver(client, body).json() == {"result": "duplicate"}
    payment.refresh_from_db()
    assert payment.status == S.PAID
    assert PaymentEvent.objects.filter(payment=payment, to_status=S.PAID).count() == 1
    assert len(fake.calls("GET", "/v2/codes/payments/")) == 2  # each delivery asked PayPay
    # a paid code is never replaced by a new one
    assert client.post(f"/payments/{payment.pk}/pay/", {"provider": "paypay"}, HTTP_HOST=HOST).status_code == 200
    assert len(fake.calls("POST", "/v2/codes")) == 1


def test_unconfirmed_or_forged_notifications_are_refused(client, fake, payment, resident, settings):
    checkout(client, resident, payment)
    mpid = payment.provider_reference
    claims_paid = deliver(client, fake.webhook(mpid, state="COMPLETED"))  # PayPay says CREATED
    fake.pay(mpid)
    cheaper = deliver(client, fake.webhook(mpid, order_amount=1))
    stranger = deliver(client, fake.webhook(mpid, merchant_id="123"))
    unknown = deliver(client, fake.webhook(mpid, merchant_order_id="139998-20000101-00009"))
    garbage = deliver(client, b"{not json")
    assert [r.status_code for r in (claims_paid, cheaper, stranger, unknown, garbage)] == [403, 403, 403, 403, 400]
    assert NotificationAnomaly.objects.filter(kind="bad_signature").count() == 4
    payment.refresh_from_db()
    assert payment.status == S.PROCESSING
    settings.PAYMENTS_BAD_SIGNATURE_LIMIT = 5
    assert deliver(client, fake.webhook(mpid)).status_code == 429  # refused ones count per address


def test_amount_on_paypay_differs_from_the_fee(client, fake, payment, resident):
    checkout(client, resident, payment)
    code = fake.pay(payment.provider_reference)
    code["amount"]["amount"] = 100  # PayPay took another amount than the fee
    answer = deliver(client, fake.webhook(payment.provider_reference))
    assert answer.status_code == 409 and NotificationAnomaly.objects.get().kind == "amount_mismatch"


def test_webhook_token_refuses_strangers_before_asking_paypay(client, fake, payment, resident, city):
    city.provider_settings = _settings(fake, webhook_token="t0ken")
    city.save(update_fields=["provider_settings"])
    checkout(client, resident, payment)
    fake.pay(payment.provider_reference)
    before = len(fake.requests)
    assert deliver(client, fake.webhook(payment.provider_reference), "?token=nope").status_code == 403
    assert len(fake.requests) == before
    assert deliver(client, fake.webhook(payment.provider_reference), "?token=t0ken").json() == {"result": "applied"}


def test_expired_code_withdrawn_and_a_new_one_made(client, fake, payment, resident):
    checkout(client, resident, payment)
    first = payment.provider_reference
    fake.expire(first)
    assert deliver(client, fake.webhook(first)).json() == {"result": "applied"}
    payment.refresh_from_db()
    assert payment.status == S.PENDING
    checkout(client, resident, payment)
    assert payment.provider_reference == f"{first}-r2"
    assert fake.calls("DELETE", "/v2/codes/")  # the old code withdrawn
    fake.pay(payment.provider_reference)
    assert deliver(client, fake.webhook(payment.provider_reference)).json() == {"result": "applied"}
    payment.refresh_from_db()
    assert payment.status == S.PAID


def test_return_page_polls_paypay(client, fake, payment, resident):
    checkout(client, resident, payment)
    client.get(f"/payments/{payment.pk}/result/", HTTP_HOST=HOST)
    payment.refresh_from_db()
    assert payment.status == S.PROCESSING
    fake.pay(payment.provider_reference)
    client.get(f"/payments/{payment.pk}/result/", HTTP_HOST=HOST, HTTP_HX_REQUEST="true")
    payment.refresh_from_db()
    assert payment.status == S.PAID


def test_refunds_through_paypay(client, fake, payment, resident, sections):
    checkout(client, resident, payment)
    fake.pay(payment.provider_reference)
    deliver(client, fake.webhook(payment.provider_reference))
    payment.refresh_from_db()
    clerk, chief = StaffFactory(section=sections["sports"]), StaffFactory(section=sections["sports"])
    services.approve_refund(services.request_refund(payment, amount=500, reason="一部取消", requested_by=clerk), approver=chief)
    services.approve_refund(services.request_refund(payment, amount=700, reason="残り", requested_by=clerk), approver=chief)
    payment.refresh_from_db()
    assert payment.status == S.REFUNDED
    assert [r["amount"]["amount"] for r in fake.refunds.values()] == [500, 700]
    assert fake.codes[payment.provider_reference]["refunded"] == 1200


def test_not_offered_without_an_account_and_system_check(client, payment, resident, city, settings):
    assert not PayPayProvider().configured(city)
    client.force_login(resident)
    assert "PayPay" not in client.get(f"/payments/{payment.pk}/pay/", HTTP_HOST=HOST).content.decode()
    provider = PayPayProvider()
    provider.key = "paypay"
    settings.MADOGUCHI_PROVIDERS = {"payments": {"paypay": {"api_key": "k"}}}
    assert [m.id for m in provider.check()] == ["madoguchi.payments.E102"]
    settings.MADOGUCHI_PROVIDERS = {"payments": {"paypay": {"api_key": "k", "api_secret": "s", "merchant_id": "m"}}}
    assert provider.check() == []
