"""The platform's Japanese search (検索): indexing contributed documents, reading a query
(synonyms, stop words, kana), asking the backend, ranking, highlighting, and remembering
queries that found nothing.

Ranking, the same on both backends (the backend only finds candidates):

1. how many of the query's words a page matches (a page with all of them first);
2. where: a word in the title counts 3, in the body 1; a match through a synonym 0.9 of that;
3. typo matches (trigram similarity of the query to the title or its reading) only when exact
   matching found fewer than ``TYPO_BELOW`` pages, always below every exact match.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from madoguchi.core import codes, tenancy
from madoguchi.core.registry import SearchDocument, search_documents

from . import backends
from .models import SearchEntry, Synonym, ZeroResultQuery
from .tokenizer import QUERY_STOP_WORDS, clean, fold, grams, index_terms, reading, word_similarity, words

log = logging.getLogger(__name__)

MAX_QUERY = 200  # characters of a query that are read
CANDIDATES = 60  # ids the backend returns for re-ranking
TYPO_BELOW = 5  # look for typos when exact matching found fewer pages than this
TYPO_THRESHOLD = 0.5  # share of the query's trigrams the title must contain
TITLE, BODY, SYNONYM = 3.0, 1.0, 0.9
SNIPPET_SCAN = 400  # characters of a body searched for the snippet's first match


# --- indexing ------------------------------------------------------------------------------------
def entry_for(document: SearchDocument, kind: str, municipality) -> SearchEntry:
    title_text = f"{document.title} {document.keywords}".strip()
    title_terms = index_terms(title_text)
    terms = list(dict.fromkeys(title_terms + index_terms(document.body)))
    key = fold(title_text)
    title_key = f"{key} {reading(document.title)}".strip()
    return SearchEntry(
        municipality=municipality,
        kind=kind,
        key=str(document.key)[:200],
        title=document.title[:300],
        body=document.body,
        url=document.url,
        section=document.section,
        language=document.language or "ja",
        updated=document.updated,
        title_terms=" ".join(title_terms),
        terms=" ".join(terms),
        title_key=title_key,
        grams=" ".join(grams(title_key.replace(" ", ""))),
    )


def index(kind: str, municipality) -> int:
    """Rebuild the city's entries of one contributor (idempotent: the task may run twice)."""
    contributor = search_documents[kind]
    with tenancy.using(municipality):
        entries = [entry_for(doc, kind, municipality) for doc in contributor.documents(municipality)]
        with transaction.atomic():
            SearchEntry.objects.filter(municipality=municipality, kind=kind).delete()
            SearchEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def index_all(municipality) -> dict[str, int]:
    return {kind: index(kind, municipality) for kind in search_documents.keys()}


# --- reading a query -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Phrase:
    terms: tuple[str, ...]
    synonym: bool = False


@dataclass
class Group:
    """One word of the query: a page matches it through any of its phrases."""

    text: str
    phrases: list[Phrase] = field(default_factory=list)

    def add(self, terms, synonym=False) -> None:
        terms = tuple(t for t in terms if t)
        if terms and all(p.terms != terms for p in self.phrases):
            self.phrases.append(Phrase(terms, synonym))

    def as_backend(self) -> list[tuple[str, ...]]:
        return [p.terms for p in self.phrases]


_SYNONYM_TABLES: dict[tuple, dict[str, list[str]]] = {}  # a per-process cache, keyed by the rows' version


def synonym_table(municipality) -> dict[str, list[str]]:
    """The city's synonyms by every spelling of the word (folded, normalised, read). Built once
    per process and version of the city's rows (count and last change, one small query)."""
    version = Synonym.objects.filter(municipality=municipality).aggregate(n=Count("id"), last=Max("updated_at"))
    key = (municipality.pk, version["n"], version["last"])
    table = _SYNONYM_TABLES.get(key)
    if table is None:
        if len(_SYNONYM_TABLES) > 100:
            _SYNONYM_TABLES.clear()
        table = _SYNONYM_TABLES[key] = _build_synonym_table(municipality)
    return table


