"""Japanese text → index terms (索引語), with SudachiPy.

Both sides — documents when indexed and queries when searched — go through the same steps:

- NFKC (full/half width: ｿﾀﾞｲｺﾞﾐ → ソダイゴミ), lower case;
- SudachiPy in split mode A (short units: 住民 / 票) *and* C (compounds: 住民票), so a query for
  either finds the other;
- for every word, its surface, SudachiPy's normalised form (引越し → 引っ越し, 申し込み → 申込) and
  its reading, all folded to ひらがな (jaconv), so a kana-only query (じゅうみんひょう) finds the
  kanji title and a homophone slip (住民表) still matches by reading.

Terms are words without spaces or quotes, joined by one space: the same string feeds the FTS5
table (SQLite) and ``array_to_tsvector`` (PostgreSQL), so both backends see identical terms.

The SudachiPy dictionary is loaded once per process (it takes ~0.5 s and tens of MB); a
tokenizer object is kept per thread because it is not thread-safe. Both are caches only.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass

import jaconv

# Parts of speech that never carry the meaning of a text (助詞, 助動詞, 記号, 空白).
SKIP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
# Words residents add to almost every query (「〜の手続き」「〜したい」「〜の方法」): they are indexed
# but a query made of other words does not need them to match.
QUERY_STOP_WORDS = {
    "てつづき", "てつづく", "しんせい", "もうしこみ", "もうしこむ", "とどけ", "とどけで", "とどけでる", "とどける", "する", "したい",
    "ほうほう", "について", "やりかた", "まどぐち", "ばしょ", "いつ", "どこ", "なに", "こと", "ある", "いる", "なる", "おしえる",
    "しりたい", "しる", "ひつよう", "どう", "どうすれば", "どうやって", "できる", "いい", "よい", "ほしい", "わかる", "ください",
    "です", "ます", "もの", "ため", "とき", "ところ", "ない", "なん", "どれ", "どの", "ばあい", "など", "ぐらい", "くらい", "さん",
    "ちゃん", "てる", "ちゃう", "おねがい", "おもう", "まで", "から", "よう", "ほう", "たい", "られる", "れる", "せる", "せいきゅう",
    "いく", "くる", "みる", "だす", "はい", "いいえ", "わたし", "うち", "じぶん", "これ", "それ", "あれ", "ひと", "もらう",
}  # fmt: skip
_UNSAFE = re.compile(r"[\s'\"\\:()*^&|!<>{}\[\],.;?+\-＋・、。「」『』（）【】〜~/#@%$=`]+")
_KANA = re.compile(r"[\u3040-\u30ff]")
MIN_READING = 3  # shorter readings (こう, かん) match too many words by sound alone
_local = threading.local()


@functools.cache
def _dictionary():
    """The SudachiPy dictionary, once per process (expensive to load)."""
    from sudachipy import Dictionary

    return Dictionary(dict="core")


def _tokenizer():
    if not hasattr(_local, "tokenizer"):
        _local.tokenizer = _dictionary().create()
    return _local.tokenizer


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """One spelling for comparison: NFKC, lower case, カタカナ → ひらがな, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"\s+", " ", jaconv.kata2hira(text)).strip()


@functools.lru_cache(maxsize=65536)
def clean(term: str) -> str:
    """A term safe for both query languages (FTS5 and tsquery): no spaces, quotes or operators."""
    return _UNSAFE.sub("", fold(term))


@dataclass(frozen=True)
class Word:
    surface: str  # folded
    normalised: str  # SudachiPy's normalised form, folded
    reading: str  # ひらがな ("" when SudachiPy has none)
    pos: str

    @property
    def content(self) -> bool:
        return self.pos not in SKIP_POS

    def forms(self) -> tuple[str, ...]:
        """The spellings this word may be found under (reading only when long enough)."""
        forms = [self.surface, self.normalised]
        if len(self.reading) >= MIN_READING:
            forms.append(self.reading)
        return tuple(dict.fromkeys(f for f in (clean(x) for x in forms) if f))


@functools.lru_cache(maxsize=20000)
def words(text: str, mode: str = "C") -> tuple[Word, ...]:
    """The words of ``text`` (already NFKC) in split mode ``A`` or ``C``."""
    from sudachipy import SplitMode

    text = unicodedata.normalize("NFKC", text or "")
    if not text.strip():
        return ()
    split = SplitMode.A if mode == "A" else SplitMode.C
    out = []
    # SudachiPy refuses inputs over ~49 KB: tokenise long bodies line by line.
    for chunk in text.splitlines() or [text]:
        if not chunk.strip():
            continue
        for m in _tokenizer().tokenize(chunk[:10000], split):
            reading = m.reading_form()
            reading = fold(reading) if reading and _KANA.search(reading) else ""
            out.append(Word(fold(m.surface()), fold(m.normalized_form()), reading, m.part_of_speech()[0]))
    return tuple(out)


def index_terms(text: str) -> list[str]:
    """Every term a document's text is found under: forms of its words in modes A and C."""
    terms: dict[str, None] = {}
    for mode in ("C", "A"):
        for word in words(text, mode):
            if not word.content:
                continue
            for form in word.forms():
                terms[form] = None
            if word.reading:  # short readings too: an exact kana query of a short word
                terms[clean(word.reading)] = None
    terms.pop("", None)
    return list(terms)


def terms_text(text: str) -> str:
    return " ".join(index_terms(text))


def grams(text: str, n: int = 2) -> list[str]:
    """Character n-grams of folded ``text`` without spaces (SQLite's typo index)."""
    s = clean(text)
    return list(dict.fromkeys(s[i : i + n] for i in range(max(len(s) - n + 1, 1)))) if s else []


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of one word (two spaces before, one after), for the similarity both
    backends rank typo matches by."""
    s = f"  {clean(text)} "
    return {s[i : i + 3] for i in range(len(s) - 2)}


def word_similarity(query: str, target: str) -> float:
    """Share of the query's trigrams found in ``target`` (pg_trgm's word_similarity, simplified:
    the target's trigrams are taken over the whole text)."""
    q = trigrams(query)
    if not q:
        return 0.0
    t: set[str] = set()
    for part in target.split():
        t |= trigrams(part)
    return len(q & t) / len(q)


@functools.lru_cache(maxsize=20000)
def reading(text: str) -> str:
    """The text read in ひらがな, word by word (kana as written when SudachiPy has no reading)."""
    return "".join(w.reading or w.surface for w in words(text, "C")).replace(" ", "")
