"""CKAN Action API v3: the real ``ckanapi`` client against the running server (live_server),
including a harvester paging through package_search by metadata_modified, and CKAN's error
shapes."""

import json
from datetime import timedelta

import ckanapi
import pytest
from django.utils import timezone

from madoguchi.core import tenancy
from madoguchi.core.factories import SectionFactory
from madoguchi.opendata import services
from madoguchi.opendata.factories import DatasetFactory, ResourceFactory
from madoguchi.opendata.models import Dataset, Licence, Resource, Theme

CSV = "ID,名称,種別,緯度\n" + "".join(f"F{i:03d},施設{i},{'体育館' if i % 3 == 0 else '公民館'},35.{i:03d}\n" for i in range(1, 26))


@pytest.fixture
def catalogue(db):
    base = timezone.now() - timedelta(days=30)
    policy = SectionFactory(name="情報政策課", code="JOHO")
    disaster = SectionFactory(name="防災課", code="BOSAI", municipality=policy.municipality)
    made = []
    for i in range(23):
        ds = DatasetFactory(
            section=disaster if i % 4 == 0 else policy,
            name=f"ds-{i:02d}",
            title=f"データ{i:02d}" + ("（避難所）" if i % 4 == 0 else ""),
            theme=Theme.DISASTER if i % 4 == 0 else Theme.STATISTICS,
            licence=Licence.GOV_STANDARD if i == 5 else Licence.CC_BY_4,
        )
        services.set_tags(ds, ["防災"] if i % 4 == 0 else ["統計", "人口"])
        made.append(ds)
    facilities = made[1]
    resource = ResourceFactory(dataset=facilities, name="施設一覧")
    ResourceFactory(dataset=made[2], name="資料", format=Resource.Format.PDF)
    with tenancy.using(facilities.municipality):
        services.add_version(resource, content=CSV.encode(), filename="facilities.csv")
    for i, ds in enumerate(made):  # distinct, known modification times (ties are broken by id)
        Dataset.objects.filter(pk=ds.pk).update(modified_at=base + timedelta(hours=i), created_at=base)
    return {"datasets": made, "resource": resource, "city": policy.municipality}


@pytest.mark.django_db(transaction=True)
def test_ckanapi_client_reads_the_catalogue(live_server, catalogue):
    ckan = ckanapi.RemoteCKAN(live_server.url, user_agent="madoguchi-test")
    status = ckan.action.status_show()
    assert status["ckan_version"].startswith("2.") and "datastore" in status["extensions"]
    assert len(ckan.action.package_list()) == 23
    assert ckan.action.package_list(limit=5, offset=20) == ["ds-20", "ds-21", "ds-22"]

    pkg = ckan.action.package_show(id="ds-01")
    assert pkg["title"] == "データ01" and pkg["organization"]["name"] == "section-joho"
    assert pkg["license_id"] == "cc-by-4.0" and {t["name"] for t in pkg["tags"]} == {"統計", "人口"}
    (res,) = pkg["resources"]
    assert res["format"] == "CSV" and res["datastore_active"] and res["url"].endswith(f"/opendata/resource/{res['id']}/latest")
    assert ckan.action.package_show(id=pkg["id"])["name"] == "ds-01"  # by id too
    assert ckan.action.resource_show(id=res["id"])["package_id"] == pkg["id"]

    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.ValidationError) as exc:
        ckan.action.package_show()
    assert exc.value.error_dict["id"] == ["Missing value"]

    assert sorted(ckan.action.organization_list()) == ["section-bosai", "section-joho"]
    orgs = {o["name"]: o for o in ckan.action.organization_list(all_fields=True)}
    assert orgs["section-bosai"]["package_count"] == 6 and orgs["section-bosai"]["title"] == "防災課"
    assert ckan.action.organization_show(id="section-bosai", include_datasets=True)["packages"][0]["name"] == "ds-00"
    assert sorted(ckan.action.tag_list()) == ["人口", "統計", "防災"]

    found = ckan.action.package_search(q="避難所", fq="organization:section-bosai", **{"facet.field": ["organization", "tags", "res_format", "license_id"]})
    assert found["count"] == 6 and len(found["results"]) == 6
    assert found["facets"]["organization"] == {"section-bosai": 6}
    assert found["search_facets"]["tags"]["items"] == [{"name": "防災", "display_name": "防災", "count": 6}]
    assert ckan.action.package_search(fq="res_format:CSV")["count"] == 1
    assert ckan.action.package_search(fq="tags:人口 license_id:gov-standard-terms-2.0")["results"][0]["name"] == "ds-05"
    assert ckan.action.package_search(rows=3, sort="name asc")["results"][0]["name"] == "ds-00"
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(sort="nosuchfield desc")

    rid = res["id"]
    page = ckan.action.datastore_search(resource_id=rid, filters={"種別": "体育館"}, limit=3, sort="ID desc")
    assert page["total"] == 8 and [r["ID"] for r in page["records"]] == ["F024", "F021", "F018"]
    assert [f["id"] for f in page["fields"]] == ["_id", "ID", "名称", "種別", "緯度"]
    page = ckan.action.datastore_search(resource_id=rid, q="施設2", fields=["ID"], offset=2, limit=2)
    assert page["total"] == 7 and page["records"] == [{"ID": "F021"}, {"ID": "F022"}]
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.datastore_search(resource_id=rid, filters={"無い列": "x"})
    with pytest.raises(ckanapi.NotFound):
        ckan.action.datastore_search(resource_id="00000000-0000-4000-8000-000000000000")


@pytest.mark.django_db(transaction=True)
def test_harvester_pages_by_metadata_modified(live_server, catalogue):
    """As ckanext-harvest does: everything modified since a date, sorted, pages of `rows` by
    `start` until `count` is reached — over GET, as harvesters call it."""
    ckan = ckanapi.RemoteCKAN(live_server.url, get_only=True)
    since = Dataset.objects.get(name="ds-03").modified_at
    since_text = since.isoformat().replace("+00:00", "Z")
    seen, start, count = [], 0, None
    while count is None or start < count:
        page = ckan.action.package_search(fq=f"metadata_modified:[{since_text} TO *]", sort="metadata_modified asc", rows=6, start=start)
        count = page["count"]
        seen += [p["name"] for p in page["results"]]
        start += 6
    assert count == 20 and seen == [f"ds-{i:02d}" for i in range(3, 23)]
    modified = [ckan.action.package_show(id=n)["metadata_modified"] for n in seen[:3]]
    assert modified == sorted(modified)


@pytest.mark.django_db
def test_error_shapes_and_envelope(client, catalogue):
    response = client.get("/api/3/action/package_show?id=missing")
    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False and body["error"]["__type"] == "Not Found Error" and "help" in body
    response = client.get("/api/3/action/package_search?rows=abc")
    assert response.status_code == 409 and response.json()["error"] == {"rows": ["Invalid integer"], "__type": "Validation Error"}
    response = client.get("/api/3/action/no_such_action")
    assert response.status_code == 400 and "Action name not known" in response.json()
    response = client.post("/api/3/action/package_list", "{not json", content_type="application/json")
    assert response.status_code == 400
    ok = client.get("/api/3/action/package_search?rows=2").json()
    assert ok["success"] is True and ok["result"]["count"] == 23 and len(ok["result"]["results"]) == 2
    assert client.get("/api/3/action/package_search?facet.field=" + json.dumps(["groups"])).json()["result"]["facets"]["groups"] == {
        "statistics": 17,
        "disaster": 6,
    }
