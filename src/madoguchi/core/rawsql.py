"""Reading one row by primary key without the ORM's query compiler (主キーでの1行読み取り).

The few reads that every request (the signed-in user) or every booking attempt in a rush (the
unit with its facility) makes spend more CPU compiling the ORM query than the database spends
answering it: ``User.objects.get(pk=…)`` costs ~0.19 ms of Python against ~0.04 ms for the same
row read here. The SQL is built once per process from the model's metadata (renamed tables or
columns follow) and values pass through the converters the ORM itself would apply, so the
instances are the same as the ORM's — whole, or with the fields not read deferred, as
``.only()`` gives them (a submission's answers are the bulk of its row). Everywhere else, use
the ORM.
"""

from __future__ import annotations

import functools

from django.db import connection


@functools.cache
def selected(model, fields: tuple[str, ...] | None = None) -> tuple:
    """The concrete fields a read selects, in the model's order: every one, or only ``fields``
    (field names, foreign keys by name) and the primary key, as ``.only(*fields)`` reads."""
    if fields is None:
        return tuple(model._meta.concrete_fields)
    wanted = {model._meta.get_field(name).attname for name in fields} | {model._meta.pk.attname}
    return tuple(f for f in model._meta.concrete_fields if f.attname in wanted)


@functools.cache
def _converters(model, vendor: str, fields: tuple[str, ...] | None = None):
    """Per selected column, the converters the ORM itself applies to values read from this
    backend, and where each value goes among the model's concrete fields."""
    out = []
    for f in selected(model, fields):
        col = f.get_col(model._meta.db_table)
        out.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    concrete = model._meta.concrete_fields
    return out, [concrete.index(f) for f in selected(model, fields)], [f.attname for f in concrete]


def from_row(model, values, fields: tuple[str, ...] | None = None):
    """A model instance from a row of ``columns(model, fields=fields)``, as the ORM would build
    it: with ``fields``, the rest deferred (loaded on first use), as ``.only(*fields)`` gives."""
    from django.db.models import DEFERRED

    convs_by_col, positions, attnames = _converters(model, connection.vendor, fields)
    # Every concrete field in place, DEFERRED where not read: Model.from_db would otherwise
    # place them itself with a list lookup per field (most of a wide row's cost).
    row = [DEFERRED] * len(attnames) if fields is not None else [None] * len(attnames)
    for (col, convs), at, value in zip(convs_by_col, positions, values, strict=True):
        for conv in convs:
            value = conv(value, col, connection)
        row[at] = value
    return model.from_db(connection.alias, attnames, row)


def split(row, *models) -> list:
    """Instances of ``models`` from a row that selected ``columns(model)`` of each in turn; a
    model whose primary key is NULL (an outer join that found nothing) gives None. A model may
    be given as ``(model, fields)`` for a row that selected ``columns(model, fields=fields)``."""
    out, at = [], 0
    for entry in models:
        model, fields = entry if isinstance(entry, tuple) else (entry, None)
        chosen = selected(model, fields)
        values = row[at : at + len(chosen)]
        pk_index = chosen.index(model._meta.pk)
        out.append(None if values[pk_index] is None else from_row(model, values, fields))
        at += len(chosen)
    return out


def columns(model, alias: str = "", fields: tuple[str, ...] | None = None) -> list[str]:
    """The quoted columns a read selects (see ``selected``), prefixed by ``alias.``."""
    prefix = f"{alias}." if alias else ""
    return [prefix + connection.ops.quote_name(f.column) for f in selected(model, fields)]


def column(model, field: str, alias: str = "") -> str:
    """The quoted column of ``field`` (a field name, FKs included), prefixed by ``alias.``."""
    name = connection.ops.quote_name(model._meta.get_field(field).column)
    return f"{alias}.{name}" if alias else name


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def _by_pk_sql(model, vendor: str) -> str:
    pk = connection.ops.quote_name(model._meta.pk.column)
    return f"SELECT {', '.join(columns(model))} FROM {table(model)} WHERE {pk} = %s"


def get_by_pk(model, pk):
    """``model._default_manager.filter(pk=pk).first()`` for a model whose default manager adds
    no filter; None when there is no such row."""
    with connection.cursor() as cur:
        cur.execute(_by_pk_sql(model, connection.vendor), [pk])
        row = cur.fetchone()
    return None if row is None else from_row(model, row)


@functools.cache
def written(model) -> tuple:
    """The fields an INSERT writes: every concrete one but the primary key (the database's)
    and generated columns, in the model's order."""
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key and not f.generated)


def prepared(row, fields) -> list:
    """The values of ``fields`` of a new ``row`` as ``save`` writes them: each field's
    ``pre_save`` (``auto_now_add`` and the like), then its preparation for this backend."""
    return [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]


@functools.cache
def _insert_plan(model, vendor: str) -> tuple[tuple, str]:
    """The fields an INSERT writes and its SQL, for a model ``insert`` can write as ``save``
    would: one table (no parent model), an automatic primary key the database returns, no
    other value the database fills in, no field with a placeholder of its own."""
    meta = model._meta
    pk = meta.pk
    if meta.parents or not getattr(pk, "db_returning", False) or list(meta.db_returning_fields) != [pk]:
        raise TypeError(f"rawsql.insert cannot write {meta.label}: use save()")
    fields = written(model)
    if any(hasattr(f, "get_placeholder") for f in fields):
        raise TypeError(f"rawsql.insert cannot write {meta.label}: a field has its own placeholder")
    quote = connection.ops.quote_name
    sql = f"INSERT INTO {table(model)} ({', '.join(quote(f.column) for f in fields)}) VALUES ({', '.join(['%s'] * len(fields))})"
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(pk.column)}"
    return fields, sql


def insert(row) -> None:
    """``row.save(force_insert=True)`` for a new row, without the ORM's insert compiler: the same
    city check (``CityOwned``), related-object check, ``pre_save`` of each field (``auto_now``
    and the like), value preparation and ``pre_save``/``post_save`` signals, and the new primary
    key set on ``row``. The compiler was a sixth of a submission's CPU (two rows a submit)."""
    from django.db import transaction
    from django.db.models import signals

    from .models import CityOwned, fill_municipality

    model = type(row)
    if row.pk is not None:  # a chosen primary key: the ORM's path
        row.save(force_insert=True)
        return
    if isinstance(row, CityOwned):
        fill_municipality(row)
    row._prepare_related_fields_for_save(operation_name="save")
    using = connection.alias
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(sender=model, instance=row, raw=False, using=using, update_fields=None)
    fields, sql = _insert_plan(model, connection.vendor)
    params = prepared(row, fields)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cur:
        cur.execute(sql, params)
        row.pk = cur.fetchone()[0] if connection.features.can_return_columns_from_insert else cur.lastrowid
    row._state.adding = False
    row._state.db = using
    if signals.post_save.has_listeners(model):
        signals.post_save.send(sender=model, instance=row, created=True, update_fields=None, raw=False, using=using)
