"""手続の検索 (procedure search): everyday words find the procedure.

One function, :func:`search`, that the full search of the procedure guide (issue #17) can
replace. A query is matched word by word (every word must match) against each procedure's
name, ふりがな, summary, section and life events, after:

- normalising both sides (NFKC and ``jaconv``: full/half width, カタカナ→ひらがな, lower case),
  so 粗大ゴミ / ｿﾀﾞｲｺﾞﾐ / そだいごみ are one word;
- comparing readings (SudachiPy's reading form, and the procedure's ふりがな), so 送りがな
  variants (児童手当て / 児童手当, 申し込み / 申込) and IME slips (住民表, じゅうみんひょう,
  romaji typed with the IME off: ``juuminnhyou``) still find it;
- the synonym table ``fixtures/search_synonyms.tsv`` (data, not code): ひっこし → 転入・転出・
  転居, 保育園 → 保育施設 …;
- SudachiPy's normalised form of each word (引越し → 引っ越し);
- a word that does not match whole is split into its content words (「保育園の申込み」 →
  保育園, and 申込 is a stop word), each of which must match.

Procedures are few per city (tens to a few hundred), so matching runs in Python over the
filtered queryset; readings are cached per text.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from pathlib import Path

import jaconv
from django.db.models import QuerySet

SYNONYMS_FILE = Path(__file__).parent / "fixtures" / "search_synonyms.tsv"

# Words every procedure has in its name; a query made only of them matches everything.
STOP_WORDS = {
    "てつづき", "てつづける", "しんせい", "もうしこみ", "もうしこむ", "とどけ", "とどけで", "とどけでる", "とどける", "せいきゅう",
    "する", "したい", "ほうほう", "について", "やりかた", "まどぐち", "ばしょ", "いつ", "どこ", "なに", "こと",
}  # fmt: skip
# Parts of speech that never carry the meaning of a query (助詞, 助動詞, 記号, 空白).
_SKIP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
_MIN_READING = 3  # shorter readings (「かん」「こう」) match too much by sound alone
_ROMAJI = re.compile(r"^[a-z\-']+$")
_local = threading.local()


def normalise(text: str) -> str:
    """One spelling for comparison: NFKC, half-width kana widened, カタカナ→ひらがな, lower case."""
    text = unicodedata.normalize("NFKC", text or "")
    text = jaconv.kata2hira(text.lower())
    return re.sub(r"\s+", " ", text).strip()


def _tokenizer():
    """SudachiPy's tokenizer, one per thread (it is not thread-safe); None without a dictionary."""
    if not hasattr(_local, "tokenizer"):
        try:
            from sudachipy import Dictionary, SplitMode

            _local.tokenizer = (Dictionary(dict="core").create(), SplitMode.C)
        except Exception:  # no dictionary installed: readings fall back to the kana typed
            _local.tokenizer = None
    return _local.tokenizer


@functools.lru_cache(maxsize=8192)
def _morphemes(text: str) -> tuple[tuple[str, str, str, str], ...]:
    """(surface, normalised form, reading, part of speech) of each word of ``text``."""
    tok = _tokenizer()
    if tok is None or not text:
        return tuple((w, w, w, "名詞") for w in text.split())
    tokenizer, mode = tok
    return tuple((m.surface(), m.normalized_form(), m.reading_form(), m.part_of_speech()[0]) for m in tokenizer.tokenize(text, mode))


@functools.lru_cache(maxsize=8192)
def reading(text: str) -> str:
    """The text read in ひらがな (kanji by SudachiPy's reading; kana as written)."""
    text = normalise(text)
    parts = []
    for surface, _norm, read, _pos in _morphemes(text):
        # Unknown words (and symbols) have no reading: keep what was written.
        parts.append(normalise(read) if read and re.search(r"[\u3040-\u30ff]", read) else surface)
    return "".join(parts).replace(" ", "")


@functools.cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """The synonym table, keyed by the normalised word and by its reading."""
    table: dict[str, tuple[str, ...]] = {}
    for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        word, alts = line.split("\t", 1)
        values = tuple(normalise(a) for a in re.split(r"[、,]", alts) if a.strip())
        for key in {normalise(word), reading(word)}:
            table[key] = tuple(dict.fromkeys(table.get(key, ()) + values))
    return table


def alternatives(word: str) -> list[str]:
    """What ``word`` may appear as in a procedure's text: itself, its synonyms, SudachiPy's
    normalised form, and the kana of romaji typed with the IME off."""
    word = normalise(word)
    out = [word]
    if _ROMAJI.match(word):
        out.append(jaconv.alphabet2kana(word))
    table = synonyms()
    for key in (word, reading(word)):
        out.extend(table.get(key, ()))
    norm = "".join(n for _s, n, _r, _p in _morphemes(word))
    if norm:
        out.append(normalise(norm))
    return list(dict.fromkeys(a for a in out if a))


def _content_words(term: str) -> list[str]:
    """The words of a term that carry meaning (no particles, no stop words)."""
    words = []
    for surface, _norm, read, pos in _morphemes(normalise(term)):
        if pos in _SKIP_POS or normalise(read) in STOP_WORDS or normalise(surface) in STOP_WORDS:
            continue
        words.append(surface)
    return words


class _Doc:
    """A procedure's searchable text: as written (normalised) and as read."""

    def __init__(self, procedure):
        events = " ".join(e.name for e in procedure.life_events.all())
        section = getattr(procedure.section, "name", "")
        self.title = normalise(f"{procedure.name} {procedure.name_kana}")
        self.text = normalise(f"{procedure.name} {procedure.name_kana} {procedure.summary} {section} {events}")
        self.reading = (
            normalise(procedure.name_kana).replace(" ", "") + "|" + reading(procedure.name) + "|" + reading(procedure.summary) + "|" + reading(events)
        )

    def score(self, word: str) -> int:
        """2 when ``word`` (or one of its alternatives) is in the name, 1 elsewhere, else 0."""
        best = 0
        for alt in alternatives(word):
            if alt in self.title:
                return 2
            read = reading(alt)
            if alt in self.text or (len(read) >= _MIN_READING and read in self.reading):
                best = max(best, 2 if len(read) >= _MIN_READING and read in self.title.replace(" ", "") else 1)
        return best


def _term_score(doc: _Doc, term: str) -> int:
    whole = doc.score(term)
    if whole:
        return whole
    words = _content_words(term)
    if not words:  # only stop words (「申請」): matches what says it
        return 1 if normalise(term) in doc.text else 0
    scores = [doc.score(w) for w in words]
    return min(scores) if all(scores) else 0


def search(procedures: QuerySet, q: str) -> QuerySet | list:
    """``procedures`` narrowed to those matching every word of ``q``, best first (words found
    in the name before words found only in the summary), as the list of the rows already read
    to rank them; ``q`` empty: the queryset unchanged."""
    terms = normalise(q).split()
    if not terms:
        return procedures
    ranked = []
    for index, procedure in enumerate(procedures):
        doc = _Doc(procedure)
        scores = [_term_score(doc, t) for t in terms]
        if all(scores):
            ranked.append((-sum(scores), index, procedure))
    ranked.sort(key=lambda r: r[:2])
    return [procedure for _score, _index, procedure in ranked]
