"""The two full-text backends, chosen by the connection's vendor. Both take the same terms
(``tokenizer``) and the same query shape — groups that must all match, each group a choice of
phrases, each phrase terms that must all be present — and return candidate ids in the
database's own rank order; ``services`` re-ranks the candidates the same way on both.

- SQLite: an FTS5 table ``search_fts`` (columns title_terms, terms, grams; rowid = the entry's
  id) kept by triggers on the entry table; rank ``bm25`` with the title weighted 10:1; typos
  through the title's character bigrams.
- PostgreSQL: a side table ``search_vector`` kept by a trigger (title terms weight A, the rest
  D; built with ``array_to_tsvector`` over the pre-tokenised terms, i.e. the 'simple' treatment
  without the parser's locale) with a GIN index; rank ``ts_rank``; typos through pg_trgm's
  ``word_similarity`` on ``title_key`` (GIN ``gin_trgm_ops`` index).

The SQL objects are made by migration 0002 (``schema_sql``). Written-out SQL because the ORM
cannot say MATCH, @@ or <%; table and column names come from the model's metadata."""

from __future__ import annotations

import functools

from django.db import connection

from madoguchi.core import rawsql

from .models import SearchEntry

FTS_TABLE = "search_fts"
PG_TABLE = "search_vector"
Phrase = tuple[str, ...]
Group = list[Phrase]


def _col(field: str) -> str:
    return rawsql.column(SearchEntry, field)


# --- schema (migration 0002) -----------------------------------------------------------------
def schema_sql(vendor: str) -> list[str]:
    table = rawsql.table(SearchEntry)
    if vendor == "sqlite":
        new = "new"
        old = "old"
        cols = f"{_col('title_terms')}, {_col('terms')}, {_col('grams')}"
        return [
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title_terms, terms, grams, tokenize = 'unicode61 remove_diacritics 0')",
            f"CREATE TRIGGER search_fts_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {FTS_TABLE}(rowid, title_terms, terms, grams) VALUES ({new}.id, "
            f"{new}.{_col('title_terms')}, {new}.{_col('terms')}, {new}.{_col('grams')}); END",
            f"CREATE TRIGGER search_fts_delete AFTER DELETE ON {table} BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = {old}.id; END",
            f"CREATE TRIGGER search_fts_update AFTER UPDATE OF {cols} ON {table} BEGIN "
            f"DELETE FROM {FTS_TABLE} WHERE rowid = {old}.id; "
            f"INSERT INTO {FTS_TABLE}(rowid, title_terms, terms, grams) VALUES ({new}.id, "
            f"{new}.{_col('title_terms')}, {new}.{_col('terms')}, {new}.{_col('grams')}); END",
        ]
    if vendor == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        # The vectors live in a side table without row-level security, kept by a trigger: under
        # RLS, PostgreSQL may not use an index for a non-leakproof operator (@@, <%) before the
        # policy's test, so the GIN indexes were never used (a 10,000-row scan, ~190 ms). Queries
        # on it always filter by municipality_id, and entries are then read through the RLS'd table.
        vector = (
            f"coalesce(setweight(array_to_tsvector(string_to_array(nullif(NEW.{_col('title_terms')}, ''), ' ')), 'A') || "
            f"setweight(array_to_tsvector(string_to_array(nullif(NEW.{_col('terms')}, ''), ' ')), 'D'), ''::tsvector)"
        )
        values = f"NEW.id, NEW.{_col('municipality')}, NEW.{_col('kind')}, NEW.{_col('section')}, {vector}, NEW.{_col('title_key')}"
        return [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            # No foreign key to the entries: TRUNCATE of the entry table (Django's flush between
            # tests, a reindex from scratch) must not be refused; the triggers below keep the two
            # tables in step instead, row by row and on TRUNCATE.
            f"CREATE TABLE {PG_TABLE} (entry_id bigint PRIMARY KEY, "
            "municipality_id bigint NOT NULL, kind varchar(50) NOT NULL, section_id bigint, vector tsvector NOT NULL, title_key text NOT NULL)",
            f"CREATE INDEX search_vector_gin ON {PG_TABLE} USING gin (vector)",
            f"CREATE INDEX search_vector_trgm ON {PG_TABLE} USING gin (title_key gin_trgm_ops)",
            "CREATE FUNCTION search_vector_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"INSERT INTO {PG_TABLE} VALUES ({values}) ON CONFLICT (entry_id) DO UPDATE SET municipality_id = EXCLUDED.municipality_id, "
            "kind = EXCLUDED.kind, section_id = EXCLUDED.section_id, vector = EXCLUDED.vector, title_key = EXCLUDED.title_key; "
            "RETURN NEW; END $$",
            f"CREATE TRIGGER search_vector_sync AFTER INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION search_vector_sync()",
            f"CREATE FUNCTION search_vector_forget() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM {PG_TABLE} WHERE entry_id = OLD.id; RETURN OLD; END $$",
            f"CREATE TRIGGER search_vector_forget AFTER DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION search_vector_forget()",
            f"CREATE FUNCTION search_vector_empty() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN TRUNCATE {PG_TABLE}; RETURN NULL; END $$",
            f"CREATE TRIGGER search_vector_empty AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION search_vector_empty()",
        ]
    return []


