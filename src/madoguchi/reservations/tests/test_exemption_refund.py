"""A 減免 granted after the 使用料 was paid gives back the difference (issue #15): through the
payment's provider when it was paid online (payments' own tests), or — paid at the counter, as
here — as a refund for staff to hand back, with the resident told by email."""

import pytest

from madoguchi.payments.models import Refund
from madoguchi.reservations import services
from madoguchi.reservations.models import Booking

from .test_booking import T9, D

pytestmark = pytest.mark.django_db


def test_exemption_after_payment_refunds_the_difference(unit, resident, now, mailoutbox, run_tasks):
    h = services.hold(resident, services.HoldRequest(unit, D, T9), now=now)
    b = services.confirm(h, exemption_reason="障害者団体の活動", now=now)
    services.mark_paid(b)
    b = Booking.objects.get(pk=b.pk)
    assert b.payment == Booking.Payment.PAID and b.fee == 3000
    b = services.decide_exemption(b, True, 50)
    usage = Booking.objects.get(pk=b.pk).usage_payment
    (refund,) = usage.refunds.all()
    assert (refund.kind, refund.amount, refund.status) == (Refund.Kind.RULE, 1500, Refund.Status.REQUESTED)
    assert b.code in refund.reason and "減免" in refund.reason
    run_tasks()
    assert any("窓口でお返しします" in m.body and "1,500円" in m.body for m in mailoutbox)


def test_rejected_exemption_after_payment_refunds_nothing(unit, resident, now):
    h = services.hold(resident, services.HoldRequest(unit, D, T9), now=now)
    b = services.confirm(h, exemption_reason="障害者団体の活動", now=now)
    services.mark_paid(b)
    services.decide_exemption(Booking.objects.get(pk=b.pk), False)
    assert not Booking.objects.get(pk=b.pk).usage_payment.refunds.exists()


def test_staff_pages_link_the_booking_and_its_payment(client, unit, resident, now, section):
    from madoguchi.accounts.testing import login_staff
    from madoguchi.core.factories import StaffFactory

    b = services.book(resident, services.HoldRequest(unit, D, T9), now=now)
    services.mark_paid(b)
    payment = Booking.objects.get(pk=b.pk).usage_payment
    login_staff(client, StaffFactory(section=section, role="manager"))
    day = client.get(f"/reservations/staff/facilities/{unit.facility_id}/?date={D.isoformat()}").content.decode()
    assert f"/payments/staff/{payment.pk}/" in day and f'id="booking-{b.code}"' in day
    detail = client.get(f"/payments/staff/{payment.pk}/").content.decode()
    assert f"/reservations/staff/facilities/{unit.facility_id}/?date={D.isoformat()}#booking-{b.code}" in detail and b.code in detail
