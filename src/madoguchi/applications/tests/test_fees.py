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