def _build_synonym_table(municipality) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for term, expansions in Synonym.objects.filter(municipality=municipality).values_list("term", "expansions"):
        values = [e.strip() for e in re.split(r"[、,，\n]", expansions) if e.strip()]
        for key in _keys(term):
            table.setdefault(key, [])
            table[key] += [v for v in values if v not in table[key]]
    return table


def _keys(text: str) -> set[str]:
    keys = {clean(text), clean("".join(w.normalised for w in words(text, "C")))}
    read = clean(reading(text))
    if len(read) >= 3:
        keys.add(read)
    return {k for k in keys if k}


def _phrase(text: str) -> tuple[str, ...]:
    """A text as the terms that must all be present (normalised forms of its content words)."""
    content = [w for w in words(text, "C") if w.content]
    return tuple(dict.fromkeys(clean(w.normalised) or clean(w.surface) for w in content))


_KANA_ONLY = re.compile(r"^[\u3040-\u309fー]+$")


def _is_stop(word) -> bool:
    return (
        any(f in QUERY_STOP_WORDS for f in (word.surface, word.normalised, word.reading))
        or len(word.surface) == 1
        and not re.match(r"[\u4e00-\u9fff]", word.surface)
    )


_ONE_KANJI = re.compile(r"^[\u4e00-\u9fff]$")


def _joined(all_words, content, kept) -> list:
    """``kept`` in order, with runs of one-kanji content words written side by side (SudachiPy
    splits 市外, 市内, 県外 into 市 + 外) as one tuple: the compound must be found with all its
    characters, not each one anywhere on the page (市 is in most titles). A run is never a stop
    word (内 reads ない, a stop word, but 市内 is not)."""
    content, keep = set(content), set(kept)
    out: list = []
    run: list = []
    for w in list(all_words) + [None]:
        if w is not None and w in content and _ONE_KANJI.match(w.surface):
            run.append(w)
            continue
        if len(run) > 1:
            out.append(tuple(run))
        else:
            out.extend(x for x in run if x in keep)
        run = []
        if w is not None and w in keep:
            out.append(w)
    return out


def parse(q: str, synonyms: dict[str, list[str]]) -> list[Group]:
    """The query's words as groups (every group must match, through one of its phrases)."""
    groups: list[Group] = []
    # SudachiPy reads the text as typed (NFKC, katakana kept: it knows ソファ, not そふぁ).
    for chunk in unicodedata.normalize("NFKC", q)[:MAX_QUERY].lower().split():
        whole = next((synonyms[k] for k in _keys(chunk) if k in synonyms), None)
        content = [w for w in words(chunk, "C") if w.content]
        kept = [w for w in content if not _is_stop(w)] or content[:1]
        if whole or (_KANA_ONLY.match(fold(chunk)) and (len(kept) <= 1 or all(len(w.surface) <= 2 for w in kept))):
            # a synonym's word, or kana SudachiPy cannot split well (じゅうみんひょう): the
            # chunk whole (it may be a compound's reading) or its words together
            group = Group(chunk)
            group.add((clean(chunk),))
            group.add(_phrase(chunk))
            group.add(tuple(dict.fromkeys(clean(w.normalised) for w in kept)))
            for alt in whole or ():
                group.add(_phrase(alt), synonym=True)
            for w in kept:
                for key in {w.surface, w.normalised, w.reading} - {""}:
                    for alt in synonyms.get(clean(key), ()):
                        group.add(_phrase(alt), synonym=True)
            groups.append(group)
            continue
        for w in _joined(words(chunk, "C"), content, kept):
            if isinstance(w, tuple):  # one-kanji words side by side: the compound, whole
                group = Group("".join(x.surface for x in w))
                group.add((clean(group.text),))
                group.add(tuple(dict.fromkeys(clean(x.normalised) for x in w)))
                for alt in synonyms.get(clean(group.text), ()):
                    group.add(_phrase(alt), synonym=True)
                groups.append(group)
                continue
            group = Group(w.surface)
            for form in w.forms():
                group.add((form,))
            parts = tuple(clean(a.normalised) for a in words(w.surface, "A") if a.content)
            if len(parts) > 1:
                group.add(parts)
            for key in {w.surface, w.normalised, w.reading} - {""}:
                for alt in synonyms.get(clean(key), ()):
                    group.add(_phrase(alt), synonym=True)
            groups.append(group)
    return groups


