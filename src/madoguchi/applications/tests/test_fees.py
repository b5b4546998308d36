"""A procedure's 手数料 through the payments app (issue #15): 事前決済 (paid before staff take the
case in), 事後決済 (staff accept, the pay link goes by email), 窓口払い (recorded by staff); the
case page shows the pay link, 「支払済」 and the receipt, and the PDF copy says 「支払済」."""

from __future__ import annotations

import pytest
from django.core import mail

from madoguchi.applications import fees, pdf, services
from madoguchi.applications.models import Submission
from madoguchi.payments import services as pay
from madoguchi.payments.models import Payment

from .test_api import ANSWERS
from .test_flow import catalogue, staff

pytestmark = pytest.mark.django_db
S = Submission.Status


def _apply(user, timing, fee=300):
    procedure = catalogue("kaigo-saikofu")
    procedure.fee, procedure.payment_timing = fee, timing
    procedure.save()
    return services.submit(services.new_submission(procedure, dict(ANSWERS), user=user), actor=user)


def _pdf_html(monkeypatch, submission) -> str:
    """The HTML the PDF copy is made from (WeasyPrint stubbed: the text is what matters here)."""
    seen = {}

    class FakeHTML:
        def __init__(self, string):
            seen["html"] = string

        def write_pdf(self):
            return b"%PDF-stub"

    monkeypatch.setattr("weasyprint.HTML", FakeHTML)
    pdf.render(submission)
    return seen["html"]


def test_prepaid_fee_blocks_review_until_paid_then_shows_paid(client, resident, monkeypatch):
    kaigo = staff("kaigo")
    case = _apply(resident, "before")
    payment = Payment.objects.get()
    assert (payment.amount, payment.payer, payment.status, payment.section) == (300, resident, "pending", case.section)
    client.force_login(resident)
    html = client.get(f"/my/applications/{case.uuid}/").content.decode()
    assert "手数料を支払う" in html and f"/payments/{payment.pk}/pay/" in html and "審査を始めます" in html
    with pytest.raises(services.WorkflowError) as e:
        services.change_status(case, S.REVIEWING, actor=kaigo)
    assert "事前決済の手数料がまだ支払われていません" in str(e.value)
    assert "未払い" in _pdf_html(monkeypatch, case)
    pay.record_counter_payment(payment, staff=kaigo, method="cash")
    services.change_status(case, S.REVIEWING, actor=kaigo)
    html = client.get(f"/my/applications/{case.uuid}/").content.decode()
    assert "支払済" in html and f"/payments/{payment.pk}/receipt.pdf" in html and "手数料を支払う" not in html
    assert "支払済" in _pdf_html(monkeypatch, case) and payment.merchant_reference in _pdf_html(monkeypatch, case)
    _apply(resident, "before")  # a second case: its own fee
    assert Payment.objects.count() == 2


