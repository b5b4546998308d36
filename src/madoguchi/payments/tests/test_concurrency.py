"""Two notifications for one payment at the same moment, each on its own PostgreSQL connection:
the row lock lets exactly one settle it (never a double settlement)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from madoguchi.core import tenancy
from madoguchi.core.registry import PaymentNotification
from madoguchi.payments import services
from madoguchi.payments.models import Payment, PaymentEvent

S = Payment.Status

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_payment():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    from madoguchi.core.factories import MunicipalityFactory, ResidentFactory, SectionFactory

    city = MunicipalityFactory(code="139998", name="みどり野市", is_default=True)
    with tenancy.using(city, database=True):
        section = SectionFactory(municipality=city, name="生涯学習スポーツ課")
        resident = ResidentFactory()
        payment = services.request_payment(section, "施設使用料", 1200, section, resident, timezone.now() + dt.timedelta(days=1))
        Payment.objects.filter(pk=payment.pk).update(status=S.PROCESSING)
    return city, payment


def _race(city, payment, event_ids):
    barrier = threading.Barrier(len(event_ids))
    results, errors = [], []

    def run(event_id):
        try:
            with tenancy.using(city, database=True):
                barrier.wait(timeout=10)
                note = PaymentNotification(event_id=event_id, status=S.PAID, amount=1200, merchant_reference=payment.merchant_reference)
                try:
                    results.append(services.apply_notification("demo", note).result)
                except Exception as exc:  # the unique constraint backstop: counted as a refusal
                    errors.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(e,)) for e in event_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def _settlements(city, payment) -> int:
    with tenancy.using(city, database=True):
        return PaymentEvent.objects.filter(payment_id=payment.pk, to_status=S.PAID).exclude(from_status=S.PAID).count()


def test_two_different_notifications_settle_once(live_payment):
    city, payment = live_payment
    results, errors = _race(city, payment, ["evt_a", "evt_b"])
    assert sorted(results) == ["applied", "unchanged"] and not errors
    assert _settlements(city, payment) == 1


def test_the_same_notification_twice_at_once_settles_once(live_payment):
    city, payment = live_payment
    results, errors = _race(city, payment, ["evt_same", "evt_same"])
    assert sorted(results) == ["applied", "duplicate"] and not errors
    assert _settlements(city, payment) == 1
