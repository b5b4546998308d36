"""使用料の支払い方 per unit (issue #15): 事前決済 (paid online by a stated deadline or the frame
is given back), 事後決済 (a pay link by email after booking), 窓口払い (recorded by staff); the
payment lives in the payments app and わたしの予約 shows 「支払済」 with the receipt link."""

import datetime as dt

import pytest
import time_machine

from madoguchi.payments.models import Payment
from madoguchi.reservations import services
from madoguchi.reservations.models import Booking, Unit

from .conftest import NOW

pytestmark = pytest.mark.django_db
DAY = dt.date(2027, 6, 9)  # a Wednesday, 8 days after NOW
T9, T13 = dt.time(9), dt.time(13)


def _timing(unit, timing, hours=24):
    unit.payment_timing, unit.prepay_hours = timing, hours
    unit.save()


def test_prepaid_booking_is_released_after_its_stated_deadline(unit, resident, client, run_tasks, mailoutbox):
    _timing(unit, Unit.PaymentTiming.BEFORE, hours=24)
    with time_machine.travel(NOW, tick=False):
        client.force_login(resident)  # a session of the travelled clock
        assert "24時間以内" in client.get(f"/reservations/bookings/{services.hold(resident, services.HoldRequest(unit, DAY, T13)).code}/").content.decode()
        unpaid = services.book(resident, services.HoldRequest(unit, DAY, T9))
        paid = Booking.objects.get(unit=unit, start=T13)
        services.confirm(paid)
        paid.refresh_from_db()
        assert unpaid.pay_deadline == NOW + dt.timedelta(hours=24) == paid.pay_deadline
        html = client.get("/reservations/my/").content.decode()
        assert "オンラインで支払う" in html and "支払期限" in html and f"/reservations/bookings/{unpaid.code}/pay/" in html
        # the pay link: GET shows the fee and deadline and changes nothing; POST makes one payment
        page = client.get(f"/reservations/bookings/{unpaid.code}/pay/").content.decode()
        assert "3000円" in page and "支払期限" in page and not Payment.objects.exists()
        r1 = client.post(f"/reservations/bookings/{unpaid.code}/pay/")
        r2 = client.post(f"/reservations/bookings/{unpaid.code}/pay/")  # a second tab: the same payment
        payment = Payment.objects.get()
        assert r1.url == r2.url == f"/payments/{payment.pk}/pay/" and payment.amount == 3000 and payment.pay_by == unpaid.pay_deadline
        services.mark_paid(paid)
    with time_machine.travel(NOW + dt.timedelta(hours=23), tick=False):
        assert services.release_unconfirmed() == 0
    with time_machine.travel(NOW + dt.timedelta(hours=24, minutes=1), tick=False):
        assert services.release_unconfirmed() == 1
        assert services.release_unconfirmed() == 0
    unpaid.refresh_from_db()
    paid.refresh_from_db()
    assert unpaid.status == Booking.Status.RELEASED and paid.status == Booking.Status.CONFIRMED and paid.payment == "paid"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED  # nothing left to pay on a released booking
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        run_tasks()  # the emails queued on the travelled clock
    body = next(m.body for m in mailoutbox if unpaid.code in m.body and "取り消しました" in m.body)
    assert "使用料の支払期限" in body and "抽選" not in body
    confirmed = next(m.body for m in mailoutbox if unpaid.code in m.body and "受け付けました" in m.body)
    assert f"/reservations/bookings/{unpaid.code}/pay/" in confirmed and "支払期限" in confirmed


def test_postpaid_booking_gets_a_pay_link_and_is_never_released(unit, resident, client, run_tasks, mailoutbox):
    _timing(unit, Unit.PaymentTiming.AFTER)
    with time_machine.travel(NOW, tick=False):
        b = services.book(resident, services.HoldRequest(unit, DAY, T9))
    assert b.pay_deadline is None
    with time_machine.travel(NOW, tick=False):
        run_tasks()
    body = next(m.body for m in mailoutbox if b.code in m.body)
    assert f"/reservations/bookings/{b.code}/pay/" in body
    with time_machine.travel(NOW + dt.timedelta(days=30), tick=False):
        assert services.release_unconfirmed() == 0


def test_counter_payment_shows_paid_and_receipt(unit, resident, client, run_tasks, mailoutbox):
    with time_machine.travel(NOW, tick=False):
        b = services.book(resident, services.HoldRequest(unit, DAY, T9))
        run_tasks()
    assert "/pay/" not in next(m.body for m in mailoutbox if b.code in m.body)  # 窓口払い: no pay link
    client.force_login(resident)
    assert "オンラインで支払う" not in client.get("/reservations/my/").content.decode()
    services.mark_paid(b)
    payment = Payment.objects.get(status=Payment.Status.PAID)
    assert payment.provider == "counter" and payment.purpose == "施設使用料"
    html = client.get("/reservations/my/").content.decode()
    assert "支払済" in html and f"/payments/{payment.pk}/receipt.pdf" in html
    assert client.post(f"/reservations/bookings/{b.code}/pay/").status_code == 409
    r = client.get(f"/payments/{payment.pk}/receipt.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
