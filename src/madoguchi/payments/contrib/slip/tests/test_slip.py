"""納付書: the 44-digit GS1-128 barcode (layout, check digit), the PDF (和暦 deadline, 収納機関,
reissue), and the import of a 収納代行's result file (configured columns, idempotent, unmatched
rows listed)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from madoguchi.accounts.testing import login_staff
from madoguchi.core.factories import StaffFactory
from madoguchi.payments import services
from madoguchi.payments.conftest import HOST
from madoguchi.payments.contrib.slip import barcode, results
from madoguchi.payments.contrib.slip.provider import SlipProvider, issue_of
from madoguchi.payments.contrib.slip.views import slip_context
from madoguchi.payments.models import NotificationAnomaly, Payment

S = Payment.Status


def test_barcode_layout_and_check_digit():
    data = barcode.build(company_code="912345", merchant_reference="139998-20261204-00001", reissue=1, pay_by=dt.date(2026, 12, 31), amount=1200)
    assert len(data) == 44 and data.startswith("91912345")
    assert data[8:29] == "139998202612040000100"  # 支払番号, "0"-padded to 21
    assert data[29:44] == "1" + "261231" + "0" + "001200" + data[-1]
    # modulus 10, weights 3·1 from the right (EAN rule): a worked example
    assert barcode.check_digit("400763000011") == "6"
    parsed = barcode.parse(f"({data[:2]}) {data[2:]}")
    assert (parsed.merchant_reference, parsed.amount, parsed.reissue, parsed.pay_by) == ("139998-20261204-00001", 1200, 1, dt.date(2026, 12, 31))
    broken = data[:-1] + str((int(data[-1]) + 1) % 10)
    with pytest.raises(ValueError):
        barcode.parse(broken)
    with pytest.raises(ValueError):
        barcode.build(company_code="12", merchant_reference="139998-20261204-00001", reissue=0, pay_by=dt.date(2026, 12, 31), amount=1)
    with pytest.raises(ValueError):
        barcode.build(company_code="912345", merchant_reference="139998-20261204-00001", reissue=0, pay_by=dt.date(2026, 12, 31), amount=1_000_000)
    assert barcode.svg(data).startswith("<svg")


@pytest.fixture
def slip_city(city):
    city.provider_settings = {
        "payments": {
            "slip": {
                "company_code": "912345",
                "collector": "みどり収納サービス株式会社",
                "institutions": ["セブン-イレブン", "ローソン", "ファミリーマート"],
                "result_format": {
                    "encoding": "cp932",
                    "header": True,
                    "barcode": "バーコード情報",
                    "amount": "収納金額",
                    "paid_on": "収納日",
                    "skip_when": {"column": "種別", "values": ["取消"]},
                },
            }
        }
    }
    city.save(update_fields=["provider_settings"])
    cache.clear()
    return city


def issue(client, resident, payment):
    client.force_login(resident)
    go = client.post(f"/payments/{payment.pk}/pay/", {"provider": "slip"}, HTTP_HOST=HOST)
    assert go.status_code == 302 and go["Location"].endswith(f"/payments/{payment.pk}/slip.pdf")
    payment.refresh_from_db()
    return issue_of(payment)["slip_barcode"]


def test_slip_pdf_with_wareki_deadline_and_institutions(client, slip_city, payment, resident):
    data = issue(client, resident, payment)
    assert payment.status == S.PROCESSING and payment.provider == "slip"
    assert barcode.parse(data).amount == 1200 and barcode.parse(data).reissue == 0
    context = slip_context(payment)
    assert context["pay_by"].startswith("令和") and context["institutions"][0] == "セブン-イレブン"
    pdf = client.get(f"/payments/{payment.pk}/slip.pdf", HTTP_HOST=HOST)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert issue(client, resident, payment) == data  # printing again: the same slip


def test_expired_slip_is_reissued_with_a_new_deadline(client, slip_city, payment, resident):
    first = issue(client, resident, payment)
    Payment.objects.filter(pk=payment.pk).update(pay_by=timezone.now() - dt.timedelta(minutes=1))
    services.expire_overdue()
    payment.refresh_from_db()
    assert payment.status == S.EXPIRED
    assert client.get(f"/payments/{payment.pk}/slip.pdf", HTTP_HOST=HOST).status_code == 404
    client.post(f"/payments/{payment.pk}/reissue/", HTTP_HOST=HOST)
    second = issue(client, resident, payment)
    assert second != first and barcode.parse(second).reissue == 1 and barcode.parse(second).pay_by > barcode.parse(first).pay_by


def _csv(*rows, header="種別,バーコード情報,収納金額,収納日,店舗") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("cp932")


def test_result_file_settles_idempotently_and_lists_unmatched(client, slip_city, payment, resident, sections):
    data = issue(client, resident, payment)
    other = services.request_payment(sections["shimin"], "証明書手数料", 300, sections["shimin"], resident, timezone.now() + dt.timedelta(days=3))
    other_data = issue(client, resident, other)
    stranger = barcode.build(company_code="912345", merchant_reference="139998-20000101-00077", reissue=0, pay_by=dt.date(2026, 12, 31), amount=500)
    content = _csv(
        f"速報,{data},1200,20261204,ローソン○○店",
        f"速報,{other_data},30,20261204,ファミリーマート",  # amount differs
        f"速報,{stranger},500,20261204,セブン-イレブン",  # no such payment
        f"取消,{data},1200,20261204,ローソン○○店",  # skipped by configuration
        "速報,91123,1,20261204,x",  # not a barcode
    )
    first = results.import_results(slip_city, content)
    assert [r.result for r in first.settled] == ["applied"]
    assert sorted(r.result for r in first.unmatched) == ["amount_mismatch", "bad_row", "unknown_reference"]
    payment.refresh_from_db()
    other.refresh_from_db()
    assert payment.status == S.PAID and other.status == S.PROCESSING
    again = results.import_results(slip_city, content)
    assert not again.settled and [r.result for r in again.already] == ["duplicate"]
    assert payment.events.filter(to_status=S.PAID).count() == 1
    assert set(NotificationAnomaly.objects.values_list("kind", flat=True)) == {"amount_mismatch", "unknown_reference"}


def test_mapping_by_position_and_reference_column(slip_city, client, payment, resident):
    issue(client, resident, payment)
    fmt = {"encoding": "utf-8", "header": False, "barcode": "", "reference": 0, "amount": 1, "paid_on": 2, "date_format": "%Y/%m/%d"}
    outcome = results.import_results(slip_city, f'{payment.merchant_reference},"1,200",2026/12/04\n'.encode(), fmt=fmt)
    assert [r.result for r in outcome.rows] == ["applied"]
    wrong = results.import_results(slip_city, _csv("a,b,c,d,e", header="x,y,z,w,v"))
    assert [r.result for r in wrong.rows] == ["bad_format"]


def test_staff_import_page(client, slip_city, payment, resident, sections):
    data = issue(client, resident, payment)
    clerk = StaffFactory(section=sections["sports"])
    login_staff(client, clerk)
    page = client.get("/payments/staff/slip-results/", HTTP_HOST=HOST)
    assert page.status_code == 200 and "結果ファイル" in page.content.decode()
    missing = client.post("/payments/staff/slip-results/", {}, HTTP_HOST=HOST)
    assert missing.status_code == 400 and "ファイルを選んでください" in missing.content.decode()
    upload = SimpleUploadedFile("result.csv", _csv(f"速報,{data},1200,20261204,ローソン"), content_type="text/csv")
    done = client.post("/payments/staff/slip-results/", {"file": upload}, HTTP_HOST=HOST)
    assert done.status_code == 200 and "支払済にした件数: 1件" in done.content.decode()
    payment.refresh_from_db()
    assert payment.status == S.PAID


def test_not_offered_without_company_code_and_check(city, settings):
    assert not SlipProvider().configured(city)
    provider = SlipProvider()
    provider.key = "slip"
    settings.MADOGUCHI_PROVIDERS = {"payments": {"slip": {"company_code": "12ab"}}}
    assert [m.id for m in provider.check()] == ["madoguchi.payments.E103"]
