"""The 共同運営 operator's all-cities catalogue: on the operator's host the CKAN Action API lists
every city's published datasets with organization = city, driven by the real ``ckanapi`` client
(live_server), including a harvester paging across cities; a city's host still lists only its
own datasets by section."""

import json
from datetime import timedelta

import ckanapi
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, SectionFactory
from madoguchi.core.models import MunicipalityDomain
from madoguchi.opendata import services
from madoguchi.opendata.factories import DatasetFactory, ResourceFactory
from madoguchi.opendata.models import Dataset

CSV = "ID,名称\nA1,中央公民館\nA2,東体育館\n"


@pytest.fixture
def two_cities(db, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.TENANCY_OPERATOR_HOSTS = "localhost"  # live_server's host is the operator's
    base = timezone.now() - timedelta(days=10)
    cities = []
    for code, name, host in (("139998", "みどり野市", "midorino.localhost"), ("139980", "あおば台町", "aobadai.localhost")):
        city = MunicipalityFactory(code=code, name=name, prefecture="東京都")
        MunicipalityDomain.objects.create(municipality=city, domain=host, is_primary=True)
        cities.append(city)
    made = []
    for c, city in enumerate(cities):
        section = SectionFactory(municipality=city, name="情報政策課", code="JOHO")
        # The same name in both cities: the all-cities name tells them apart.
        for i in range(3 + c):
            ds = DatasetFactory(section=section, name=f"ds-{i}", title=f"{city.name}のデータ{i}")
            services.set_tags(ds, ["統計"])
            made.append(ds)
        DatasetFactory(section=section, name="draft", title="非公開", is_published=False)
    resource = ResourceFactory(dataset=made[-1], name="施設一覧")
    with tenancy.using(cities[1]):
        services.add_version(resource, content=CSV.encode(), filename="f.csv")
    for n, ds in enumerate(made):
        Dataset.objects.filter(pk=ds.pk).update(modified_at=base + timedelta(hours=n))
    tenancy.clear_caches()
    return {"cities": cities, "datasets": made, "resource": resource}


@pytest.mark.django_db(transaction=True)
def test_operator_host_lists_every_citys_datasets(live_server, two_cities):
    ckan = ckanapi.RemoteCKAN(live_server.url, get_only=True)
    assert "すべての自治体" in ckan.action.status_show()["site_title"]
    names = ckan.action.package_list()
    assert names == ["139980-ds-0", "139980-ds-1", "139980-ds-2", "139980-ds-3", "139998-ds-0", "139998-ds-1", "139998-ds-2"]

    assert ckan.action.organization_list() == ["city-139980", "city-139998"]
    orgs = {o["name"]: o for o in ckan.action.organization_list(all_fields=True)}
    assert orgs["city-139980"]["title"] == "東京都あおば台町" and orgs["city-139980"]["package_count"] == 4
    shown = ckan.action.organization_show(id="city-139998", include_datasets=True)
    assert shown["package_count"] == 3 and {p["name"] for p in shown["packages"]} == {"139998-ds-0", "139998-ds-1", "139998-ds-2"}
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="section-joho")  # a section is not an organization here

    pkg = ckan.action.package_show(id="139980-ds-3")
    assert pkg["organization"]["name"] == "city-139980" and pkg["owner_org"] == "city-139980"
    assert pkg["url"].startswith("http://aobadai.localhost") and pkg["url"].endswith("/opendata/dataset/ds-3/")
    (res,) = pkg["resources"]
    assert "//aobadai.localhost" in res["url"] and res["url"].endswith(f"/opendata/resource/{res['id']}/latest")
    assert ckan.action.package_show(id=pkg["id"])["name"] == "139980-ds-3"
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="ds-3")  # ambiguous across cities: the all-cities name only
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="139980-draft")  # unpublished stays hidden

    found = ckan.action.package_search(q="あおば台町", **{"facet.field": ["organization", "tags"]})
    assert found["count"] == 4 and found["facets"]["organization"] == {"city-139980": 4}
    everything = ckan.action.package_search(**{"facet.field": ["organization"]})
    assert everything["count"] == 7 and everything["facets"]["organization"] == {"city-139980": 4, "city-139998": 3}
    assert ckan.action.package_search(fq="organization:city-139998")["count"] == 3
    assert [p["name"] for p in ckan.action.package_search(fq="name:139998-ds-1")["results"]] == ["139998-ds-1"]
    by_name = ckan.action.package_search(sort="name asc", rows=3)["results"]
    assert [p["name"] for p in by_name] == ["139980-ds-0", "139980-ds-1", "139980-ds-2"]

    rows = ckan.action.datastore_search(resource_id=res["id"], filters=json.dumps({"ID": "A2"}))
    assert rows["total"] == 1 and rows["records"][0]["名称"] == "東体育館"

    # A harvester pages across cities by metadata_modified, as ckanext-harvest does.
    seen, start, count = [], 0, None
    while count is None or start < count:
        page = ckan.action.package_search(fq="metadata_modified:[* TO NOW]", sort="metadata_modified asc", rows=2, start=start)
        count = page["count"]
        seen += [p["name"] for p in page["results"]]
        start += 2
    expected = [f"{ds.municipality.code}-{ds.name}" for ds in two_cities["datasets"]]
    assert count == 7 and seen == expected


