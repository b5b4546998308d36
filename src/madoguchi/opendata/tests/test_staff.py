"""Staff pages: section-scoped, audited; an upload is checked by content, Shift_JIS is detected
and converted, and a bad file gets a Japanese message without losing the form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.accounts.testing import login_staff
from madoguchi.core.factories import SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog
from madoguchi.opendata.factories import DatasetFactory, ResourceFactory
from madoguchi.opendata.models import Dataset


@pytest.mark.django_db
def test_staff_create_upload_and_scope(client):
    mine = SectionFactory(name="統計課")
    other = SectionFactory(name="防災課", municipality=mine.municipality)
    staff = StaffFactory(section=mine, verified=True)
    theirs = DatasetFactory(section=other, name="theirs")
    login_staff(client, staff)
    response = client.post("/opendata/staff/new/", {"name": "population", "title": "人口", "section": mine.pk, "theme": "statistics",
                                                     "licence": "cc-by-4.0", "frequency": "monthly", "tags": "人口、統計", "is_published": "on"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    ds = Dataset.objects.get(name="population")
    assert sorted(ds.tag_names) == ["人口", "統計"]
    assert AuditLog.objects.filter(target_id=str(ds.pk), action="create").exists()
    assert "theirs" not in client.get("/opendata/staff/").content.decode()
    assert client.get(f"/opendata/staff/dataset/{theirs.name}/").status_code == 403
    resource = ResourceFactory(dataset=ds)
    url = f"/opendata/staff/resource/{resource.pk}/upload/"
    bad = client.post(url, {"file": SimpleUploadedFile("data.csv", b"%PDF-1.4 x"), "note": "今月分"})
    page = bad.content.decode()
    assert bad.status_code == 200 and "中身はPDF" in page and "今月分" in page
    sjis = "町丁目,人口\n中央,100\n北町,80\n".encode("cp932")
    response = client.post(url, {"file": SimpleUploadedFile("pop.csv", sjis), "convert": "on"}, follow=True)
    assert "Shift_JIS" in response.content.decode() and "UTF-8 に変換" in response.content.decode()
    version = resource.versions.get()
    assert version.converted and version.row_count == 2 and version.uploaded_by == staff
