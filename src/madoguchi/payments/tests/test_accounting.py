"""消込 against a provider's settlement report (both directions, amounts), and the 財務会計
export with 歳入科目 per purpose configured by staff (CSV with BOM, XLSX), section-scoped."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from madoguchi.accounts.testing import login_staff
from madoguchi.core.factories import StaffFactory
from madoguchi.core.models import AuditLog
from madoguchi.payments import accounting, reconciliation, services
from madoguchi.payments.conftest import HOST
from madoguchi.payments.models import Payment, RevenueAccount


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clerk(sections):
    return StaffFactory(section=sections["sports"])


def _paid(sections, resident, purpose, amount, section="sports", provider="stripe", ref=""):
    obj = StaffFactory(section=sections[section])  # any row stands for the paid object
    p = services.request_payment(obj, purpose, amount, sections[section], resident, timezone.now() + dt.timedelta(days=3), provider=provider)
    Payment.objects.filter(pk=p.pk).update(provider_reference=ref or f"cs_test_{p.pk}")
    p.refresh_from_db()
    services.record_counter_payment(p, staff=obj, method="cash")  # settle it (then give the provider back)
    Payment.objects.filter(pk=p.pk).update(provider=provider, provider_reference=ref or f"cs_test_{p.pk}")
    p.refresh_from_db()
    return p


def test_reconciliation_lists_both_directions(sections, resident, clerk):
    a = _paid(sections, resident, "施設使用料", 1200)
    b = _paid(sections, resident, "施設使用料", 800)
    c = _paid(sections, resident, "講座参加費", 500)  # the provider's report lacks it
    report = "\n".join(
        [
            "merchant_reference,amount,created",
            f"{a.merchant_reference},1200,2026-12-04",
            f"{b.provider_reference},700,2026-12-04",  # by the provider's own reference, other amount
            "139998-20000101-00042,3000,2026-12-04",  # the platform lacks it
            "x,not-a-number,2026-12-04",
        ]
    ).encode()
    today = timezone.localdate()
    r = reconciliation.reconcile(clerk, "stripe", report, today, today)
    assert [line.payment for line in r.matched] == [a]
    assert [(line.payment, line.report_amount, line.platform_amount) for line in r.amount_differs] == [(b, 700, 800)]
    assert [line.reference for line in r.provider_only] == ["139998-20000101-00042"]
    assert [line.payment for line in r.platform_only] == [c]
    assert r.unreadable == [5] and not r.clean


def test_staff_reconcile_page(client, sections, resident, clerk):
    a = _paid(sections, resident, "施設使用料", 1200)
    login_staff(client, clerk)
    assert client.get("/payments/staff/reconcile/", HTTP_HOST=HOST).status_code == 200
    upload = SimpleUploadedFile("report.csv", f"merchant_reference,amount\n{a.merchant_reference},1200\n".encode(), content_type="text/csv")
    page = client.post("/payments/staff/reconcile/", {"provider": "stripe", "file": upload}, HTTP_HOST=HOST)
    assert page.status_code == 200 and "すべて一致しました" in page.content.decode()
    wrong = SimpleUploadedFile("report.csv", b"id,total\n1,2\n", content_type="text/csv")
    bad = client.post("/payments/staff/reconcile/", {"provider": "stripe", "file": wrong}, HTTP_HOST=HOST)
    assert bad.status_code == 400 and "merchant_reference" in bad.content.decode()
    assert AuditLog.objects.filter(detail__report="payments_reconciliation").exists()


def test_accounting_export_with_revenue_accounts(client, sections, resident, clerk):
    p = _paid(sections, resident, "施設使用料", 1200, provider="demo")  # the sandbox refunds without HTTP
    _paid(sections, resident, "施設使用料", 800, provider="demo")
    _paid(sections, resident, "証明書手数料", 300, section="shimin", provider="demo")  # another section: not exported for the clerk
    chief = StaffFactory(section=sections["sports"])
    services.approve_refund(services.request_refund(p, amount=200, reason="一部取消", requested_by=clerk), approver=chief)
    login_staff(client, clerk)
    page = client.get("/payments/staff/accounting/", HTTP_HOST=HOST)
    assert page.status_code == 200 and "施設使用料" in page.content.decode() and "証明書手数料" not in page.content.decode()
    missing = client.post("/payments/staff/accounting/", {"purpose": "施設使用料", "code": "", "name": ""}, HTTP_HOST=HOST)
    assert missing.status_code == 400 and "入力してください" in missing.content.decode()
    saved = client.post(
        "/payments/staff/accounting/", {"purpose": "施設使用料", "code": "14-01-03-01", "name": "使用料及び手数料 体育施設使用料"}, HTTP_HOST=HOST
    )
    assert saved.status_code == 302 and RevenueAccount.objects.get().code == "14-01-03-01"
    assert client.post("/payments/staff/accounting/", {"purpose": "証明書手数料", "code": "1", "name": "x"}, HTTP_HOST=HOST).status_code == 404
    csv_body = client.get("/payments/staff/accounting/", {"format": "csv"}, HTTP_HOST=HOST).content
    assert csv_body.startswith("\ufeff".encode())
    lines = csv_body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("区分,収入日,会計年度,歳入科目コード")
    assert "収入" in lines[1] and "14-01-03-01" in lines[1] and lines[1].endswith(",2,2000")
    assert lines[2].startswith("戻出") and lines[2].endswith(",1,-200")
    assert lines[-1].endswith(",3,1800")
    xlsx = client.get("/payments/staff/accounting/", {"format": "xlsx"}, HTTP_HOST=HOST)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["D2"].value == "14-01-03-01" and sheet["I2"].value == 2000
    assert AuditLog.objects.filter(detail__report="payments_accounting", detail__format="xlsx").exists()
    assert accounting.rows(clerk, timezone.localdate(), timezone.localdate())[0][2].startswith("令和")
