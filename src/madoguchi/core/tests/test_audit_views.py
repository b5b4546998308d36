import csv
import io

import pytest
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.core import audit
from madoguchi.core.factories import InformationPolicySectionFactory, MunicipalityFactory, SectionFactory, StaffFactory, UserFactory
from madoguchi.core.models import AuditLog, StaffRole


@pytest.fixture
def setup(db):
    city = MunicipalityFactory(name="テスト市")
    ip = InformationPolicySectionFactory(municipality=city)
    shimin = SectionFactory(municipality=city, name="市民課")
    admin = StaffFactory(email="admin@city.test", section=ip, role=StaffRole.Role.MANAGER, admin=True)
    manager = StaffFactory(email="boss@city.test", section=shimin, role=StaffRole.Role.MANAGER)
    resident = UserFactory(email="resident@example.jp")
    audit.record(AuditLog.Action.VIEW, resident, actor=manager, section=shimin, detail={"note": '=HYPERLINK("http://evil")'})
    audit.record(AuditLog.Action.UPDATE, resident, actor=admin, section=ip)
    return {"admin": admin, "manager": manager, "shimin": shimin, "resident": resident}


@pytest.mark.django_db
def test_only_platform_admins_see_the_audit_log(client, setup):
    assert client.get(reverse("core:audit_log")).status_code == 302
    login_staff(client, setup["manager"])
    assert client.get(reverse("core:audit_log")).status_code == 403
    assert client.get(reverse("core:audit_log_export", args=["csv"])).status_code == 403
    client.force_login(setup["resident"])
    assert client.get(reverse("core:audit_log")).status_code == 403


@pytest.mark.django_db
def test_filters_and_bad_input(client, setup):
    login_staff(client, setup["admin"])
    html = client.get(
        reverse("core:audit_log"), {"actor": "boss@", "action": "view", "section": setup["shimin"].pk, "date_from": "R1.5.1", "date_to": "2099-12-31"}
    ).content.decode()
    assert "監査ログ 1件" in html and "boss@city.test" in html
    response = client.get(reverse("core:audit_log"), {"date_from": "令和99年99月", "ip": "not-an-ip", "section": "abc", "action": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "期間（開始日）" in html and "IP アドレスで入力" in html and 'id="id_ip_error"' in html and "監査ログ 0件" in html
    html = client.get(reverse("core:audit_log"), {"date_from": "2026-04-02", "date_to": "2026-04-01"}).content.decode()
    assert "開始日と同じか、それより後" in html
    assert client.get(reverse("core:audit_log"), {"page": "999"}).status_code == 200
    assert client.get("/core/audit/export.pdf").status_code == 404


@pytest.mark.django_db
def test_csv_export_has_bom_is_safe_for_excel_and_is_audited(client, setup):
    login_staff(client, setup["admin"])
    response = client.get(reverse("core:audit_log_export", args=["csv"]), {"action": "view"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][0] == "日時" and len(rows) == 2
    assert rows[1][2] == "閲覧" and rows[1][1] == "boss@city.test"
    assert all(not cell.startswith("=") for cell in rows[1])
    export = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert export.actor == setup["admin"] and export.detail["format"] == "csv" and export.detail["filters"] == {"action": "view"}


@pytest.mark.django_db
def test_xlsx_export(client, setup):
    from openpyxl import load_workbook

    login_staff(client, setup["admin"])
    response = client.get(reverse("core:audit_log_export", args=["xlsx"]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "日時" and len(rows) == 3
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, detail__format="xlsx").exists()
