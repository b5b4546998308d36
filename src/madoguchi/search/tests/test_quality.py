"""Search quality on the demo city: the judged set (``judged_queries.tsv``) against the index
built from the demo data, on whichever database the suite runs (SQLite or PostgreSQL). Prints
recall@5 and MRR for the tuning part and the held-out part; fails below the floor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection

from madoguchi.search import services

JUDGED = Path(__file__).with_name("judged_queries.tsv")
RECALL_FLOOR = 0.8


def judged() -> list[tuple[str, list[str], str]]:
    rows = []
    for line in JUDGED.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, expected, part = line.split("\t")
        # Answers are separated by 「、」 before the next kind prefix (an FAQ's question may hold 「、」).
        answers = re.split(r"、(?=[a-z]+:)", expected)
        rows.append((query, [e.strip() for e in answers if e.strip()], part.strip()))
    return rows


def ident(entry) -> set[str]:
    return {f"{entry.kind}:{entry.key}", f"{entry.kind}:{entry.title}"}


def measure(city, rows):
    recall, rr, misses = 0.0, 0.0, []
    for query, expected, _part in rows:
        found = [ident(r.entry) for r in services.search(city, query, limit=10).results]
        top5 = found[:5]
        hits = sum(1 for e in expected if any(e in ids for ids in top5))
        recall += hits / min(len(expected), 5)
        rank = next((i for i, ids in enumerate(found, 1) if any(e in ids for e in expected)), None)
        rr += 1 / rank if rank else 0
        if hits < min(len(expected), 5):
            misses.append((query, expected, [sorted(ids)[0] for ids in top5]))
    n = len(rows)
    return recall / n, rr / n, misses


@pytest.mark.django_db
def test_judged_set_recall_and_mrr(demo, capsys):
    services.index_all(demo)
    rows = judged()
    assert len(rows) >= 60
    report = {}
    for part in ("tune", "heldout", "gtune", "gheld", "held2"):
        subset = [r for r in rows if r[2] == part]
        if subset:
            report[part] = (len(subset), *measure(demo, subset))
    all_recall, all_mrr, misses = measure(demo, rows)
    with capsys.disabled():
        for part, (n, recall, mrr, _m) in report.items():
            print(f"\nsearch judged set [{connection.vendor}] {part}: {n} queries, recall@5 {recall:.3f}, MRR {mrr:.3f}")
        print(f"search judged set [{connection.vendor}] all: {len(rows)} queries, recall@5 {all_recall:.3f}, MRR {all_mrr:.3f}")
        for query, expected, top in misses:
            print(f"  miss: {query} → expected {expected}, top 5 {top}")
    assert all_recall >= RECALL_FLOOR
