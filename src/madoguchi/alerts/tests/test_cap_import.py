"""CAP import: only real (Actual) messages, and a 訂正・取消 whose original is unknown is flagged."""

import pytest
from django.utils import timezone

from madoguchi.alerts import services
from madoguchi.alerts.channels import cap
from madoguchi.alerts.models import Notice, Topic


def _published(city, staff, **kw):
    d = dict(
        municipality=city,
        section=staff["section"],
        topic=Topic.objects.get(municipality=city, slug="bousai"),
        severity="Severe",
        title="土砂災害警戒",
        body="山手地区に土砂災害警戒情報が出ています。",
        channels=["email"],
        all_areas=True,
        status="sent",
        sent_at=timezone.now(),
    )
    d.update(kw)
    return Notice.objects.create(**d)


@pytest.mark.parametrize("status", ["Exercise", "Test", "System", "Draft"])
def test_non_actual_cap_is_not_imported(city, staff, status):
    data = cap.build(_published(city, staff)).replace(b"<status>Actual</status>", f"<status>{status}</status>".encode())
    assert cap.parse(data).status == status
    before = Notice.objects.count()
    with pytest.raises(cap.CapImportError, match=f"status が「{status}」"):
        services.import_cap(city, data, section=staff["section"], source="test")
    assert Notice.objects.count() == before


def test_upload_of_exercise_message_says_why(city, staff, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from madoguchi.alerts.tests.test_approval import _staff_login

    data = cap.build(_published(city, staff)).replace(b"<status>Actual</status>", b"<status>Exercise</status>")
    _staff_login(client, staff["approver"])
    resp = client.post("/alerts/staff/import/", {"file": SimpleUploadedFile("x.xml", data)})
    assert resp.status_code == 400 and "取り込むのは実際の情報（Actual）だけです" in resp.content.decode()


def test_cancel_of_unknown_original_keeps_a_warning(city, staff, client):
    from madoguchi.alerts.tests.test_approval import _staff_login

    original = _published(city, staff)  # a local notice: upstream ids do not point at it
    cancel = _published(city, staff, kind="Cancel", references=original, title="土砂災害警戒（取消）", body="取り消します。")
    imported = services.import_cap(city, cap.build(cancel), section=staff["section"], source="test")
    assert imported.kind == "Alert" and imported.references is None
    assert "取消" in imported.import_warning and "Cancel" in imported.import_warning
    assert imported.status == "draft"
    _staff_login(client, staff["approver"])
    html = client.get(f"/alerts/staff/{imported.pk}/").content.decode()
    assert "取り込んだ CAP を確認してください" in html and "参照先の元のお知らせ" in html
    assert "【要確認】" in client.get("/alerts/staff/").content.decode()
    # a known original: imported as a real 取消 without a warning
    first = services.import_cap(city, cap.build(original), section=staff["section"], source="test")
    Notice.objects.filter(pk=first.pk).update(status="sent", sent_at=timezone.now())
    # the same upstream 取消 again under a new identifier: its original is now known
    again = cap.build(cancel).replace(cap.identifier(cancel).encode(), b"other-id")
    second = services.import_cap(city, again, section=staff["section"], source="test")
    assert second.kind == "Cancel" and second.references == first and second.import_warning == ""