def drop_sql(vendor: str) -> list[str]:
    table = rawsql.table(SearchEntry)
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS search_fts_{t}" for t in ("insert", "delete", "update")] + [f"DROP TABLE IF EXISTS {FTS_TABLE}"]
    if vendor == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS search_vector_{name} ON {table}" for name in ("sync", "forget", "empty")),
            *(f"DROP FUNCTION IF EXISTS search_vector_{name}()" for name in ("sync", "forget", "empty")),
            f"DROP TABLE IF EXISTS {PG_TABLE}",
        ]
    return []


# --- queries -----------------------------------------------------------------------------------
def _fts_phrase(phrase: Phrase) -> str:
    inner = " AND ".join(f'"{t}"' for t in phrase)
    return f"({inner})" if len(phrase) > 1 else inner


def _ts_phrase(phrase: Phrase) -> str:
    inner = " & ".join(f"'{t}'" for t in phrase)
    return f"({inner})" if len(phrase) > 1 else inner


def match_expression(vendor: str, groups: list[Group], *, any_group: bool = False) -> str:
    """The backend's query text: every group (or, ``any_group``, at least one) must match."""
    if vendor == "postgresql":
        parts = ["(" + " | ".join(_ts_phrase(p) for p in g) + ")" for g in groups if g]
        return (" | " if any_group else " & ").join(parts)
    parts = ["(" + " OR ".join(_fts_phrase(p) for p in g) + ")" for g in groups if g]
    return "{title_terms terms} : (" + (" OR " if any_group else " AND ").join(parts) + ")"


def _filters(kinds, section_id) -> tuple[str, list]:
    sql, params = "", []
    pg = connection.vendor == "postgresql"
    if kinds:
        sql += f" AND {'v.kind' if pg else 'e.' + _col('kind')} IN ({', '.join(['%s'] * len(kinds))})"
        params += list(kinds)
    if section_id:
        sql += f" AND {'v.section_id' if pg else 'e.' + _col('section')} = %s"
        params.append(section_id)
    return sql, params


@functools.cache
def _find_sql(vendor: str) -> str:
    table = rawsql.table(SearchEntry)
    if vendor == "postgresql":
        return (
            f"SELECT v.entry_id FROM {PG_TABLE} v WHERE v.municipality_id = %s AND v.vector @@ %s::tsquery{{filters}} "
            "ORDER BY ts_rank(v.vector, %s::tsquery, 1) DESC, v.entry_id LIMIT %s"
        )
    return (
        f"SELECT e.id FROM {FTS_TABLE} JOIN {table} e ON e.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND e.{_col('municipality')} = %s{{filters}} "
        f"ORDER BY bm25({FTS_TABLE}, 10.0, 1.0, 0.0), e.id LIMIT %s"
    )


def find(municipality_id: int, groups: list[Group], *, any_group=False, kinds=(), section_id=None, limit: int = 100) -> list[int]:
    """Ids of the city's entries matching ``groups``, best first by the backend's rank."""
    groups = [g for g in groups if g]
    if not groups:
        return []
    vendor = connection.vendor
    expression = match_expression(vendor, groups, any_group=any_group)
    filters, fparams = _filters(kinds, section_id)
    sql = _find_sql(vendor).replace("{filters}", filters)
    if vendor == "postgresql":
        params = [municipality_id, expression, *fparams, expression, limit]
    else:
        params = [expression, municipality_id, *fparams, limit]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [row[0] for row in cur.fetchall()]


@functools.cache
def _typo_sql(vendor: str) -> str:
    table = rawsql.table(SearchEntry)
    if vendor == "postgresql":
        # <% uses the GIN trigram index (pg_trgm.word_similarity_threshold, 0.6 by default).
        return (
            f"SELECT v.entry_id FROM {PG_TABLE} v WHERE v.municipality_id = %s AND %s <%% v.title_key{{filters}} "
            "ORDER BY word_similarity(%s, v.title_key) DESC, v.entry_id LIMIT %s"
        )
    return (
        f"SELECT e.id FROM {FTS_TABLE} JOIN {table} e ON e.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND e.{_col('municipality')} = %s{{filters}} "
        f"ORDER BY bm25({FTS_TABLE}, 0.0, 0.0, 1.0), e.id LIMIT %s"
    )


def find_typos(municipality_id: int, text: str, grams: list[str], *, kinds=(), section_id=None, limit: int = 50) -> list[int]:
    """Ids of entries whose title (or its reading) is close to ``text``: candidates only, the
    caller keeps those whose similarity passes its threshold."""
    vendor = connection.vendor
    filters, fparams = _filters(kinds, section_id)
    sql = _typo_sql(vendor).replace("{filters}", filters)
    if vendor == "postgresql":
        params = [municipality_id, text, *fparams, text, limit]
    else:
        if not grams:
            return []
        expression = "grams : (" + " OR ".join(f'"{g}"' for g in grams) + ")"
        params = [expression, municipality_id, *fparams, limit]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [row[0] for row in cur.fetchall()]