def test_postpaid_fee_link_goes_by_email_when_staff_accept(client, resident, run_tasks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    kaigo = staff("kaigo")
    case = _apply(resident, "after")
    assert not Payment.objects.exists()  # nothing owed before staff accept
    client.force_login(resident)
    assert "受理のあと、お支払いのリンクをメールでお送りします" in client.get(f"/my/applications/{case.uuid}/").content.decode()
    run_tasks()
    mail.outbox.clear()
    services.change_status(case, S.REVIEWING, actor=kaigo)
    services.change_status(case, S.COMPLETED, actor=kaigo)  # a second acceptance asks for nothing more
    payment = Payment.objects.get()
    run_tasks()
    sent = [m for m in mail.outbox if "手数料のお支払いのお願い" in m.subject]
    assert len(sent) == 1 and f"/payments/{payment.pk}/pay/" in sent[0].body and "300円" in sent[0].body
    assert sent[0].to == [case.applicant_email]
    assert f"/payments/{payment.pk}/pay/" in client.get(f"/my/applications/{case.uuid}/").content.decode()


def test_counter_fee_is_recorded_by_staff_and_cancelled_on_withdrawal(client, resident):
    case = _apply(resident, "counter")
    payment = fees.payment(case)
    assert payment.status == "pending"
    client.force_login(resident)
    html = client.get(f"/my/applications/{case.uuid}/").content.decode()
    assert "担当課の窓口でお支払いください" in html and "手数料を支払う" not in html
    services.change_status(case, S.REVIEWING, actor=staff("kaigo"))  # 窓口払い does not hold the review
    free = _apply(resident, "before", fee=0)
    assert fees.payment(free) is None  # no fee, no payment
    other = _apply(resident, "counter")
    services.withdraw(other, user=resident)
    assert pay.payment_for(other) is None  # the withdrawn case owes nothing


def test_guest_pays_a_prepaid_fee_from_the_receipt_email_and_the_case_page(client, run_tasks, settings):
    """A case made without an account: the receipt email and the case page carry the signed pay
    link (no name or address in it), which opens the same checkout without signing in."""
    import re
    from urllib.parse import urlsplit

    from django.test import Client

    from madoguchi.applications import case_links

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    case = _apply(None, "before")
    payment = fees.payment(case)
    assert payment.payer is None and payment.payer_email == case.applicant_email == "resident@example.jp"
    run_tasks()
    receipt = next(m for m in mail.outbox if case.receipt_number in m.subject)
    link = re.search(r"https?://\S+/payments/link/\S+/", receipt.body).group(0)
    assert "支払いを確認してから審査を始めます" in receipt.body and payment.merchant_reference in receipt.body
    assert "resident" not in link and "緑野" not in link
    phone = Client()  # the applicant's phone, no account
    opened = phone.get(urlsplit(link).path)
    assert opened["Location"] == f"/payments/{payment.pk}/pay/"
    assert "手数料を支払う" not in phone.get(opened["Location"]).content.decode()  # the pay page itself
    page = Client()
    page.get(urlsplit(case_links.url(case)).path)  # the case page, opened from its own link
    html = page.get(f"/my/applications/{case.uuid}/").content.decode()
    assert "手数料を支払う" in html and "/payments/link/" in html
    pay.record_counter_payment(payment, staff=staff("kaigo"), method="cash")
    html = page.get(f"/my/applications/{case.uuid}/").content.decode()
    assert "支払済" in html and "/payments/link/" in html  # the receipt, through the link


def test_prepaid_case_is_awaiting_payment_until_paid_for_resident_and_staff(client, resident):
    """支払待ち: a 事前決済 case not paid yet is told apart in the resident's pages and the
    inbox (受付済 lists only what staff can take in); paying moves it on by itself."""
    from django.test import Client
    from django.urls import reverse

    from madoguchi.accounts.testing import login_staff

    kaigo = staff("kaigo")
    case = _apply(resident, "before")
    counter_case = _apply(resident, "before")  # paid at once: never 支払待ち
    pay.record_counter_payment(fees.payment(counter_case), staff=kaigo, method="cash")
    client.force_login(resident)
    assert "支払待ち" in client.get(f"/my/applications/{case.uuid}/").content.decode()
    listing = client.get("/my/applications/").content.decode()
    assert listing.count("status--awaiting_payment") == 1
    desk = Client()
    login_staff(desk, kaigo)
    inbox = reverse("applications:staff_inbox")
    awaiting = desk.get(inbox, {"status": fees.AWAITING}).content.decode()
    assert case.receipt_number in awaiting and counter_case.receipt_number not in awaiting
    received = desk.get(inbox, {"status": S.RECEIVED}).content.decode()
    assert case.receipt_number not in received and counter_case.receipt_number in received
    assert "status--awaiting_payment" in desk.get(inbox).content.decode()
    detail = desk.get(reverse("applications:staff_detail", args=[case.uuid])).content.decode()
    assert "支払待ち" in detail and "支払いを確認してから審査を始めてください" in detail

    pay.record_counter_payment(fees.payment(case), staff=kaigo, method="cash")
    assert "支払待ち" not in client.get(f"/my/applications/{case.uuid}/").content.decode()
    assert case.receipt_number not in desk.get(inbox, {"status": fees.AWAITING}).content.decode()
    assert case.receipt_number in desk.get(inbox, {"status": S.RECEIVED}).content.decode()
    assert "status--awaiting_payment" not in desk.get(reverse("applications:staff_detail", args=[case.uuid])).content.decode()


def test_staff_case_page_and_payment_page_link_each_other(client, resident):
    from django.urls import reverse

    from madoguchi.accounts.testing import login_staff

    case = _apply(resident, "before")
    payment = fees.payment(case)
    login_staff(client, staff("kaigo"))
    detail = client.get(reverse("applications:staff_detail", args=[case.uuid])).content.decode()
    assert f"/payments/staff/{payment.pk}/" in detail
    back = client.get(f"/payments/staff/{payment.pk}/").content.decode()
    assert f"/staff/applications/{case.uuid}/" in back and case.receipt_number in back