# --- searching ---------------------------------------------------------------------------------------
@dataclass
class Result:
    entry: SearchEntry
    score: float
    typo: bool = False
    title_html: SafeString = mark_safe("")
    snippet_html: SafeString = mark_safe("")


@dataclass
class Results:
    query: str
    results: list[Result]
    total: int
    groups: list[Group]
    typo: bool = False  # some results come from typo matching


def _score(entry: SearchEntry, groups: list[Group]) -> tuple[int, float, set[str]]:
    title = set(entry.title_terms.split())
    every = set(entry.terms.split())
    matched, score, hits = 0, 0.0, set()
    for group in groups:
        best = 0.0
        for phrase in group.phrases:
            weight = SYNONYM if phrase.synonym else 1.0
            if all(t in title for t in phrase.terms):
                best = max(best, TITLE * weight)
                hits.update(phrase.terms)
            elif all(t in every for t in phrase.terms):
                best = max(best, BODY * weight)
                hits.update(phrase.terms)
        matched += best > 0
        score += best
    return matched, score, hits


def search(municipality, q: str, *, kinds=(), section_id=None, limit: int = 20, log_zero: bool = False, request=None) -> Results:
    """The city's pages matching ``q``, best first (at most ``limit``), highlighted."""
    q = (q or "").strip()[:MAX_QUERY]
    groups = parse(q, synonym_table(municipality)) if q else []
    if not groups:
        return Results(q, [], 0, groups)
    city = municipality.pk
    backend_groups = [g.as_backend() for g in groups]
    ids = backends.find(city, backend_groups, kinds=kinds, section_id=section_id, limit=CANDIDATES)
    if len(ids) < TYPO_BELOW and len(groups) > 1:
        seen = set(ids)
        ids += [i for i in backends.find(city, backend_groups, any_group=True, kinds=kinds, section_id=section_id, limit=CANDIDATES) if i not in seen]
    typo_ids: list[int] = []
    if len(ids) < TYPO_BELOW:
        text = clean(q)
        candidates = backends.find_typos(city, text, grams(text), kinds=kinds, section_id=section_id)
        typo_ids = [i for i in candidates if i not in set(ids)]
    # Rank on the terms; read the bodies of the shown results only.
    rows = SearchEntry.objects.filter(pk__in=ids + typo_ids).select_related("section").defer("body", "grams")
    by_id = {e.pk: e for e in rows}
    ranked = []
    for position, pk in enumerate(ids):
        entry = by_id.get(pk)
        if entry is None:
            continue
        matched, score, hits = _score(entry, groups)
        if matched:
            ranked.append(((-matched, -score, position), Result(entry, score), hits))
    text = clean(q)
    for position, pk in enumerate(typo_ids):
        entry = by_id.get(pk)
        similarity = word_similarity(text, entry.title_key) if entry else 0
        if similarity >= TYPO_THRESHOLD:
            ranked.append(((0, -similarity * 2, position), Result(entry, similarity * 2, typo=True), set()))
    ranked.sort(key=lambda r: r[0])
    total = len(ranked)
    shown = ranked[:limit]
    bodies = dict(SearchEntry.objects.filter(pk__in=[r.entry.pk for _k, r, _h in shown]).values_list("pk", "body"))
    results = []
    for _key, result, hits in shown:
        result.entry.body = bodies.get(result.entry.pk, "")
        marks = hits | _query_surfaces(groups)
        result.title_html = highlight(result.entry.title, marks, whole_if=result.typo)
        result.snippet_html = snippet(result.entry.body, marks)
        results.append(result)
    if total == 0 and log_zero:
        log_zero_result(municipality, q, request=request)
    return Results(q, results, total, groups, typo=any(r.typo for r in results))


