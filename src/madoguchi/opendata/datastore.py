"""The datastore query (データストアの検索): the one place that reads the rows of a tabular
version, for ``datastore_search`` and the table preview.

- SQLite (and any other backend): the ORM over ``DatastoreRow``.
- PostgreSQL: the side table ``opendata_datastore`` (city id, version id, row number, data
  jsonb, text), kept by statement-level triggers on ``opendata_datastorerow`` (migration 0003,
  ``schema_sql``), with a GIN (``jsonb_path_ops``) index on ``data``. Why a side table: under the
  row-level security of ``core.tenancy`` PostgreSQL may not use an index for a non-leakproof
  operator (``@>`` on jsonb) ahead of the policy's test, so the GIN index on the city-owned
  table was never used and every filter scanned the version's rows (~70 ms per 30,000 rows).
  The side table has no policy and no foreign key (TRUNCATE of the rows — Django's flush between
  tests — must not be refused; a trigger empties it too). It holds only the cells of uploaded
  open data files, and it is read here only: every query filters by ``municipality_id`` *and*
  ``version_id``, and the version was first found through the RLS-protected tables (published
  dataset of the current city) by the caller.

Both paths give the same rows in the same order: filters are exact text matches (a list means
any of them), ``q`` is a case-insensitive substring (per column when a dict), sort compares the
column's text, every order ends with the row number."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from madoguchi.core import rawsql

from .models import DatastoreRow

PG_TABLE = "opendata_datastore"


class QueryError(ValueError):
    """A parameter names no column of the resource: ``{parameter: [message]}`` (CKAN's 409)."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


# --- schema (migration 0003) -------------------------------------------------------------------
def schema_sql(vendor: str) -> list[str]:
    if vendor != "postgresql":
        return []
    table = rawsql.table(DatastoreRow)
    city, version, number, data, text = (rawsql.column(DatastoreRow, f) for f in ("municipality", "version", "number", "data", "text"))
    cols = f"{city}, {version}, {number}, {data}, {text}"
    return [
        f"CREATE TABLE {PG_TABLE} (municipality_id bigint NOT NULL, version_id bigint NOT NULL, number integer NOT NULL, "
        "data jsonb NOT NULL, text text NOT NULL, PRIMARY KEY (municipality_id, version_id, number))",
        f"CREATE INDEX {PG_TABLE}_data ON {PG_TABLE} USING gin (data jsonb_path_ops)",
        # Statement-level with transition tables: a bulk insert of 10,000 rows is one INSERT … SELECT.
        f"CREATE FUNCTION {PG_TABLE}_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO {PG_TABLE} SELECT {cols} FROM new_rows; RETURN NULL; END $$",
        f"CREATE TRIGGER {PG_TABLE}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {PG_TABLE}_insert()",
        f"CREATE FUNCTION {PG_TABLE}_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"DELETE FROM {PG_TABLE} s USING old_rows o WHERE s.municipality_id = o.{city} AND s.version_id = o.{version} "
        f"AND s.number = o.{number}; RETURN NULL; END $$",
        f"CREATE TRIGGER {PG_TABLE}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {PG_TABLE}_delete()",
        f"CREATE FUNCTION {PG_TABLE}_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"DELETE FROM {PG_TABLE} s USING old_rows o WHERE s.municipality_id = o.{city} AND s.version_id = o.{version} "
        f"AND s.number = o.{number}; INSERT INTO {PG_TABLE} SELECT {cols} FROM new_rows; RETURN NULL; END $$",
        f"CREATE TRIGGER {PG_TABLE}_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_TABLE}_update()",
        f"CREATE FUNCTION {PG_TABLE}_empty() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN TRUNCATE {PG_TABLE}; RETURN NULL; END $$",
        f"CREATE TRIGGER {PG_TABLE}_empty AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {PG_TABLE}_empty()",
        # Rows stored before this migration (the migration runs with every city visible).
        f"INSERT INTO {PG_TABLE} SELECT {cols} FROM {table}",
    ]


def drop_sql(vendor: str) -> list[str]:
    if vendor != "postgresql":
        return []
    table = rawsql.table(DatastoreRow)
    return [
        *(f"DROP TRIGGER IF EXISTS {PG_TABLE}_{n} ON {table}" for n in ("insert", "delete", "update", "empty")),
        *(f"DROP FUNCTION IF EXISTS {PG_TABLE}_{n}()" for n in ("insert", "delete", "update", "empty")),
        f"DROP TABLE IF EXISTS {PG_TABLE}",
    ]


# --- the query ----------------------------------------------------------------------------------
def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Query:
    """What to read from one version: ``filters`` {column: value | [values]} (``_id`` = row
    number), ``q`` words anywhere (str) or {column: word}, ``sort`` "列 desc, 列2"."""

    version: object
    filters: dict = field(default_factory=dict)
    q: str | dict | None = None
    sort: str = ""

    def __post_init__(self):
        self.columns = list(self.version.columns or [])
        self._numbers: list[int] | None = None
        self._exact: list[tuple[str, list[str]]] = []
        for column, wanted in (self.filters or {}).items():
            values = wanted if isinstance(wanted, list) else [wanted]
            if column == "_id":
                try:
                    numbers = [int(v) for v in values]
                except (TypeError, ValueError):
                    raise QueryError({"filters": ['"_id" must be an integer']}) from None
                self._numbers = numbers if self._numbers is None else [n for n in self._numbers if n in numbers]
                continue
            if column not in self.columns:
                raise QueryError({"filters": [f'field "{column}" not in resource']})
            self._exact.append((column, [_text(v) for v in values]))
        self._words: list[str] = []
        self._column_words: list[tuple[str, str]] = []
        if isinstance(self.q, dict):
            for column, term in self.q.items():
                if column not in self.columns:
                    raise QueryError({"q": [f'field "{column}" not in resource']})
                self._column_words.append((column, str(term)))
        elif self.q:
            self._words = str(self.q).replace("\u3000", " ").split()
        self._order: list[tuple[str, bool]] = []  # (column or "_id", descending)
        for part in (self.sort or "").split(","):
            bits = part.split()
            if not bits:
                continue
            column, desc = bits[0].strip('"'), len(bits) > 1 and bits[1].lower() == "desc"
            if column != "_id" and column not in self.columns:
                raise QueryError({"sort": [f'field "{column}" not in resource']})
            self._order.append((column, desc))

    # The rows: [(number, data)], and the total.
    def rows(self, offset: int, limit: int) -> list[tuple[int, dict]]:
        if connection.vendor == "postgresql":
            where, params = self._pg_where()
            order, order_params = [], []
            for column, desc in self._order:
                if column == "_id":
                    order.append("number DESC" if desc else "number")
                else:  # the column's text, as the ORM's Cast(data -> key) compares it
                    order.append(f"(data ->> %s) {'DESC' if desc else 'ASC'}")
                    order_params.append(column)
            order.append("number")
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT number, data FROM {PG_TABLE} WHERE {where} ORDER BY {', '.join(order)} LIMIT %s OFFSET %s",
                    [*params, *order_params, limit, offset],
                )
                return [(n, d if isinstance(d, dict) else json.loads(d)) for n, d in cur.fetchall()]
        return list(self._orm().values_list("number", "data")[offset : offset + limit])

    def count(self) -> int:
        if connection.vendor == "postgresql":
            where, params = self._pg_where()
            with connection.cursor() as cur:
                cur.execute(f"SELECT count(*) FROM {PG_TABLE} WHERE {where}", params)
                return cur.fetchone()[0]
        return self._orm().count()

    # PostgreSQL: the side table. Always the city and the version first.
    def _pg_where(self) -> tuple[str, list]:
        sql = ["municipality_id = %s", "version_id = %s"]
        params: list = [self.version.municipality_id, self.version.pk]
        if self._numbers is not None:
            sql.append("number = ANY(%s)")
            params.append(self._numbers)
        for column, values in self._exact:
            sql.append("(" + " OR ".join(["data @> %s::jsonb"] * len(values)) + ")")  # the GIN index answers each
            params += [json.dumps({column: v}, ensure_ascii=False) for v in values]
        like = connection.ops.prep_for_like_query
        for word in self._words:
            sql.append("UPPER(text) LIKE UPPER(%s)")  # as the ORM's icontains
            params.append(f"%{like(word)}%")
        for column, word in self._column_words:
            sql.append("UPPER(data ->> %s) LIKE UPPER(%s)")
            params += [column, f"%{like(word)}%"]
        return " AND ".join(sql), params

    # Elsewhere: the ORM over the city-owned rows.
    def _orm(self):
        rows = DatastoreRow.objects.filter(version=self.version)
        if self._numbers is not None:
            rows = rows.filter(number__in=self._numbers)
        for column, values in self._exact:
            alias = f"f{len(rows.query.annotations)}"
            rows = rows.annotate(**{alias: _value(column)}).filter(**{f"{alias}__in": values})
        for word in self._words:
            rows = rows.filter(text__icontains=word)
        for column, word in self._column_words:
            alias = f"q{len(rows.query.annotations)}"
            rows = rows.annotate(**{alias: _value(column)}).filter(**{f"{alias}__icontains": word})
        order = []
        for column, desc in self._order:
            if column == "_id":
                order.append("-number" if desc else "number")
                continue
            alias = f"s{len(order)}"
            rows = rows.annotate(**{alias: _value(column)})
            order.append(f"-{alias}" if desc else alias)
        return rows.order_by(*order, "number")


def _value(column: str):
    """A column's text in a datastore row, as plain text (so lookups compare text, not JSON)."""
    return Cast(KeyTextTransform(column, "data"), output_field=TextField())


class Page:
    """A Query as Django's Paginator wants it (``count()`` and slices), for the table preview."""

    def __init__(self, query: Query):
        self.query = query
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.query.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        if isinstance(item, slice):
            return self.query.rows(item.start or 0, (item.stop or self.count()) - (item.start or 0))
        return self.query.rows(item, 1)[0]