def test_city_host_keeps_its_own_catalogue_and_operator_host_no_city_pages(client, two_cities):
    own = client.get("/api/3/action/package_list", HTTP_HOST="midorino.localhost").json()["result"]
    assert own == ["ds-0", "ds-1", "ds-2"]
    orgs = client.get("/api/3/action/organization_list", HTTP_HOST="midorino.localhost").json()["result"]
    assert orgs == ["section-joho"]
    assert client.get("/api/action/package_list", HTTP_HOST="localhost").json()["result"][0] == "139980-ds-0"
    posted = client.post("/api/action/package_search", '{"fq": "organization:city-139998"}', content_type="application/json", HTTP_HOST="localhost")
    assert posted.status_code == 200 and posted.json()["result"]["count"] == 3  # ckanapi's default POST, limited as any anonymous POST
    # The operator host still serves no city's pages (only the console and the catalogue API).
    assert client.get("/opendata/", HTTP_HOST="localhost").status_code == 404
    assert client.get("/api/docs", HTTP_HOST="localhost").status_code == 404


def test_all_cities_page_on_the_operator_host(client, two_cities):
    page = client.get("/opendata/all/", HTTP_HOST="localhost")
    html = page.content.decode()
    assert page.status_code == 200 and "7件のデータセット" in html and "非公開" not in html
    assert "東京都あおば台町" in html and 'href="http://aobadai.localhost' in html and "/opendata/dataset/ds-3/" in html
    only = client.get("/opendata/all/?city=139998&q=データ1", HTTP_HOST="localhost").content.decode()
    assert "1件のデータセット" in only and "みどり野市のデータ1" in only
    assert client.get("/opendata/all/", HTTP_HOST="midorino.localhost").status_code == 404  # a city's host: its own /opendata/


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_all_cities_page_at_360px(live_server, page, axe_check, two_cities):
    page.goto(live_server.url + "/opendata/all/")
    assert page.get_by_role("heading", level=1).inner_text() == "オープンデータカタログ（すべての自治体）"
    axe_check(page, "/opendata/all/")
    page.get_by_label("自治体").select_option("139980")
    page.get_by_role("button", name="この条件で探す").click()
    expect(page.locator("main")).to_contain_text("4件のデータセット")  # polls: the click navigates
    page.wait_for_load_state()
    axe_check(page, "/opendata/all/?city=139980")


