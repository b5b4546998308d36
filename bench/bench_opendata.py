"""Open data benchmark (issue #18): p50/p95 of the CKAN Action API on durable PostgreSQL (with
the pgbench reference), through the API view (parameter parsing, queries, dictization, JSON):

- ``package_search`` over a catalogue of 5,000 datasets (each with tags and a CSV resource): free
  text, fq by organization / tag / format, sort by metadata_modified with harvester-style paging,
  and facets. Target p95 < 100 ms.
- ``datastore_search`` with a filter on a 200,000-row resource (a column with 100 values, so a
  filter matches ~2,000 rows; total counted, 100 rows returned, some sorted by a column).
  Target p95 < 200 ms.

    .venv/bin/python bench/bench_opendata.py   # BENCH_OPENDATA_DATASETS=5000 BENCH_OPENDATA_ROWS=200000 BENCH_OPENDATA_ROUNDS=5

``BENCH_OPENDATA_DETAIL=1`` prints each case's median too. It also prints the plan PostgreSQL uses
for a filter on the datastore (the side table's GIN index) and its execution time in the database.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DATASETS = int(os.environ.get("BENCH_OPENDATA_DATASETS", "5000"))
ROWS = int(os.environ.get("BENCH_OPENDATA_ROWS", "200000"))
ROUNDS = int(os.environ.get("BENCH_OPENDATA_ROUNDS", "5"))
DETAIL = os.environ.get("BENCH_OPENDATA_DETAIL", "") == "1"  # each case's median as well
WORDS = ["人口", "施設", "避難所", "予算", "統計", "観光", "子育て", "ごみ", "道路", "公園", "選挙", "財政", "水道", "防災", "交通"]


def _p(times):
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], times[-1]


def child() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import RequestFactory
    from django.utils import timezone

    from madoguchi.core import tenancy
    from madoguchi.core.models import Municipality, Section
    from madoguchi.opendata import ckan
    from madoguchi.opendata.models import Dataset, DatasetTag, DatastoreRow, Resource, ResourceVersion, Theme

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    rnd = random.Random(18)
    city = Municipality.objects.create(code="139980", name="ベンチ市", name_kana="べんちし", prefecture="東京都", is_default=True)
    with tenancy.using(city, database=True):
        sections = [Section.objects.create(municipality=city, name=f"課{i:02d}", code=f"s{i:02d}") for i in range(30)]
        t0 = time.perf_counter()
        base = timezone.now() - timedelta(days=400)
        themes = Theme.values
        datasets, tags, resources = [], [], []
        for i in range(DATASETS):
            w = rnd.sample(WORDS, 3)
            ds = Dataset(
                id=uuid.UUID(int=rnd.getrandbits(128), version=4), municipality=city, name=f"dataset-{i:05d}", section=rnd.choice(sections),
                title=f"{w[0]}{w[1]}データ（{i}）", notes=f"{w[2]}に関するデータです。毎年更新します。", theme=rnd.choice(themes),
                created_at=base, modified_at=base + timedelta(minutes=i * 7 + rnd.randint(0, 5)),
            )  # fmt: skip
            datasets.append(ds)
            tags += [DatasetTag(municipality=city, dataset=ds, name=t) for t in w[:2]]
            resources.append(Resource(municipality=city, dataset=ds, name="一覧", format=rnd.choice(["CSV", "CSV", "XLSX", "PDF"])))
        Dataset.objects.bulk_create(datasets, batch_size=1000)
        DatasetTag.objects.bulk_create(tags, batch_size=2000)
        Resource.objects.bulk_create(resources, batch_size=2000)
        big = resources[0]
        big.format = "CSV"
        big.save()
        version = ResourceVersion.objects.create(
            municipality=city, resource=big, number=1, columns=["ID", "町丁目", "種別", "値"], row_count=ROWS, filename="big.csv"
        )
        catalogue_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        batch = []
        for n in range(1, ROWS + 1):
            data = {"ID": f"R{n:07d}", "町丁目": f"町{rnd.randrange(100):03d}", "種別": rnd.choice(["A", "B", "C", "D"]), "値": str(rnd.randrange(10000))}
            batch.append(DatastoreRow(municipality=city, version=version, number=n, data=data, text=" ".join(data.values())))
            if len(batch) == 10000:
                DatastoreRow.objects.bulk_create(batch)
                batch = []
        if batch:
            DatastoreRow.objects.bulk_create(batch)
        rows_s = time.perf_counter() - t0
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        factory = RequestFactory()

        def call(action, **params):
            request = factory.get(
                f"/api/3/action/{action}", {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in params.items()}, HTTP_HOST="bench.localhost"
            )
            request.municipality = city
            t = time.perf_counter()
            response = ckan.dispatch(request, action)
            elapsed = (time.perf_counter() - t) * 1000
            assert response.status_code == 200, response.content[:300]
            return elapsed, json.loads(response.content)["result"]

        since = (base + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        searches = [
            {"q": "避難所"}, {"q": "人口 施設"}, {"fq": "organization:section-s07"}, {"fq": "tags:観光"}, {"fq": "res_format:CSV"},
            {"sort": "metadata_modified desc", "rows": 100}, {"fq": f"metadata_modified:[{since} TO *]", "sort": "metadata_modified asc", "rows": 100, "start": 1000},
            {"facet.field": ["organization", "tags", "res_format"], "rows": 10}, {"q": "予算", "fq": "groups:statistics", "facet.field": ["tags"]},
        ]  # fmt: skip
        filters = [{"filters": {"町丁目": f"町{i:03d}"}} for i in range(0, 100, 9)] + [
            {"filters": {"町丁目": "町042", "種別": "B"}}, {"filters": {"町丁目": "町017"}, "sort": "値 desc"}, {"filters": {"種別": "C"}, "offset": 1000},
        ]  # fmt: skip
        for p in searches + filters[:2]:  # warm
            call("package_search", **p) if "filters" not in p else call("datastore_search", resource_id=str(big.pk), **p)
        ps, ds_times, counts, totals = [], [], [], []
        by_case: dict[str, list[float]] = {}
        for _ in range(ROUNDS):
            for p in searches:
                ms, result = call("package_search", **p)
                ps.append(ms)
                counts.append(result["count"])
                by_case.setdefault(f"package_search {json.dumps(p, ensure_ascii=False)}", []).append(ms)
            for p in filters:
                ms, result = call("datastore_search", resource_id=str(big.pk), limit=100, **p)
                ds_times.append(ms)
                totals.append(result["total"])
                by_case.setdefault(f"datastore_search {json.dumps(p, ensure_ascii=False)}", []).append(ms)
        # How PostgreSQL answers a filter (the side table's GIN index, not a scan of the rows).
        from madoguchi.opendata import datastore

        with connection.cursor() as cur:
            cur.execute(
                f"EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM {datastore.PG_TABLE} WHERE municipality_id = %s AND version_id = %s AND data @> %s::jsonb",
                [city.pk, version.pk, json.dumps({"町丁目": "町042"}, ensure_ascii=False)],
            )
            (plan,) = cur.fetchone()[0]
        nodes, stack = [], [plan["Plan"]]
        while stack:
            node = stack.pop()
            nodes.append(node["Node Type"] + (f" on {node['Index Name']}" if "Index Name" in node else ""))
            stack += node.get("Plans", [])
    p50, p95, mx = _p(ps)
    print(f"{connection.vendor}: catalogue of {DATASETS} datasets built in {catalogue_s:.1f} s, {ROWS} datastore rows in {rows_s:.1f} s")
    print(
        f"package_search: {len(ps)} calls, p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {mx:.1f} ms; median count {statistics.median(counts):.0f} (target p95 < 100 ms)"
    )
    p50, p95, mx = _p(ds_times)
    print(
        f"datastore_search (filter on {ROWS} rows): {len(ds_times)} calls, p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {mx:.1f} ms; median total {statistics.median(totals):.0f} (target p95 < 200 ms)"
    )

    print(f"datastore filter plan: {' > '.join(nodes)}; execution {plan['Execution Time']:.1f} ms in the database")
    if DETAIL:
        for case, times in by_case.items():
            print(f"  median {statistics.median(times):6.1f} ms  {case}")


def main() -> None:
    from madoguchi.devtools.servers import app_env, has_postgres, postgres, reference_report

    if not has_postgres():
        print("postgresql: not installed, skipped")
        return
    with postgres(durable=True) as db_url:
        print(reference_report(db_url))
        subprocess.run([sys.executable, __file__, "--child"], env=app_env(db_url), check=True)


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
