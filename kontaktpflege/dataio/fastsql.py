"""Plain executemany inserts and updates for the bulk import path.

Django's bulk_create builds a model instance and prepares every value through the ORM,
which costs more than the database work at 30k rows. These helpers write the same rows —
every column, Python-side defaults and auto_now timestamps included — from plain dicts.
Ids are reserved up front (a sequence on PostgreSQL; under SQLite's write lock, past the
highest id ever used), so related rows can be written in the same pass.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

_PLAIN = (str, int, float, bool, type(None))


def _field(model: type[models.Model], name: str) -> Any:
    return model._meta.get_field(name)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids no other row has or will get; call inside the writing transaction."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def _defaults(model: type[models.Model], now: dt.datetime) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[field.attname] = now
        elif field.has_default():
            values[field.attname] = field.get_default()
        elif field.null:
            values[field.attname] = None
        elif not field.primary_key:
            values[field.attname] = ""
    return values


def fast_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT rows given as {attname: value}; missing columns get the model's defaults."""
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    now = timezone.now()
    with_pk = "id" in rows[0]
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    defaults = {
        name: value
        if isinstance(value, _PLAIN)
        else _field(model, name).get_db_prep_save(value, db)
        for name, value in _defaults(model, now).items()
    }
    cache: dict[tuple[str, Any], Any] = {}
    prepared = []
    for row in rows:
        values = []
        for field in fields:
            name = field.attname
            if name not in row:
                values.append(defaults.get(name))
                continue
            value = row[name]
            if not isinstance(value, _PLAIN):
                key = (name, value)
                if key not in cache:
                    cache[key] = field.get_db_prep_save(value, db)
                value = cache[key]
            values.append(value)
        prepared.append(values)
    quote = db.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with db.cursor() as cursor:
        if db.vendor != "postgresql":
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
            cursor.executemany(sql, prepared)  # SQLite runs this loop in C
            return
        # PostgreSQL: COPY streams the rows without parsing a statement per row.
        table = quote(model._meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for values in prepared:
                copy.write_row(values)


def fast_update(model: type[models.Model], changes: dict[int, dict[str, Any]]) -> None:
    """UPDATE rows by id, each with its own {attname: value}, and their updated_at.

    One row per id: a caller with several changes of one row merges them first (statements
    grouped by their columns would otherwise run out of the caller's order). Rows that set
    the same columns are one statement: on PostgreSQL a single UPDATE … FROM unnest(arrays),
    as executemany would run (and wait for) one UPDATE per row; elsewhere executemany.
    """
    if not changes:
        return
    now = _field(model, "updated_at").get_db_prep_save(timezone.now(), connection)
    grouped: dict[tuple[str, ...], list[list[Any]]] = {}
    for pk, values in changes.items():
        names = tuple(sorted(values))
        fields = [_field(model, name) for name in names]
        params = [
            value if isinstance(value, _PLAIN) else field.get_db_prep_save(value, connection)
            for field, value in zip(fields, (values[n] for n in names), strict=True)
        ]
        grouped.setdefault(names, []).append([*params, pk])
    with connection.cursor() as cursor:
        for names, rows in grouped.items():
            if connection.vendor == "postgresql":
                cursor.execute(
                    _update_from_arrays(model, names), [now, *map(list, zip(*rows, strict=True))]
                )
            else:
                cursor.executemany(
                    _update_statement(model, names), [[*r[:-1], now, r[-1]] for r in rows]
                )


@lru_cache(maxsize=256)
def _update_statement(model: type[models.Model], names: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    columns = [*(_field(model, name).column for name in names), _field(model, "updated_at").column]
    sets = ", ".join(f"{quote(c)} = %s" for c in columns)
    return f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE id = %s"


@lru_cache(maxsize=256)
def _update_from_arrays(model: type[models.Model], names: tuple[str, ...]) -> str:
    """UPDATE … SET each column from the same position of its array, matched by id."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [_field(model, name) for name in names]
    sets = [f"{quote(f.column)} = v.{quote(f.column)}" for f in fields]
    sets.append(f"{quote(_field(model, 'updated_at').column)} = %s")
    arrays = [f"%s::{f.cast_db_type(connection)}[]" for f in fields]
    arrays.append(f"%s::{_field(model, 'id').rel_db_type(connection)}[]")
    aliases = ", ".join([*(quote(f.column) for f in fields), "id"])
    return (
        f"UPDATE {table} SET {', '.join(sets)} FROM unnest({', '.join(arrays)}) "
        f"AS v({aliases}) WHERE {table}.id = v.id"
    )