def test_all_cities_page_facets_with_counts(client, two_cities):
    """Facets like package_search's (city, section, theme, format, tag, licence) with counts; each
    field counted over what the other chosen filters leave, so its other values stay offered."""
    html = client.get("/opendata/all/", HTTP_HOST="localhost").content.decode()
    assert '<option value="139980">東京都あおば台町（4件）</option>' in html
    assert '<option value="139998">東京都みどり野市（3件）</option>' in html
    assert '<option value="統計">統計（7件）</option>' in html and '<option value="CSV">CSV（1件）</option>' in html
    section = two_cities["datasets"][-1].section
    assert f'<option value="{section.pk}">あおば台町 情報政策課（4件）</option>' in html
    only = client.get("/opendata/all/?city=139998", HTTP_HOST="localhost").content.decode()
    assert "3件のデータセット" in only
    assert '<option value="139998" selected>東京都みどり野市（3件）</option>' in only
    assert '<option value="139980">東京都あおば台町（4件）</option>' in only  # the other city is still offered
    assert '<option value="統計">統計（3件）</option>' in only and 'value="CSV"' not in only  # the CSV is あおば台町's
    csv = client.get("/opendata/all/?format=CSV", HTTP_HOST="localhost").content.decode()
    assert "1件のデータセット" in csv and "あおば台町のデータ3" in csv
    assert "2件のデータセット" not in csv and '<option value="139998">' not in csv
    by_section = client.get(f"/opendata/all/?section={section.pk}&tag=統計&licence=cc-by-4.0", HTTP_HOST="localhost").content.decode()
    assert "4件のデータセット" in by_section
    none = client.get("/opendata/all/?tag=ない&section=99999999999999999999", HTTP_HOST="localhost")
    assert none.status_code == 200 and "0件のデータセット" in none.content.decode()
    assert '<option value="ない" selected>ない（0件）</option>' in none.content.decode()  # the choice is kept


def test_all_cities_dcat_publisher_is_each_city(client, two_cities):
    from rdflib import Graph
    from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

    from madoguchi.opendata.dcat import VCARD

    response = client.get("/opendata/all/catalog.ttl", HTTP_HOST="localhost")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=response.content.decode(), format="turtle")
    (catalog,) = g.subjects(RDF.type, DCAT.Catalog)
    datasets = set(g.objects(catalog, DCAT.dataset))
    assert len(datasets) == 7 and set(g.subjects(RDF.type, DCAT.Dataset)) == datasets  # no draft
    by_host = {"aobadai.localhost": "東京都あおば台町", "midorino.localhost": "東京都みどり野市"}
    codes = {"東京都あおば台町": "139980", "東京都みどり野市": "139998"}
    for uri in datasets:
        host = str(uri).split("/")[2].split(":")[0]
        publisher = g.value(uri, DCTERMS.publisher)
        assert str(g.value(publisher, FOAF.name)) == by_host[host]  # its own city, on its own host
        assert str(g.value(publisher, DCTERMS.identifier)) == codes[by_host[host]]
        assert (publisher, RDF.type, FOAF.Organization) in g
        assert str(g.value(g.value(uri, DCAT.contactPoint), VCARD.fn)).endswith("情報政策課")
    assert len(set(g.subjects(RDF.type, FOAF.Organization))) == 2  # one node per city
    (dist,) = g.subjects(RDF.type, DCAT.Distribution)
    resource = two_cities["resource"]
    download = str(g.value(dist, DCAT.downloadURL))
    assert download.startswith("http://aobadai.localhost") and download.endswith(f"/opendata/resource/{resource.pk}/latest")
    assert g.value(dist, DCAT.accessURL) == g.value(dist, DCAT.downloadURL)
    doc = client.get("/opendata/all/catalog.jsonld", HTTP_HOST="localhost")
    assert doc["Content-Type"] == "application/ld+json" and "@context" in json.loads(doc.content)
    assert len(list(Graph().parse(data=doc.content.decode(), format="json-ld").subjects(RDF.type, DCAT.Dataset))) == 7
    assert client.get("/opendata/all/catalog.n3", HTTP_HOST="localhost").status_code == 404
    assert client.get("/opendata/all/catalog.ttl", HTTP_HOST="midorino.localhost").status_code == 404
    page = client.get("/opendata/all/", HTTP_HOST="localhost").content.decode()
    assert 'rel="alternate" type="text/turtle"' in page and "/opendata/all/catalog.ttl" in page
