"""The datastore query (datastore.Query): the same rows in the same order on SQLite (ORM) and
PostgreSQL (the side table kept by triggers), and the side table follows the rows' deletes."""

import pytest
from django.db import connection

from madoguchi.core import tenancy
from madoguchi.opendata import datastore, services
from madoguchi.opendata.factories import ResourceFactory
from madoguchi.opendata.models import DatastoreRow

CSV = "ID,町丁目,種別,値\n" + "".join(f"R{i:02d},町{i % 4},{'AB'[i % 2]},{(i * 7) % 10}\n" for i in range(1, 21))


@pytest.fixture
def version(db):
    resource = ResourceFactory(name="表")
    with tenancy.using(resource.municipality):
        return services.add_version(resource, content=CSV.encode(), filename="t.csv")


def _ids(query, offset=0, limit=100):
    return [d["ID"] for _n, d in query.rows(offset, limit)]


def test_filters_words_sort_and_count(version):
    q = datastore.Query(version, filters={"町丁目": ["町1", "町2"], "種別": "A"})
    assert _ids(q) == ["R02", "R06", "R10", "R14", "R18"] and q.count() == 5
    assert _ids(datastore.Query(version, filters={"_id": [3, "4"]})) == ["R03", "R04"]
    assert _ids(datastore.Query(version, q="r1")) == [f"R1{i}" for i in range(10)]  # case-insensitive substring
    assert _ids(datastore.Query(version, q={"ID": "R2"})) == ["R20"]
    ordered = datastore.Query(version, filters={"種別": "B"}, sort="値 desc, ID")
    values = [(d["値"], d["ID"]) for _n, d in ordered.rows(0, 100)]
    assert values == sorted(values, key=lambda v: (-int(v[0]), v[1]))
    assert _ids(datastore.Query(version, sort="_id desc"), limit=2) == ["R20", "R19"]
    for bad in ({"filters": {"無い列": "x"}}, {"q": {"無い列": "x"}}, {"sort": "無い列"}, {"filters": {"_id": "x"}}):
        with pytest.raises(datastore.QueryError):
            datastore.Query(version, **bad)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the side table is PostgreSQL's")
def test_side_table_follows_inserts_and_deletes(version):
    def side_count():
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {datastore.PG_TABLE} WHERE version_id = %s", [version.pk])
            return cur.fetchone()[0]

    assert side_count() == 20
    DatastoreRow.objects.filter(version=version, number__gt=15).delete()
    assert side_count() == 15 and datastore.Query(version).count() == 15
    DatastoreRow.objects.filter(version=version, number=1).update(data={"ID": "X"})
    assert _ids(datastore.Query(version, filters={"ID": "X"})) == ["X"]
