"""Search benchmark: p50/p95 of ``search.services.search`` over 10,000 synthetic documents of
one city (procedure-like Japanese text built from a seeded vocabulary), on PostgreSQL (durable,
with the pgbench reference) and on SQLite (FTS5). Target: p95 < 50 ms. The whole query path is
timed: synonyms read, query tokenised, backend match, candidates re-ranked and highlighted.

    .venv/bin/python bench/bench_search.py   # BENCH_SEARCH_DOCS=10000 BENCH_SEARCH_ROUNDS=5
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DOCS = int(os.environ.get("BENCH_SEARCH_DOCS", "10000"))
ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "5"))

SUBJECTS = ["住民票", "戸籍証明書", "印鑑登録", "転入届", "転出届", "転居届", "児童手当", "国民健康保険", "国民年金", "介護保険", "保育施設",
            "放課後児童クラブ", "がん検診", "予防接種", "粗大ごみ", "生ごみ処理機", "罹災証明書", "市民講座", "体育館", "テニスコート",
            "公民館", "道路", "公園", "情報公開", "納税証明書", "課税証明書", "口座振替", "妊娠", "母子健康手帳", "医療費助成",
            "障害者手帳", "要介護認定", "補助金", "奨学金", "自転車駐車場", "犬の登録", "水道", "下水道", "市営住宅", "選挙"]  # fmt: skip
ACTIONS = ["の交付申請", "の申込", "の届出", "の変更届", "の再発行", "について", "のお知らせ", "の更新手続", "の利用案内", "の相談"]
PHRASES = ["窓口またはオンラインで手続きできます。", "本人確認書類をお持ちください。", "郵送で受け取ることができます。",
           "引越しの日から14日以内に届け出てください。", "手数料は1通300円です。", "代理人が申請する場合は委任状が必要です。",
           "マイナンバーカードをお持ちの方はコンビニでも取得できます。", "受付時間は平日の午前8時30分から午後5時までです。",
           "お子さんが生まれたときや転入したときに申請してください。", "詳しくは担当課にお問い合わせください。",
           "申請書はこのページからダウンロードできます。", "所得制限があります。", "収集日の3日前までにお申し込みください。"]  # fmt: skip
QUERIES = ["住民票", "じゅうみんひょう", "住民表", "引っ越し", "粗大ゴミ", "ｿﾀﾞｲｺﾞﾐ", "児童手当の申請", "国保", "マイナ", "体育館の予約",
           "子どもが生まれたので手続きをしたい", "介護保険の申請方法を知りたい", "こせき", "印鑑証明", "がん検診", "犬の登録",
           "市営住宅に入りたい", "そだいごむ", "補助金", "選挙"]  # fmt: skip


def documents(n: int, seed: int = 17):
    from madoguchi.core.registry import SearchDocument

    rnd = random.Random(seed)
    for i in range(n):
        subject = rnd.choice(SUBJECTS)
        title = f"{subject}{rnd.choice(ACTIONS)}（{i}）"
        body = f"{subject}に関する案内です。" + "".join(rnd.sample(PHRASES, 4)) + f"関連: {rnd.choice(SUBJECTS)}、{rnd.choice(SUBJECTS)}。"
        yield SearchDocument(key=f"d{i}", title=title, body=body, url=f"/bench/{i}/")


def child() -> None:
    """Run inside a process whose DATABASE_URL points at the database to measure."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from madoguchi.core import tenancy
    from madoguchi.core.models import Municipality, Section
    from madoguchi.search import demo, services
    from madoguchi.search.models import SearchEntry

    call_command("migrate", verbosity=0)
    city = Municipality.objects.create(code="139980", name="ベンチ市", name_kana="べんちし", prefecture="東京都", is_default=True)
    with tenancy.using(city, database=True):
        Section.objects.create(municipality=city, name="市民課", code="shimin")
        demo.load(city)
        t0 = time.perf_counter()
        entries = [services.entry_for(d, "bench", city) for d in documents(DOCS)]
        SearchEntry.objects.bulk_create(entries, batch_size=1000)
        built = time.perf_counter() - t0
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
        for q in QUERIES:  # warm: SudachiPy's dictionary, caches, prepared statements
            services.search(city, q, limit=20)
        times, found = [], []
        for _ in range(ROUNDS):
            for q in QUERIES:
                t = time.perf_counter()
                r = services.search(city, q, limit=20)
                times.append((time.perf_counter() - t) * 1000)
                found.append(r.total)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{connection.vendor}: {DOCS} documents indexed in {built:.1f} s; {len(times)} queries: "
        f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms; "
        f"median results {statistics.median(found):.0f} (target p95 < 50 ms)"
    )


def main() -> None:
    from madoguchi.devtools.servers import app_env, has_postgres, postgres, reference_report

    def run(db_url: str) -> None:
        env = app_env(db_url, ALLOW_SQLITE_IN_PRODUCTION="1")
        subprocess.run([sys.executable, __file__, "--child"], env=env, check=True)

    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite3")
    if has_postgres():
        with postgres(durable=True) as db_url:
            print(reference_report(db_url))
            run(db_url)
    else:
        print("postgresql: not installed, skipped")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
