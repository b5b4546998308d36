"""Catalogue rules: encoding detection and conversion, delimiter and header sniffing, versions
with a diff summary and datastore rows, the public pages and downloads, DCAT."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS, RDF

from madoguchi.core import tenancy
from madoguchi.opendata import services
from madoguchi.opendata.factories import DatasetFactory, ResourceFactory
from madoguchi.opendata.models import ActivityEvent, DatastoreRow

CSV = "ID,名称,緯度\nA1,中央公民館,35.1\nA2,北公民館,35.2\nA3,南体育館,35.3\n"


def test_encodings_are_detected():
    assert services.detect_encoding("名称\n".encode())[1] == "UTF-8"
    assert services.detect_encoding(b"\xef\xbb\xbf" + "名称\n".encode())[1] == "UTF-8（BOM付き）"
    assert services.detect_encoding("名称,①\n".encode("cp932"))[1] == "Shift_JIS（CP932）"


def test_delimiter_and_header_are_sniffed():
    table = services.parse_csv("ID\t名称\nA1\t公民館\nA2\t体育館\n".encode())
    assert table.delimiter == "\t" and table.columns == ["ID", "名称"] and len(table.rows) == 2
    headless = services.parse_csv("1,公民館\n2,体育館\n".encode())
    assert not headless.has_header and headless.columns == ["列1", "列2"] and len(headless.rows) == 2


@pytest.mark.django_db
def test_versions_keep_history_with_diff_and_convert_shift_jis():
    resource = ResourceFactory()
    with tenancy.using(resource.municipality):
        v1 = services.add_version(resource, content=CSV.encode("cp932"), filename="facilities.csv", convert=True)
        assert v1.encoding == "Shift_JIS（CP932）" and v1.converted
        assert v1.file.open("rb").read().decode("utf-8") == CSV  # stored as UTF-8 on request
        assert v1.row_count == 3 and DatastoreRow.objects.filter(version=v1).count() == 3
        changed = CSV.replace("北公民館", "北コミュニティセンター").replace("A3,南体育館,35.3\n", "") + "A4,西会館,35.4\n"
        v2 = services.add_version(resource, content=changed.encode(), filename="facilities.csv")
        assert (v2.number, v2.rows_added, v2.rows_removed, v2.rows_changed) == (2, 1, 1, 1)
        assert v1.file.storage.exists(v1.file.name)  # the older version stays
        kinds = list(ActivityEvent.objects.filter(dataset=resource.dataset).values_list("kind", flat=True))
        assert kinds.count(ActivityEvent.Kind.VERSION_ADDED) == 2


@pytest.mark.django_db
def test_upload_is_checked_by_content():
    resource = ResourceFactory()
    fake = SimpleUploadedFile("data.csv", b"%PDF-1.4 not a csv", content_type="text/csv")
    with pytest.raises(ValidationError) as exc:
        services.check_upload(resource, fake)
    assert "PDF" in str(exc.value)
    assert services.check_upload(resource, SimpleUploadedFile("data.csv", CSV.encode())) in ("text/csv", "text/plain")


@pytest.mark.django_db
def test_public_pages_preview_downloads_and_dcat(client):
    ds = DatasetFactory(name="facilities", title="施設一覧")
    services.set_tags(ds, ["施設", "公民館"])
    resource = ResourceFactory(dataset=ds)
    with tenancy.using(ds.municipality):
        services.add_version(resource, content=CSV.encode(), filename="facilities.csv")
        services.add_version(resource, content=(CSV + "A4,西会館,35.4\n").encode(), filename="facilities.csv")
    page = client.get("/opendata/?tag=施設&format=CSV").content.decode()
    assert "施設一覧" in page
    # The one filter form (opendata/_filter_form.html) with facet counts, as on the all-cities page.
    assert '<option value="施設" selected>施設（1件）</option>' in page and '<option value="公民館">公民館（1件）</option>' in page
    assert f'<option value="{ds.section_id}">{ds.section.name}（1件）</option>' in page
    page = client.get("/opendata/dataset/facilities/").content.decode()
    assert "第1版をダウンロード" in page and "追加 1行・削除 0行・変更 0行" in page and "datastore_search" in page
    preview = client.get(f"/opendata/resource/{resource.pk}/?column=名称&value=北公民館").content.decode()
    assert "北公民館" in preview and "中央公民館" not in preview
    preview = client.get(f"/opendata/resource/{resource.pk}/?sort=名称&dir=desc").content.decode()
    assert preview.index("北公民館") < preview.index("中央公民館")
    assert b"A4" in b"".join(client.get(f"/opendata/resource/{resource.pk}/latest").streaming_content)
    assert b"A4" not in b"".join(client.get(f"/opendata/resource/{resource.pk}/v/1").streaming_content)
    resource.refresh_from_db()
    assert resource.download_count == 2
    g = Graph().parse(data=client.get("/opendata/dataset/facilities.ttl").content.decode(), format="turtle")
    (subject,) = g.subjects(RDF.type, DCAT.Dataset)
    assert str(g.value(subject, DCTERMS.title)) == "施設一覧"
    assert {str(k) for k in g.objects(subject, DCAT.keyword)} == {"施設", "公民館"}
    dist = g.value(subject, DCAT.distribution)
    assert str(g.value(dist, DCAT.downloadURL)).endswith(f"/opendata/resource/{resource.pk}/latest")
    assert g.value(subject, DCTERMS.license) is not None and g.value(subject, DCTERMS.modified) is not None
    doc = json.loads(client.get("/opendata/catalog.jsonld").content)
    assert "@context" in doc
    g2 = Graph().parse(data=client.get("/opendata/catalog.ttl").content.decode(), format="turtle")
    assert len(list(g2.subjects(RDF.type, DCAT.Catalog))) == 1 and len(list(g2.subjects(RDF.type, DCAT.Dataset))) == 1
