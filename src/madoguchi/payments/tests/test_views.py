"""Pages: the demo checkout end to end, the notification endpoint, receipts, staff isolation,
audit, refunds (承認者 ≠ 申請者) and the daily report."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from madoguchi.accounts.testing import login_staff
from madoguchi.core.factories import StaffFactory
from madoguchi.core.models import AuditLog
from madoguchi.payments import receipts, services
from madoguchi.payments.conftest import HOST
from madoguchi.payments.contrib.demo import provider as demo
from madoguchi.payments.models import NotificationAnomaly, Payment, Refund

S = Payment.Status


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def get(client, url, **kw):
    return client.get(url, HTTP_HOST=HOST, **kw)


def post(client, url, data=None, **kw):
    return client.post(url, data or {}, HTTP_HOST=HOST, **kw)


def test_demo_checkout_end_to_end(client, payment, resident):
    client.force_login(resident)
    page = get(client, "/payments/")
    assert "施設使用料" in page.content.decode() and page.status_code == 200
    pay_page = get(client, f"/payments/{payment.pk}/pay/")
    assert "デモ決済" in pay_page.content.decode()
    go = post(client, f"/payments/{payment.pk}/pay/", {"provider": "demo", "amount": "1"})  # a posted amount is ignored
    assert go.status_code == 302 and "/payments/demo-provider/checkout/" in go["Location"]
    checkout_path = go["Location"].split("://", 1)[-1].split("/", 1)[1]
    checkout = get(client, "/" + checkout_path)
    assert "承認" in checkout.content.decode() and "1200" in checkout.content.decode()
    back = post(client, "/" + checkout_path, {"action": "approve"})
    assert back.status_code == 302
    payment.refresh_from_db()
    assert payment.status == S.PAID and payment.amount == 1200
    result = get(client, f"/payments/{payment.pk}/result/")
    assert "お支払いが完了しました" in result.content.decode()
    pdf = get(client, f"/payments/{payment.pk}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_declined_checkout_explains_and_offers_to_try_again(client, payment, resident):
    client.force_login(resident)
    go = post(client, f"/payments/{payment.pk}/pay/", {"provider": "demo"})
    path = "/" + go["Location"].split("://", 1)[-1].split("/", 1)[1]
    post(client, path, {"action": "decline"})
    payment.refresh_from_db()
    assert payment.status == S.FAILED
    page = get(client, f"/payments/{payment.pk}/result/").content.decode()
    assert "お支払いは完了しませんでした" in page and "もう一度支払う" in page
    again = post(client, f"/payments/{payment.pk}/pay/", {"provider": "demo"})
    assert again.status_code == 302


def test_expired_payment_is_reissued_by_the_resident(client, payment, resident):
    Payment.objects.filter(pk=payment.pk).update(pay_by=timezone.now() - dt.timedelta(hours=1))
    client.force_login(resident)
    page = get(client, f"/payments/{payment.pk}/pay/").content.decode()
    assert "支払期限を過ぎました" in page
    post(client, f"/payments/{payment.pk}/reissue/")
    payment.refresh_from_db()
    assert payment.status == S.PENDING and payment.pay_by > timezone.now()


def test_another_residents_payment_is_not_found(client, payment):
    from madoguchi.core.factories import ResidentFactory

    client.force_login(ResidentFactory(email="other@example.jp"))
    assert get(client, f"/payments/{payment.pk}/pay/").status_code == 404
    assert get(client, f"/payments/{payment.pk}/receipt.pdf").status_code == 404


def test_notify_endpoint_signed_idempotent_and_refusing(client, payment):
    payment.status = S.PROCESSING
    payment.save()
    body = demo.notification_body(payment, "paid", event_id="evt_same")
    headers = {"HTTP_X_DEMO_SIGNATURE": demo.sign(body, payment.municipality)}
    url = "/payments/notify/demo/"
    first = client.post(url, body, content_type="application/json", HTTP_HOST=HOST, **headers)
    second = client.post(url, body, content_type="application/json", HTTP_HOST=HOST, **headers)
    assert (first.status_code, json.loads(first.content)["result"]) == (200, "applied")
    assert (second.status_code, json.loads(second.content)["result"]) == (200, "duplicate")
    bad = client.post(url, body, content_type="application/json", HTTP_HOST=HOST, HTTP_X_DEMO_SIGNATURE="deadbeef")
    assert bad.status_code == 403
    unknown = json.dumps({"event_id": "e9", "merchant_reference": "none", "status": "paid", "amount": 1}).encode()
    missing = client.post(url, unknown, content_type="application/json", HTTP_HOST=HOST, HTTP_X_DEMO_SIGNATURE=demo.sign(unknown, payment.municipality))
    assert missing.status_code == 404
    assert set(NotificationAnomaly.objects.values_list("kind", flat=True)) == {"bad_signature", "unknown_reference"}
    assert payment.events.filter(to_status=S.PAID).exclude(from_status=S.PAID).count() == 1


def test_receipt_shows_wareki_date_amount_and_number(payment, sections):
    clerk = StaffFactory(section=sections["sports"])
    services.record_counter_payment(payment, staff=clerk, method="terminal")
    payment.refresh_from_db()
    html = receipts.render_html(payment)
    for text in ("領収書", "みどり野市", "施設使用料", "1200円", payment.receipt_number, "窓口払い", "令和"):
        assert text in html


@pytest.fixture
def staff(sections):
    return {
        "clerk": StaffFactory(section=sections["sports"]),
        "approver": StaffFactory(section=sections["sports"], role="approver"),
        "other": StaffFactory(section=sections["shimin"], role="manager"),
    }


def test_staff_see_their_section_only_and_reads_are_audited(client, payment, staff, sections, resident):
    own = payment
    theirs = services.request_payment(resident, "証明書手数料", 300, sections["shimin"], resident, timezone.now() + dt.timedelta(days=1))
    login_staff(client, staff["clerk"])
    listing = get(client, "/payments/staff/").content.decode()
    assert own.merchant_reference in listing and theirs.merchant_reference not in listing
    assert get(client, f"/payments/staff/{theirs.pk}/").status_code == 404
    assert get(client, f"/payments/staff/{own.pk}/").status_code == 200
    logs = AuditLog.objects.filter(actor=staff["clerk"])
    assert logs.filter(action="view", target_id=str(own.pk)).exists()
    assert logs.filter(action="view", detail__ids=[own.pk]).exists()


def test_refund_needs_a_second_staff_member_and_emails_the_resident(client, payment, staff, mailoutbox, run_tasks):
    services.apply_notification("demo", services.PaymentNotification(event_id="e1", status="paid", amount=1200, merchant_reference=payment.merchant_reference))
    login_staff(client, staff["clerk"])
    bad = post(client, f"/payments/staff/{payment.pk}/refund/", {"amount": "99999", "reason": "施設の故障"})
    assert bad.status_code == 400 and "返金額は1円から1,200円まで" in bad.content.decode() and "施設の故障" in bad.content.decode()
    post(client, f"/payments/staff/{payment.pk}/refund/", {"amount": "500", "reason": "施設の故障"})
    refund = Refund.objects.get()
    with pytest.raises(ValidationError, match="別の職員"):
        services.approve_refund(refund, approver=staff["clerk"])  # the requester cannot approve
    post(client, f"/payments/staff/refunds/{refund.pk}/decide/", {"decision": "approve"})
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED  # a clerk holds no approver role either
    client.logout()
    login_staff(client, staff["approver"])
    post(client, f"/payments/staff/refunds/{refund.pk}/decide/", {"decision": "approve"})
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.COMPLETED and refund.approved_by == staff["approver"]
    assert payment.status == S.PARTIALLY_REFUNDED and payment.refunded_amount == 500
    run_tasks()
    assert any("返金" in m.subject and payment.payer_email in m.to for m in mailoutbox)


def test_refund_approver_differs_from_requester_in_the_database(payment, staff):
    from django.db import IntegrityError, transaction

    services.apply_notification("demo", services.PaymentNotification(event_id="e1", status="paid", amount=1200, merchant_reference=payment.merchant_reference))
    refund = services.request_refund(payment, amount=100, reason="重複", requested_by=staff["clerk"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.filter(pk=refund.pk).update(approved_by=staff["clerk"])


def test_daily_report_per_section_and_purpose_with_exports(client, payment, staff, sections, resident):
    services.record_counter_payment(payment, staff=staff["clerk"], method="cash")
    other = services.request_payment(resident, "証明書手数料", 300, sections["shimin"], resident, timezone.now() + dt.timedelta(days=1))
    services.record_counter_payment(other, staff=staff["other"], method="cash")
    login_staff(client, staff["clerk"])
    day = timezone.localdate().isoformat()
    page = get(client, f"/payments/staff/report/?date={day}").content.decode()
    assert "施設使用料" in page and "証明書手数料" not in page
    csv = get(client, f"/payments/staff/report/?date={day}&format=csv").content
    assert csv.startswith("\ufeff".encode()) and "施設使用料,1,1200" in csv.decode("utf-8-sig")
    xlsx = get(client, f"/payments/staff/report/?date={day}&format=xlsx")
    assert xlsx.content[:2] == b"PK"
    assert AuditLog.objects.filter(actor=staff["clerk"], action="export").count() == 2


def test_anomalies_shown_to_the_sections_staff(client, payment, staff):
    services.record_anomaly("demo", "amount_mismatch", reference=payment.merchant_reference, payment=payment)
    login_staff(client, staff["clerk"])
    assert payment.merchant_reference in get(client, "/payments/staff/anomalies/").content.decode()
    client.logout()
    login_staff(client, staff["other"])
    assert payment.merchant_reference not in get(client, "/payments/staff/anomalies/").content.decode()


def test_resident_records_list_payments(payment, resident):
    from madoguchi.core import tenancy
    from madoguchi.core.registry import resident_records

    with tenancy.unscoped():
        records = resident_records["payments"].records(resident)
    assert records[0].kind == "お支払い" and "1,200円" in records[0].title


def test_demo_city_has_a_fee_payable_with_the_sandbox(demo):
    from madoguchi.core import tenancy
    from madoguchi.payments.demo import PURPOSE

    with tenancy.using(demo):
        payment = Payment.objects.get(purpose=PURPOSE)
        assert payment.status == S.PENDING and payment.payer.email == "resident@example.jp"
        assert [p.key for p in services.selectable_providers(demo)] == ["demo"]