def _query_surfaces(groups: list[Group]) -> set[str]:
    out = set()
    for g in groups:
        for p in g.phrases:
            out.update(p.terms)
    return out


# --- highlighting ------------------------------------------------------------------------------------
_ONE_KANA = re.compile(r"^[\u3040-\u30ffー]$")


def _spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of ``text`` (NFKC) where one of ``terms`` is written. Plain substring
    search over the text folded character by character (same length, so offsets carry over):
    no tokenising at query time, where it cost ~0.5 ms per text."""
    folded = "".join(fold(c) or c for c in text)
    if len(folded) != len(text):  # a character folded to two (rare ligatures): give up marking
        return []
    spans = []
    for term in terms:
        if not term or _ONE_KANA.match(term):
            continue
        start = folded.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + len(term))
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _render(text: str, spans, start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    out, last = [], start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out += [escape(text[last:a]), "<mark>", escape(text[a:b]), "</mark>"]
        last = b
    out.append(escape(text[last:end]))
    return "".join(out)


def highlight(text: str, terms: set[str], whole_if: bool = False) -> SafeString:
    import unicodedata

    text = unicodedata.normalize("NFKC", text or "")
    return mark_safe(_render(text, _spans(text, terms)))


def snippet(text: str, terms: set[str], width: int = 110) -> SafeString:
    """The part of ``text`` around its first matching word, escaped, matches in <mark>."""
    import unicodedata

    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()[:SNIPPET_SCAN]
    if not text:
        return mark_safe("")
    spans = _spans(text, terms)
    start = max(0, spans[0][0] - 30) if spans else 0
    end = min(len(text), start + width)
    html = _render(text, spans, start, end)
    return mark_safe(("…" if start else "") + html + ("…" if end < len(text) else ""))


# --- queries that found nothing ------------------------------------------------------------------------
_LONG_DIGITS = re.compile(r"\d{4}\D{0,3}\d{4}\D{0,3}\d{4}")
ZERO_LOG_LIMIT = (30, 3600)  # per address: at most 30 logged queries an hour


def loggable(q: str) -> str:
    """The query as it is kept (folded, one line, 100 characters), or "" for one that must not
    be kept: anything that looks like a マイナンバー (12 digits, with or without separators)."""
    text = fold(q)[:100]
    if not text or codes.contains_my_number(text) or _LONG_DIGITS.search(text):
        return ""
    return text


def log_zero_result(municipality, q: str, request=None) -> None:
    text = loggable(q)
    if not text:
        return
    if request is not None:
        from madoguchi.core import audit, ratelimit

        if ratelimit.attempt("search_zero", audit.client_ip(request) or "", limit=ZERO_LOG_LIMIT[0], window=ZERO_LOG_LIMIT[1]):
            return  # one address filling the list: stop counting it, keep answering
    updated = ZeroResultQuery.objects.filter(municipality=municipality, query=text).update(count=F("count") + 1, last_seen=timezone.now())
    if updated:
        return
    try:
        with transaction.atomic():
            ZeroResultQuery.objects.create(municipality=municipality, query=text, count=1)
    except IntegrityError:  # another request logged it first
        ZeroResultQuery.objects.filter(municipality=municipality, query=text).update(count=F("count") + 1, last_seen=timezone.now())


# --- which kinds exist (the filter) ------------------------------------------------------------------
def kinds() -> list[tuple[str, str]]:
    items = sorted(search_documents.items(), key=lambda kv: (getattr(kv[1], "order", 100), kv[0]))
    return [(key, plugin.label) for key, plugin in items]


def vendor() -> str:
    return connection.vendor
