"""reservations 0011: a booking's embedded payment state (paid fee, 取消料 and its 収納, 返金額 and
返金日時) becomes payments rows with every amount kept, and the step reverses back into the
columns."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, SectionFactory, UserFactory
from madoguchi.reservations.factories import FacilityFactory, UnitFactory

BEFORE = [("reservations", "0010_calendar_version")]
AFTER = [("reservations", "0012_unit_payment_timing")]  # 0011 moves the payments; 0012 only adds unit columns
T = timezone.make_aware(dt.datetime(2027, 6, 1, 10, 0))


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_backfill_keeps_every_amount_and_reverses():
    tenancy.set_database_city(None)
    city = MunicipalityFactory(name="移行市", code="139990", is_fictional=False)
    section = SectionFactory(municipality=city, name="生涯学習スポーツ課")
    unit = UnitFactory(facility=FacilityFactory(section=section), name="大ホール")
    user = UserFactory(email="m@example.jp", family_name="緑野", given_name="さくら")
    old = _migrate(BEFORE)
    try:
        Booking = old.get_model("reservations", "Booking")

        def booking(code, hour, **kw):
            base = {
                "municipality_id": city.pk,
                "unit_id": unit.pk,
                "user_id": user.pk,
                "date": dt.date(2027, 6, 3),
                "code": code,
                "fee": 3000,
                "base_fee": 3000,
            }
            return Booking.objects.create(start=dt.time(hour), end=dt.time(hour + 1), confirmed_at=T, **{**base, **kw})

        paid = booking("PAID", 9, status="confirmed", payment="paid")
        unpaid = booking("UNPAID", 10, status="confirmed", payment="at_counter")
        late_paid = booking(  # paid, cancelled late: 1500 withheld, 1500 handed back
            "LATEPAID", 11, status="cancelled", payment="paid", cancelled_at=T, cancellation_fee=1500, cancellation_fee_paid_at=T,
            refund_amount=1500, refunded_at=T + dt.timedelta(days=1),
        )  # fmt: skip
        owed = booking("OWED", 12, status="cancelled", payment="at_counter", cancelled_at=T, cancellation_fee=1500)
        early_paid = booking("EARLY", 13, status="cancelled", payment="paid", cancelled_at=T, refund_amount=3000)
        free = booking("FREE", 14, status="confirmed", payment="not_required", fee=0, base_fee=0)

        _migrate(AFTER)
        from madoguchi.payments.models import Payment, Refund
        from madoguchi.reservations.models import Booking as Current

        with tenancy.using(city):
            b = {x.code: x for x in Current.objects.all()}
            assert b["PAID"].payment == "paid" and b["PAID"].usage_payment.amount == 3000 and b["PAID"].usage_payment.provider == "counter"
            assert b["UNPAID"].payment == "at_counter" and b["UNPAID"].usage_payment is None  # made when first needed
            lp = b["LATEPAID"]
            assert (lp.payment, lp.cancellation_fee, lp.cancellation_fee_paid_at, lp.refund_amount) == ("paid", 1500, T, 1500)
            assert lp.refunded_at == T + dt.timedelta(days=1) and not lp.refund_due
            assert lp.usage_payment.status == Payment.Status.REFUNDED and lp.usage_payment.refunded_amount == 3000
            assert {r.kind for r in Refund.objects.filter(payment=lp.usage_payment)} == {"transfer", "rule"}
            ow = b["OWED"]
            assert ow.cancellation_fee == 1500 and ow.cancellation_fee_paid_at is None and ow.cancellation_fee_due and ow.refund_amount == 0
            ep = b["EARLY"]
            assert ep.refund_amount == 3000 and ep.refunded_at is None and ep.refund_due and ep.cancellation_fee == 0
            assert b["FREE"].payment == "not_required"
            assert Payment.objects.count() == 5  # PAID, LATEPAID ×2, OWED, EARLY
            refs = list(Payment.objects.values_list("merchant_reference", flat=True))
            assert len(set(refs)) == 5 and all(r.startswith("139990-") for r in refs)
            # the next payment asked for takes the following number
            from madoguchi.reservations.services import payments as booking_payments

            assert booking_payments.usage_payment(b["UNPAID"]).merchant_reference not in refs

        old = _migrate(BEFORE)
        Booking = old.get_model("reservations", "Booking")
        back = {x.code: x for x in Booking.objects.all()}
        assert (back["PAID"].payment, back["UNPAID"].payment, back["FREE"].payment) == ("paid", "at_counter", "not_required")
        lp = back["LATEPAID"]
        assert (lp.payment, lp.cancellation_fee, lp.cancellation_fee_paid_at, lp.refund_amount, lp.refunded_at) == (
            "paid",
            1500,
            T,
            1500,
            T + dt.timedelta(days=1),
        )
        ow, ep = back["OWED"], back["EARLY"]
        assert (ow.cancellation_fee, ow.cancellation_fee_paid_at, ow.refund_amount) == (1500, None, 0)
        assert (ep.payment, ep.refund_amount, ep.refunded_at, ep.cancellation_fee) == ("paid", 3000, None, 0)
        assert not Payment.objects.exists()
        del paid, unpaid, late_paid, owed, early_paid, free
    finally:
        _migrate(AFTER)
