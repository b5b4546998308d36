"""Open datasets in the site search (``search_documents`` registry): a published dataset is
found by its title, description and tags; an unpublished one is not indexed."""

import pytest

from madoguchi.core import tenancy
from madoguchi.core.registry import search_documents
from madoguchi.opendata import services
from madoguchi.opendata.factories import DatasetFactory, ResourceFactory
from madoguchi.search import services as search


@pytest.mark.django_db
def test_published_datasets_are_found_by_the_site_search(client):
    ds = DatasetFactory(name="aed", title="AED設置箇所一覧", notes="市内の自動体外式除細動器の設置場所です。")
    city = ds.municipality
    with tenancy.using(city):
        services.set_tags(ds, ["救急", "医療"])
        ResourceFactory(dataset=ds, name="設置箇所（CSV）")
        DatasetFactory(section=ds.section, name="hidden", title="AED点検記録", is_published=False)
        docs = list(search_documents["datasets"].documents(city))
        assert [d.key for d in docs] == ["aed"]
        assert docs[0].url == "/opendata/dataset/aed/" and "救急" in docs[0].body and "設置箇所（CSV）" in docs[0].body
        search.index("datasets", city)
        found = search.search(city, "AED")
        assert [r.entry.title for r in found.results] == ["AED設置箇所一覧"]
        assert [r.entry.key for r in search.search(city, "救急").results] == ["aed"]


@pytest.mark.django_db
def test_catalogue_words_go_through_the_japanese_search(client):
    ds = DatasetFactory(name="shelters", title="指定避難所一覧", notes="災害時の避難先です。")
    DatasetFactory(section=ds.section, name="toilets", title="公衆トイレ一覧")
    city = ds.municipality
    with tenancy.using(city):
        search.index("datasets", city)
    page = client.get("/opendata/?q=ひなんじょ").content.decode()  # by reading: no substring matches
    assert "指定避難所一覧" in page and "公衆トイレ一覧" not in page
    page = client.get("/opendata/?q=トイレ").content.decode()
    assert "公衆トイレ一覧" in page and "指定避難所一覧" not in page
