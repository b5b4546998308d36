"""Procedure search finds everyday words (issue #12 item 5): spelling, readings, synonyms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.applications import search, services
from madoguchi.applications.models import Procedure

pytestmark = pytest.mark.django_db

HOST = {"HTTP_HOST": "testserver"}


def found(q: str) -> list[str]:
    return [p.slug for p in services.catalogue(q=q)]


EVERYDAY = [
    ("粗大ゴミ", "sodai-gomi"),  # カタカナ ゴミ, the name says ごみ
    ("ｿﾀﾞｲｺﾞﾐ", "sodai-gomi"),  # half-width katakana
    ("そだいごみ", "sodai-gomi"),
    ("ひっこし", "tennyu"),  # synonym: 転入・転出・転居
    ("ひっこし", "tenshutsu"),
    ("保育園", "hoiku-moushikomi"),  # synonym: 保育施設等の利用申込
    ("保育園の申し込み", "hoiku-moushikomi"),  # content words; 申し込み a stop word
    ("児童手当て", "jidoteate-nintei"),  # okurigana
    ("じどうてあて", "jidoteate-nintei"),
    ("住民表", "juminhyo"),  # IME slip: wrong kanji, same reading
    ("juuminnhyou", "juminhyo"),  # IME off: romaji
    ("ＪＵＵＭＩＮＮＨＹＯＵ", "juminhyo"),  # full-width romaji
    ("はんこ", "inkan"),
    ("国保", "kokuho-kanyu"),
    ("結婚", "konin"),
    ("引越し", "tenkyo"),  # okurigana variant of 引っ越し, synonym 転居
    ("印鑑登録", "inkan-toroku"),
    ("いんかんとうろく", "inkan-toroku"),
]


def test_everyday_words_find_the_procedure(demo_catalogue):
    missed = [(query, expected, found(query)[:5]) for query, expected in EVERYDAY if expected not in found(query)]
    assert not missed


def test_best_match_first_and_every_word_must_match(demo_catalogue):
    assert found("保育園")[0] == "hoiku-moushikomi"
    assert found("粗大ゴミ")[0] == "sodai-gomi"
    assert found("児童手当て")[0].startswith("jidoteate")
    assert found("転入 粗大ごみ") == []  # two unrelated words: nothing has both
    assert found("存在しない手続きのことば") == []
    assert len(found("")) == Procedure.objects.filter(is_published=True).count()  # no query: all


def test_normalise_and_reading():
    assert search.normalise("ｿﾀﾞｲｺﾞﾐ　ＡＢＣ") == "そだいごみ abc"
    assert search.reading("児童手当て") == search.reading("児童手当") == "じどうてあて"
    assert "転居" in search.alternatives("ひっこし")


def test_search_page_finds_and_keeps_the_query(demo_catalogue, client):
    response = client.get(reverse("applications:catalogue"), {"q": "保育園"}, **HOST)
    body = response.content.decode()
    assert response.status_code == 200
    assert "保育施設等の利用申込" in body
    assert 'value="保育園"' in body
    # the results come right after the search form, before the life-event chips
    assert body.index('id="result-h"') < body.index('id="events-h"')


def test_api_uses_the_same_search(demo_catalogue, client):
    response = client.get("/api/applications/procedures", {"q": "ひっこし"}, **HOST)
    assert response.status_code == 200, response.content[:300]
    slugs = {p["slug"] for p in response.json()}
    assert {"tennyu", "tenshutsu"} <= slugs
