"""The payments API for staff: their sections' payments only (through core.permissions), a
second factor required, every read audited."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from madoguchi.accounts.testing import login_staff
from madoguchi.core.factories import StaffFactory
from madoguchi.core.models import AuditLog
from madoguchi.payments import services

from ..conftest import HOST


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def test_staff_api_is_section_scoped_needs_otp_and_is_audited(client, payment, sections, resident):
    theirs = services.request_payment(resident, "証明書手数料", 300, sections["shimin"], resident, timezone.now() + dt.timedelta(days=1))
    clerk = StaffFactory(section=sections["sports"])
    services.record_counter_payment(payment, staff=clerk, method="cash")
    get = lambda url: client.get(url, HTTP_HOST=HOST)  # noqa: E731
    assert get("/api/payments/staff/payments").status_code == 401  # not signed in
    client.force_login(resident)
    assert get("/api/payments/staff/payments").status_code == 403
    client.force_login(clerk)
    assert get("/api/payments/staff/payments").status_code == 403  # no second factor yet
    login_staff(client, clerk)
    rows = get("/api/payments/staff/payments").json()
    assert [r["merchant_reference"] for r in rows] == [payment.merchant_reference]
    assert rows[0]["status"] == "paid" and rows[0]["amount"] == 1200 and rows[0]["section"] == "生涯学習スポーツ課"
    assert get("/api/payments/staff/payments?status=pending").json() == []
    today = timezone.localdate().isoformat()
    assert len(get(f"/api/payments/staff/payments?paid_from={today}&paid_to={today}").json()) == 1
    detail = get(f"/api/payments/staff/payments/{payment.pk}").json()
    assert detail["payer_email"] == "sakura@example.jp" and [e["to_status"] for e in detail["events"]] == ["pending", "paid"]
    assert get(f"/api/payments/staff/payments/{theirs.pk}").status_code == 404  # another section's is not shown to exist
    logs = AuditLog.objects.filter(actor=clerk, action="view")
    assert logs.filter(detail__via="api", detail__ids=[payment.pk]).exists()
    assert logs.filter(detail__via="api", target_id=str(payment.pk)).exists()
    assert not logs.filter(target_id=str(theirs.pk)).exists()
